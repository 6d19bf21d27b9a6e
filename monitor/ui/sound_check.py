"""`infusion-monitor sound-check`: IT's check of one desk. Plays the high, medium and low alarm bursts with the
players the window would use (monitor/ui/sound_players.py), says which player played each, and exits non-zero when
a burst could not be played by any of them. Needs no display (a QCoreApplication).
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from PySide6.QtCore import QCoreApplication

from monitor.app.alarm_tones import PATTERN
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.ui.alarm_sound import write_tones
from monitor.ui.sound_players import Backend, open_player, silence_wav

CHECKED = (AlarmPriority.HIGH, AlarmPriority.MEDIUM, AlarmPriority.LOW)


@dataclass(frozen=True)
class BurstResult:
    priority: AlarmPriority
    backend: Backend | None  # the player that played it; None: none could
    problems: list[str] = field(default_factory=list)  # why the players tried before (or instead) did not

    def line(self) -> str:
        pulses = sum(PATTERN[self.priority])
        what = f"{self.priority.name.lower()} priority burst ({pulses} pulses)"
        if self.backend is not None:
            return f"{what}: played by {self.backend}"
        return f"{what}: NOT PLAYED: " + "; ".join(self.problems)


def play_burst(path: Path, silence: Path) -> tuple[Backend | None, list[str]]:
    """Play one file with the first player that can, moving on when one fails at play time."""
    skip: set[Backend] = set()
    problems: list[str] = []
    while True:
        player, found = open_player(silence, None, frozenset(skip))
        problems += found.values()
        skip |= found.keys()
        if player is None:
            return None, problems
        problem = player.play_and_wait(path)
        player.deleteLater()
        if problem is None:
            return player.backend, problems
        problems.append(problem)
        skip.add(player.backend)


def check_sound() -> list[BurstResult]:
    _app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="ism-sound-check-") as folder:
        files = write_tones(Path(folder))
        silence = Path(folder) / "silence.wav"
        silence.write_bytes(silence_wav())
        return [BurstResult(p, *play_burst(files[p], silence)) for p in CHECKED]


def run_sound_check(out: TextIO = sys.stdout) -> int:
    """Print what happened to each burst; 0 when all three played, 1 otherwise."""
    results = check_sound()
    for result in results:
        print(result.line(), file=out)
    if all(r.backend is not None for r in results):
        print("Alarm sound works. Did you hear the three bursts? If not, check the speakers and the volume.", file=out)
        return 0
    if all(r.backend is None for r in results):
        print("THIS COMPUTER CANNOT SOUND AN ALARM: its alarms would be visual only.", file=out)
    else:
        print("NOT EVERY ALARM BURST COULD BE PLAYED.", file=out)
    print(
        "Install the players (`make deps-debian`), connect speakers, make sure a sound server or sound card is "
        "there, and run `infusion-monitor sound-check` again.",
        file=out,
    )
    return 1
