"""Nothing is entered by accident (issue 13 point 5): Stop, Change rate and Give bolus ask first, showing exactly
what will be recorded, and No records nothing; the question is a real QMessageBox whose default is No; after
Start, focus does not land in the Bolus field; Start needs a patient assigned to the session, and on the built-in
simulator a clearly labelled demo patient may be used."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from monitor.timefmt import clock_text
from monitor.ui.main_window import MainWindow
from monitor.ui.recorder import ask

LEFT = Qt.MouseButton.LeftButton


def fill_infusion(window, rate: str = "0.5") -> None:
    for field, text in (
        (window.workspace.infusion.concentration, "10"),
        (window.workspace.infusion.weight, "70"),
        (window.workspace.infusion.rate, rate),
    ):
        field.setText(text)


def test_pump_actions_ask_what_they_will_record_and_no_records_nothing(qtbot, live_window, saved) -> None:
    window = live_window("stable", speed=20)
    fill_infusion(window)
    qtbot.mouseClick(window.workspace.infusion.buttons["start"], LEFT)
    saved(window, 1)
    assert window.questions == [], "Start asks nothing: the screening and the patient gate it"
    answers: list[str] = []
    window.workspace.recorder.confirm = lambda text: answers.append(text) and False  # the nurse says No
    window.workspace.infusion.rate.setText("0.8")
    qtbot.mouseClick(window.workspace.infusion.buttons["rate"], LEFT)
    window.workspace.infusion.bolus.setText("24.5")
    qtbot.mouseClick(window.workspace.infusion.buttons["bolus"], LEFT)
    qtbot.mouseClick(window.workspace.infusion.buttons["stop"], LEFT)
    at = r"at \d\d:\d\d\?"
    assert re.fullmatch(rf"Change rate 0.5 → 0.8 mg/kg/h \(\+60 %\) {at} Pump 3.5 → 5.6 mL/h\.", answers[0]), answers[0]
    assert re.fullmatch(rf"Bolus 24.5 mg \(0.35 mg/kg\) {at}", answers[1]), answers[1]
    assert re.fullmatch(rf"Stop the infusion {at} Infused .*, total .* mg \(.* mg/kg\)\.", answers[2]), answers[2]
    assert "Not recorded: Infusion stopped" in window.workspace.message.text()
    saved(window, 1)  # No recorded nothing
    assert window.workspace.infusion.bolus.text() == "24.5", "a dose not given stays in its field"

    window.workspace.recorder.confirm = lambda text: answers.append(text) or True
    qtbot.mouseClick(window.workspace.infusion.buttons["bolus"], LEFT)
    saved(window, 2)
    stored = window.workspace.service.views()[-1]
    assert f"at {clock_text(stored.t)[:5]}?" in answers[-1], "recorded at the time the question showed"
    assert stored.payload["dose_mg"] == 24.5


def test_the_question_is_a_message_box_that_defaults_to_no(qtbot, monkeypatch, live_window) -> None:
    window = live_window("stable", speed=20)
    shown: list[tuple[str, QMessageBox.StandardButton]] = []

    def answer(box: QMessageBox, button: QMessageBox.StandardButton):
        shown.append((box.text(), box.defaultButton() and box.standardButton(box.defaultButton())))
        return button

    monkeypatch.setattr(QMessageBox, "exec", lambda box: answer(box, QMessageBox.StandardButton.No))
    assert ask(window, "Bolus 25 mg (0.35 mg/kg) at 14:02?") is False
    monkeypatch.setattr(QMessageBox, "exec", lambda box: answer(box, QMessageBox.StandardButton.Yes))
    assert ask(window, "Stop the infusion at 14:02?") is True
    assert shown == [
        ("Bolus 25 mg (0.35 mg/kg) at 14:02?", QMessageBox.StandardButton.No),
        ("Stop the infusion at 14:02?", QMessageBox.StandardButton.No),
    ]


def test_after_start_focus_does_not_jump_into_bolus(qtbot, live_window, saved) -> None:
    window = live_window("stable", speed=20)
    window.activateWindow()
    fill_infusion(window)
    start = window.workspace.infusion.buttons["start"]
    start.setFocus()
    qtbot.mouseClick(start, LEFT)
    saved(window, 1)
    qtbot.waitUntil(lambda: not start.isEnabled(), timeout=3000)
    assert window.focusWidget() is not window.workspace.infusion.bolus


def test_start_needs_a_patient_and_the_simulator_offers_a_labelled_demo_patient(
    qtbot, live_window, saved, stored_entries
) -> None:
    window = live_window("stable", speed=20, patient=False)
    assert not window.workspace.demo_button.isVisibleTo(window), "a real monitor's workspace offers no demo patient"
    fill_infusion(window)
    qtbot.mouseClick(window.workspace.infusion.buttons["start"], LEFT)
    assert "Assign the patient to this session before starting the infusion" in window.workspace.message.text()
    assert stored_entries(window) == []

    demo = MainWindow(window.workspace.facade, source="simulated monitor (stable)", demo=True)
    qtbot.addWidget(demo)
    assert demo.workspace.demo_button.isVisibleTo(demo) and demo.workspace.demo_button.text() == "Use demo patient"
    qtbot.mouseClick(demo.workspace.demo_button, LEFT)
    qtbot.waitUntil(lambda: "DEMO PATIENT — not a real person" in demo.workspace.patient_label.text(), timeout=3000)
    assert not demo.workspace.demo_button.isVisibleTo(demo)
    demo.workspace.recorder.confirm = lambda _text: True
    fill_infusion(demo)
    qtbot.mouseClick(demo.workspace.infusion.buttons["start"], LEFT)
    qtbot.waitUntil(lambda: len(stored_entries(window)) == 1, timeout=5000)
    again = MainWindow(window.workspace.facade, source="simulated monitor (stable)", demo=True)
    qtbot.addWidget(again)
    assert "DEMO PATIENT" in again.workspace.patient_label.text() and not again.workspace.demo_button.isVisibleTo(again)
