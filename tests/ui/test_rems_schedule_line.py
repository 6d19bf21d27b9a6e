"""The esketamine-rems protocol in the window (issue 19 point 5): the status bar says which protocol governs, and
the Check line asks for the BP before dosing ([PI]/[REMS]) until a cuff reading is there. The simulated cuff
finishes its first reading 30 s into the session (monitor.devices.simulator.physiology): at speed 1 the line is
read before it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from monitor.clinical.clinic_protocol import parse_protocol

REMS = parse_protocol({"protocol": "esketamine-rems"}, "test")


def test_the_window_shows_the_protocol_and_asks_for_the_bp_before_dosing(qtbot, live_window) -> None:
    window = live_window("stable", speed=1, screening=True, clinic=REMS)
    line = window.workspace.schedule_label
    qtbot.waitUntil(lambda: line.text().startswith("BP before dosing"), timeout=10000)
    assert line.text() == "BP before dosing ([PI]/[REMS]) · due now"
    assert line.needs.text() == "Still needed: a cuff reading (NIBP)."
    assert line.property("state") == "due"
    shown = window.findChild(QLabel, "clinic_protocol")
    assert shown is not None and shown.isVisible()
    assert shown.text().startswith("Protocol esketamine-rems: observe ≥ 2 h after dosing [PI]")


def test_an_iv_ketamine_window_asks_for_no_bp_before_dosing(qtbot, live_window) -> None:
    window = live_window("stable", speed=1, screening=True)
    line = window.workspace.schedule_label
    qtbot.waitUntil(lambda: line.text() != "", timeout=10000)
    assert line.text() == "No check due yet"
    assert window.findChild(QLabel, "clinic_protocol").text().endswith("after the infusion ends (clinic default)")
