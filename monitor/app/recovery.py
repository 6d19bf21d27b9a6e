"""Continuing a session after the program or the computer stopped while recording it.

Qt-free. Every entry committed before the crash is in the database (durable commits); samples reach the disk at
least every second, so at most about a second of them is missing. The time without data becomes a 'gap' link
event when the session is resumed, and the charts show it as a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.app.session_service import entries_from_rows
from monitor.devices.events import Sample
from monitor.session.entries import Entry
from monitor.storage.db import SessionRow, connect, last_sample_time, open_sessions, read_entries, read_sample_events


@dataclass(frozen=True)
class ResumePoint:
    session: SessionRow
    entries: list[Entry]
    last_sample: float | None

    def load_samples(self, db_path: Path, params: tuple[str, ...]) -> list[Sample]:
        conn = connect(db_path)
        try:
            return read_sample_events(conn, self.session.id, params)
        finally:
            conn.close()


def find_unfinished(db_path: Path) -> ResumePoint | None:
    """The most recent session that was never ended, with what it holds; None when every session was closed."""
    if not db_path.is_file():
        return None
    conn = connect(db_path)
    try:
        sessions = open_sessions(conn)
        if not sessions:
            return None
        session = sessions[-1]
        return ResumePoint(
            session, entries_from_rows(read_entries(conn, session.id)), last_sample_time(conn, session.id)
        )
    finally:
        conn.close()
