"""The alarm bar on a live session: a respiratory depression raises high-priority alarms that colour the bar and
the tiles and sound; the nurse acknowledges, pauses the audio and changes a limit with a reason."""

from __future__ import annotations

from PySide6.QtCore import Qt

from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import AlarmAction, AlarmEvent, AlarmStatus
from monitor.timefmt import clock_text
from monitor.ui.alarm_bar import AlarmHistory
from monitor.ui.tiles import AlarmLevel


def test_alarm_bar_acknowledge_pause_and_limits(qtbot, live_window) -> None:
    window = live_window("respiratory-depression", speed=250)
    bar, alarms = window.workspace.alarm_bar, window.workspace.alarms
    qtbot.waitUntil(lambda: any(a.priority is AlarmPriority.HIGH for a in alarms.alarms()), timeout=20000)
    qtbot.waitUntil(lambda: bar.lines[0].property("priority") == "high", timeout=3000)
    assert "#d50000" in bar.lines[0].styleSheet() or "#37474f" in bar.lines[0].styleSheet(), "red, flashing"
    high = next(a for a in alarms.alarms() if a.priority is AlarmPriority.HIGH)
    tile = {"RR": "rr", "SPO2": "spo2"}[high.param]
    qtbot.waitUntil(lambda: window.workspace.tiles[tile].alarm_level is AlarmLevel.HIGH, timeout=3000)
    qtbot.waitUntil(lambda: window.workspace.sound.priority is AlarmPriority.HIGH, timeout=3000)
    assert window.workspace.sound.bursts_played >= 1
    assert window.workspace.alarm_history.topLevelItemCount() >= 1
    assert len(window.workspace.trends.alarm_marks) >= 1

    # Acknowledge on the plateau (scenario: RR about 6, SpO2 about 87 from 1600 s), not at the first crossing,
    # where values hover at the limit and a high alarm may have latched by the time a slow machine clicks.
    qtbot.waitUntil(lambda: window.simulator.session_time() > 1700, timeout=20000)
    qtbot.waitUntil(
        lambda: any(a.priority is AlarmPriority.HIGH and a.status is AlarmStatus.ACTIVE for a in alarms.alarms()),
        timeout=5000,
    )
    clicked = alarms.clock.now()
    qtbot.mouseClick(bar.ack, Qt.MouseButton.LeftButton)
    assert all(a.status is not AlarmStatus.ACTIVE for a in alarms.alarms())
    assert any(a.status is AlarmStatus.ACKNOWLEDGED for a in alarms.alarms()), "the depression is still present"
    assert any("acknowledged" in line.text() for line in bar.lines if line.isVisible()), "the bar redraws at once"

    def silent_but_for_newer_alarms() -> bool:
        # At 250x the depression goes on: an alarm raised after the click may sound; the acknowledged ones may not.
        newer = [a.priority for a in alarms.alarms() if a.status is AlarmStatus.ACTIVE and a.escalated_at >= clicked]
        return window.workspace.sound.priority in newer if newer else window.workspace.sound.priority is None

    qtbot.waitUntil(silent_but_for_newer_alarms, timeout=3000)

    qtbot.mouseClick(bar.pause, Qt.MouseButton.LeftButton)
    assert bar.pause.text().startswith("Audio paused 1:") or bar.pause.text().startswith("Audio paused 2:")

    dialog = bar.open_limits()
    dialog.param.setCurrentIndex(dialog.param.findData("HR"))
    assert "back inside by 5 /min for 30 s (clinic default)" in dialog.bounds.text(), "hysteresis, standing"
    dialog.high.setText("250")
    dialog.reason.setText("athlete")
    dialog.accept()
    assert dialog.isVisible() and "outside the allowed 90–180" in dialog.error.text()
    dialog.high.setText("110")
    dialog.reason.setText("")
    dialog.accept()
    assert "reason" in dialog.error.text()
    dialog.reason.setText("resting HR 95")
    dialog.accept()
    assert not dialog.isVisible() and alarms.limits()["HR"].high == 110
    qtbot.waitUntil(
        lambda: any(
            window.workspace.alarm_history.topLevelItem(i).text(1) == "limit changed"
            and window.workspace.alarm_history.topLevelItem(i).text(4) == "AB"
            and "resting HR 95" in window.workspace.alarm_history.topLevelItem(i).text(2)
            for i in range(window.workspace.alarm_history.topLevelItemCount())
        ),
        timeout=3000,
    )
    # The change is on the lane too (new onsets may arrive in the same batch, so look for it by its text).
    qtbot.waitUntil(
        lambda: any("resting HR 95" in m and "AB" in m for m in window.workspace.trends.alarm_marks), timeout=3000
    )


def test_the_alarm_history_collapses_repeats_of_one_condition(qtbot) -> None:
    history = AlarmHistory()
    qtbot.addWidget(history)
    events = []
    for k in range(30):
        t = 1000.0 + 120 * k
        events.append(AlarmEvent(t, AlarmAction.ONSET, "RR low", "RR low: 7 /min", AlarmPriority.HIGH))
        events.append(AlarmEvent(t + 60, AlarmAction.CLEAR, "RR low", "RR low: cleared", AlarmPriority.HIGH))
    events.append(
        AlarmEvent(5000.0, AlarmAction.ACKNOWLEDGE, "RR low", "RR low: acknowledged", AlarmPriority.HIGH, who="AB")
    )
    history.add_events(events[:3])
    history.add_events(events[3:])
    rows = [[history.topLevelItem(i).text(c) for c in range(6)] for i in range(history.topLevelItemCount())]
    assert [(r[1], r[5]) for r in rows] == [
        ("onset", f"×30, last {clock_text(1000.0 + 120 * 29)}"),
        ("clear", f"×30, last {clock_text(1060.0 + 120 * 29)}"),
        ("acknowledge", ""),
    ]
    assert rows[0][0] == clock_text(1000.0), "the row keeps the first time"
