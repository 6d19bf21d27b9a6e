"""`infusion-monitor sound-check`, run as IT runs it: a real process, no display, no sound card.

QtMultimedia is pointed at a sound server that is not there (PULSE_SERVER, PIPEWIRE_REMOTE), so it finds no audio
output on any machine; `paplay`/`aplay` are whatever PATH holds: nothing, or a stand-in that logs what it played.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from monitor.app.alarm_tones import burst_wav
from monitor.clinical.alarm_limits import AlarmPriority

REPO = Path(__file__).resolve().parents[2]


def sound_check(tmp_path: Path, path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    nowhere = f"{tmp_path}/no-such-server"  # QtMultimedia talks to PulseAudio or PipeWire: neither is there
    env |= {"PATH": str(path), "PULSE_SERVER": f"unix:{nowhere}", "PIPEWIRE_REMOTE": nowhere, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "monitor", "sound-check"], env=env, capture_output=True, text=True, timeout=60
    )


def test_a_computer_that_cannot_sound_an_alarm_says_so_and_fails(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    run = sound_check(tmp_path, empty)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for priority, pulses, line in zip(("high", "medium", "low"), (10, 3, 2), lines, strict=False):
        assert line.startswith(f"{priority} priority burst ({pulses} pulses): NOT PLAYED: QtMultimedia: no audio")
        assert "paplay: not installed (Debian package pulseaudio-utils)" in line
        assert "aplay: not installed (Debian package alsa-utils)" in line
    assert "THIS COMPUTER CANNOT SOUND AN ALARM" in run.stdout and "make deps-debian" in run.stdout


def test_each_burst_is_played_and_the_player_named(tmp_path: Path) -> None:
    folder, log = tmp_path / "bin", tmp_path / "played.log"
    folder.mkdir()
    paplay = folder / "paplay"
    paplay.write_text(f'#!/bin/sh\n/bin/cp "$1" "{tmp_path}/"\necho "$1" >> "{log}"\n')  # PATH has no cp
    paplay.chmod(paplay.stat().st_mode | stat.S_IXUSR)
    run = sound_check(tmp_path, folder)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[:3] == [
        "high priority burst (10 pulses): played by paplay",
        "medium priority burst (3 pulses): played by paplay",
        "low priority burst (2 pulses): played by paplay",
    ]
    played = [Path(line).name for line in log.read_text().splitlines() if "silence" not in line]
    assert played == ["high.wav", "medium.wav", "low.wav"]
    for priority in (AlarmPriority.HIGH, AlarmPriority.MEDIUM, AlarmPriority.LOW):
        assert (tmp_path / f"{priority.name.lower()}.wav").read_bytes() == burst_wav(priority)
