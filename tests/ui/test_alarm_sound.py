"""The alarm sound's players and what the desk shows when it cannot sound an alarm.

No test needs a sound card. QtMultimedia is really tried (it finds no audio output: tests/conftest.py points it
at a sound server that is not there, on every machine alike); `paplay`/`aplay` are the real programs found on
PATH, which the tests point at a folder of stand-ins that log what they were asked to play and succeed or fail
like the real ones do.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from accounts import desk_for
from PySide6.QtCore import Qt

from monitor.app.alarm_tones import burst_wav
from monitor.app.chair import ChairConfig
from monitor.app.session_record import load_record
from monitor.app.station import Station
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import SOUND_KEY
from monitor.storage.db import connect, read_alarm_events
from monitor.storage.writer import SessionWriter
from monitor.ui.alarm_sound import AlarmSound
from monitor.ui.app import open_chair_window
from monitor.ui.report_pdf import layout_report
from monitor.ui.sound_players import Backend
from monitor.ui.station_window import StationWindow

PLAYS = """#!/bin/sh
echo "$0 $*" >> "{log}"
exit 0
"""
# Like paplay with no sound server: fine on nothing (the silent probe here), fails on the alarm itself.
FAILS_AT_PLAY_TIME = """#!/bin/sh
echo "$0 $*" >> "{log}"
case "$1" in *silence.wav) exit 0;; esac
echo "Connection failure: Connection refused" >&2
exit 1
"""

# Like paplay on a stalled sound server: never returns from the alarm.
HANGS_AT_PLAY_TIME = """#!/bin/sh
case "$1" in *silence.wav) exit 0;; esac
exec /bin/sleep 600
"""


@pytest.fixture
def players(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """PATH is a folder of stand-in players; install(name, script) puts one there. Returns (install, log)."""
    folder, log = tmp_path / "bin", tmp_path / "played.log"
    folder.mkdir()
    log.touch()
    monkeypatch.setenv("PATH", str(folder))

    def install(name: str, script: str) -> None:
        exe = folder / name
        exe.write_text(script.format(log=log))
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR)

    return install, log


def test_the_first_player_that_works_plays_the_iec_bursts(qtbot, players) -> None:
    install, log = players
    install("paplay", PLAYS)
    install("aplay", PLAYS)
    sound = AlarmSound()
    assert sound.backend is Backend.PAPLAY and sound.unavailable is None
    assert sound.problems[0].startswith("QtMultimedia: no audio output device"), (
        "QtMultimedia must load and be tried first (PySide6-Addons, and libpulse0: .ci/run or make deps-debian)"
    )
    assert "silence.wav" in log.read_text(), "the player was tried on silence at start"

    sound.set_priority(AlarmPriority.HIGH)
    qtbot.waitUntil(lambda: "high.wav" in log.read_text(), timeout=5000)
    played = Path(log.read_text().split()[-1])
    assert played.read_bytes() == burst_wav(AlarmPriority.HIGH), "the 10-pulse IEC burst"
    assert all(line.split()[0].endswith("/paplay") for line in log.read_text().splitlines()), "aplay never ran"


def test_with_no_player_the_desk_shows_and_records_a_standing_condition(qtbot, players, live_window) -> None:
    window = live_window("stable", speed=1)  # PATH holds no player at all
    assert window.workspace.sound.backend is None and "paplay: not installed" in window.workspace.sound.unavailable
    _assert_standing(qtbot, window, "paplay: not installed (Debian package pulseaudio-utils)")


def test_a_player_failing_at_play_time_becomes_the_standing_condition(qtbot, players, live_window) -> None:
    install, log = players
    install("paplay", FAILS_AT_PLAY_TIME)
    window = live_window("stable", speed=1)
    assert window.workspace.sound.backend is Backend.PAPLAY and not window.workspace.alarm_bar.standing.isVisible()
    assert not window.workspace.alarms.standing(), "it worked at start"

    window.workspace.sound.set_priority(AlarmPriority.MEDIUM)  # an alarm sounds: the player fails on it
    qtbot.waitUntil(lambda: window.workspace.sound.unavailable is not None, timeout=5000)
    assert "medium.wav" in log.read_text()
    _assert_standing(qtbot, window, "paplay: failed (exit 1): Connection failure: Connection refused")


def test_a_player_that_hangs_is_a_failure_too(qtbot, players) -> None:
    install, _log = players
    install("paplay", HANGS_AT_PLAY_TIME)
    sound = AlarmSound()
    assert sound.backend is Backend.PAPLAY
    sound.set_priority(AlarmPriority.LOW)  # the shortest burst: the watchdog waits for its end and 5 s more
    qtbot.waitUntil(lambda: sound.unavailable is not None, timeout=15000)
    assert "paplay: failed (did not finish within 5 s of the burst's end)" in sound.unavailable


def _assert_standing(qtbot, window, reason: str) -> None:
    bar = window.workspace.alarm_bar
    qtbot.waitUntil(bar.standing.isVisible, timeout=3000)
    assert "NO ALARM SOUND" in bar.standing.text() and "visual only" in bar.standing.text()
    assert "font-size: 18px" in bar.standing.styleSheet(), "as large as an alarm row: readable at 2 m"
    for button in (bar.ack, bar.pause):  # no click makes it go away
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert bar.standing.isVisible() and "NO ALARM SOUND" in bar.standing.text()
    assert all(a.key != SOUND_KEY for a in window.workspace.alarms.alarms()), "not among the rotating alarm rows"

    window.workspace.facade.acquisition.writer.flush()
    conn = connect(window.db_path)
    try:
        events = [e for e in read_alarm_events(conn, window.session_id) if e.key == SOUND_KEY]
    finally:
        conn.close()
    assert [(e.action, e.category, e.priority) for e in events] == [("onset", "technical", "medium")]
    assert reason in events[0].message, "the record says why"

    pages = layout_report(load_record(window.db_path, window.session_id)).pages
    text = "\n".join(t for page in pages for t in page.texts)
    assert "Alarm sound" in text and "NO ALARM SOUND" in text and reason in text


def test_the_station_says_which_chairs_cannot_sound_an_alarm_above_its_alarm_lines(qtbot, players, tmp_path) -> None:
    configs = [ChairConfig(f"Chair {i}", None, scenario="stable", speed=20, seed=i) for i in (1, 2)]
    writer = SessionWriter(tmp_path / "station.sqlite3")
    writer.start()
    station = Station(configs, writer)
    desk = desk_for(writer.db_path)
    try:
        window = StationWindow([open_chair_window(chair, desk) for chair in station.chairs], configs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(window.standing.isVisible, timeout=3000)
        assert window.standing.text().startswith("Chair 1, Chair 2 · TECHNICAL · NO ALARM SOUND")
        assert "font-size: 17px" in window.standing.styleSheet()
        assert window.alarm_lines[0].text() == "No active alarms at the station", "the alarm lines stay for alarms"
    finally:
        station.stop()
        writer.close()
