"""Full disclosure (issue 22 point 4): a session's stored waves read window by window, for the review window and the
PDF. Qt-free; each read opens the desk's file read-only for its own short query (a 60 s window is ~18 blocks, a few
ms: a jump to any minute of a 12 h session costs the same as one at its start)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from monitor.app.session_record import SessionRecord
from monitor.storage.db import AlarmEventRow
from monitor.storage.wave_blocks import StoredWave, read_waves, wave_span

DISCLOSURE_S = 30.0  # the waves shown around an alarm or an entry: 30 s before and after (issue 22)
WAVE_ORDER = ("ECG_II", "PLETH", "CO2")  # top to bottom, as on the monitor


@dataclass(frozen=True, slots=True)
class WaveWindow:
    start: float
    end: float
    waves: dict[str, list[StoredWave]]  # each wave's contiguous stretches (NaN = gap); a wave absent: none stored

    @property
    def empty(self) -> bool:
        return not any(self.waves.values())


class WaveReader:
    """The stored waves of one session in one desk file."""

    def __init__(self, db_path: Path, session_id: int) -> None:
        self.db_path, self.session_id = Path(db_path), session_id

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)

    def window(self, start: float, end: float) -> WaveWindow:
        conn = self._connect()
        try:
            return WaveWindow(start, end, read_waves(conn, self.session_id, start, end))
        finally:
            conn.close()

    def around(self, t: float, half_s: float = DISCLOSURE_S) -> WaveWindow:
        """The waves of `half_s` before and after `t` (an alarm, an entry)."""
        return self.window(t - half_s, t + half_s)

    def span(self) -> tuple[float, float] | None:
        """First and last instant with stored waves; None: this session has none."""
        conn = self._connect()
        try:
            return wave_span(conn, self.session_id)
        finally:
            conn.close()


def wave_reader(record: SessionRecord) -> WaveReader | None:
    """The session's stored waves, or None when its record was not read from a desk file (the clinic database keeps
    no waves: storage.hub_schema.LOCAL_ONLY_TABLES)."""
    return None if record.wave_file is None else WaveReader(record.wave_file, record.session.id)


def high_onsets(record: SessionRecord) -> list[AlarmEventRow]:
    """The session's high-priority alarm onsets (an escalation to high is one too), in time order: the PDF prints
    the waves at each."""
    return [a for a in record.alarms if a.action in ("onset", "escalate") and a.priority == "high"]
