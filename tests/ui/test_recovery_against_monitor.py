"""On a live simulated session with respiratory depression (SpO2 falling to ~87 %, RR ~6, red alarms): the
Aldrete score that claims "SpO2 > 92 % on room air" is refused with the monitor's values and nothing is recorded;
discharge names the high-priority alarms; a score matching the monitor is recorded and the form is unset again."""

from __future__ import annotations

from PySide6.QtCore import Qt

LEFT = Qt.MouseButton.LeftButton


def test_aldrete_and_discharge_refused_against_the_live_monitor(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("respiratory-depression", speed=300)

    def spo2_below_90() -> bool:
        spo2 = window.workspace.live.values.shown("SPO2", window.workspace.clock.now())
        return spo2.current and spo2.value < 90

    qtbot.waitUntil(spo2_below_90, timeout=20000)
    qtbot.waitUntil(lambda: bool(window.workspace.alarms.high_clinical()), timeout=10000)
    recovery = window.workspace.recovery
    window.workspace.tabs.setCurrentIndex(2)
    for combo in recovery.items.values():
        combo.setCurrentIndex(combo.findData(2))
    qtbot.mouseClick(recovery.record_aldrete, LEFT)
    message = window.workspace.message.text()
    assert "The Aldrete score contradicts the monitor" in message, message
    assert "oxygen 2 needs SpO₂ > 92 %, the monitor shows 8" in message
    assert stored_entries(window) == []
    assert recovery.items["oxygen"].currentData() == 2, "a refused score stays on the form to be corrected"

    for box in recovery.checks.values():
        box.setChecked(True)
    qtbot.mouseClick(recovery.discharge, LEFT)
    assert "high-priority alarm: " in window.workspace.message.text(), window.workspace.message.text()

    recovery.items["oxygen"].setCurrentIndex(recovery.items["oxygen"].findData(0))
    recovery.items["respiration"].setCurrentIndex(recovery.items["respiration"].findData(1))
    recovery.items["circulation"].setCurrentIndex(recovery.items["circulation"].findData(0))
    qtbot.mouseClick(recovery.record_aldrete, LEFT)
    saved(window, 1)
    assert all(combo.currentData() is None for combo in recovery.items.values()), "no score left over"
