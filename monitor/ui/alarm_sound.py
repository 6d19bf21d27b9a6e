"""AlarmSound: plays the program's alarm bursts, repeated per priority, or says that it cannot.

GUI thread. The players (QtMultimedia, paplay, aplay: monitor/ui/sound_players.py) are tried in order at start;
a player that fails at play time is dropped and the burst goes to the next one. When none is left, `unavailable`
says why and `sigUnavailable` tells the window, which makes it a standing technical condition on the record and in
the alarm bar (AlarmService.sound_unavailable). Nothing here may raise into the GUI.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from monitor.app.alarm_tones import burst_wav
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.ui.sound_players import Backend, Player, open_player, silence_wav

log = logging.getLogger(__name__)

# Burst repetition (IEC 60601-1-8 allows 2.5-15 s for high, 2.5-30 s for medium; low may sound once).
REPEAT_S = {AlarmPriority.HIGH: 5.0, AlarmPriority.MEDIUM: 12.0, AlarmPriority.LOW: None}


def write_tones(folder: Path) -> dict[AlarmPriority, Path]:
    """The three bursts as WAV files in `folder` (the players play files)."""
    files = {p: folder / f"{p.name.lower()}.wav" for p in AlarmPriority}
    for p, path in files.items():
        path.write_bytes(burst_wav(p))
    return files


class AlarmSound(QObject):
    sigUnavailable = Signal(str)  # no player can sound an alarm on this computer, and why

    def __init__(self, parent: QObject | None = None, *, enabled: bool = True) -> None:
        super().__init__(parent)
        self.priority: AlarmPriority | None = None
        self.bursts_played = 0
        self.unavailable: str | None = None
        self.problems: list[str] = []  # why each player tried so far could not play
        self.player: Player | None = None
        self._tried: set[Backend] = set()
        self._dir = Path(tempfile.mkdtemp(prefix="ism-tones-"))
        folder = self._dir  # not `self`: removed while this object is being destroyed
        self.destroyed.connect(lambda *_: shutil.rmtree(folder, ignore_errors=True))
        self._files = write_tones(self._dir)
        self._silence = self._dir / "silence.wav"
        self._silence.write_bytes(silence_wav())
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._burst)
        if enabled:
            self._next_player()
        else:
            self._give_up("alarm sound switched off")

    @property
    def backend(self) -> Backend | None:
        return self.player.backend if self.player is not None else None

    def _next_player(self) -> None:
        player, problems = open_player(self._silence, self, frozenset(self._tried))
        self.problems += problems.values()
        self._tried |= problems.keys()
        if player is None:
            self._give_up("; ".join(self.problems))
            return
        self._tried.add(player.backend)
        player.failed.connect(self._on_failed)
        self.player = player
        log.info("alarm sound: %s", player.backend)

    def _give_up(self, why: str) -> None:
        self.unavailable = why
        log.error("no alarm sound on this computer: %s", why)
        self.sigUnavailable.emit(why)

    def _on_failed(self, reason: str) -> None:
        """A player that failed at play time: not used again; the burst goes to the next player, if any."""
        log.error("alarm sound failed: %s", reason)
        self.problems.append(reason)
        if self.player is not None:
            self.player.failed.disconnect(self._on_failed)
            self.player.deleteLater()
            self.player = None
        self._next_player()
        if self.player is not None and self.priority is not None:
            self.player.play(self._files[self.priority])

    def set_priority(self, priority: AlarmPriority | None) -> None:
        """Sound the bursts of `priority` (None: silence). A higher priority starts at once."""
        if priority == self.priority:
            return
        self.priority = priority
        self._timer.stop()
        if priority is None:
            return
        self._burst()
        repeat = REPEAT_S[priority]
        if repeat is not None:
            self._timer.start(int(repeat * 1000))

    def _burst(self) -> None:
        if self.priority is None:
            return
        self.bursts_played += 1
        if self.player is not None:
            self.player.play(self._files[self.priority])
