"""AlarmSound: plays the program's alarm bursts, repeated per priority, or says once that it cannot.

GUI thread. Backends, first that works: QtMultimedia's QSoundEffect (PySide6-Addons, needs libpulse), else a
command-line player (`paplay`, `aplay`) fed the same WAV files; else no sound: the alarms stay visual and
`unavailable` says why, once. Nothing here may raise into the GUI: a machine without a sound stack is normal.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl

from monitor.app.alarm_tones import burst_wav
from monitor.session.alarm_limits import AlarmPriority

log = logging.getLogger(__name__)

# Burst repetition (IEC 60601-1-8 allows 2.5-15 s for high, 2.5-30 s for medium; low may sound once).
REPEAT_S = {AlarmPriority.HIGH: 5.0, AlarmPriority.MEDIUM: 12.0, AlarmPriority.LOW: None}


class AlarmSound(QObject):
    def __init__(self, parent: QObject | None = None, *, enabled: bool = True) -> None:
        super().__init__(parent)
        self.priority: AlarmPriority | None = None
        self.bursts_played = 0
        self.unavailable: str | None = None
        self._players: list[subprocess.Popen[bytes]] = []
        self._dir = Path(tempfile.mkdtemp(prefix="ism-tones-"))
        self._files = {p: self._dir / f"{p.name.lower()}.wav" for p in AlarmPriority}
        for p, path in self._files.items():
            path.write_bytes(burst_wav(p))
        self._play = self._choose_backend() if enabled else None
        if not enabled:
            self.unavailable = "alarm sound switched off"
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._burst)

    def _choose_backend(self):  # -> Callable[[Path], None] | None
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError as exc:
            reason = f"QtMultimedia unavailable ({exc})"
        else:
            effects = {}
            for path in self._files.values():
                effect = QSoundEffect(self)
                effect.setSource(QUrl.fromLocalFile(str(path)))
                effects[path] = effect
            return lambda path: effects[path].play()
        for command in ("paplay", "aplay"):
            exe = shutil.which(command)
            if exe is not None:
                args = [exe, "-q"] if command == "aplay" else [exe]
                return lambda path, args=args: self._spawn([*args, str(path)])
        self.unavailable = f"no sound output on this computer: {reason}, and no paplay/aplay; alarms are visual only"
        log.warning(self.unavailable)
        return None

    def _spawn(self, command: list[str]) -> None:
        self._players = [p for p in self._players if p.poll() is None]  # reap finished players
        self._players.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

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
        if self._play is None:
            return
        try:
            self._play(self._files[self.priority])
        except OSError as exc:  # a player that vanished: fall back to visual, say so once
            self.unavailable = f"alarm sound failed ({exc}); alarms are visual only"
            log.error(self.unavailable)
            self._play = None
