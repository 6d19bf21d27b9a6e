"""Bad input in the forms not covered elsewhere: each invalid value is refused with a message that names what is
wrong, and nothing reaches the database. (Infusion, initials, back-dating, amendment reasons, alarm limits and
screening overrides have their own tests in test_workspace.py, test_alarm_bar.py and test_workflow_widgets.py.)"""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

LEFT = Qt.MouseButton.LeftButton


def count(window, table: str) -> int:
    window.workspace.facade.acquisition.writer.flush()
    with sqlite3.connect(window.db_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_patient_and_course_fields_are_checked(qtbot, live_window) -> None:
    window = live_window("stable", speed=20, patient=False)
    dialog = window.workspace.open_patient_dialog()
    add_patient = dialog.findChild(QPushButton, "add_patient")
    good = {"name": "Jane Doe", "mrn": "4711", "dob": "1970-02-28", "weight": "72", "allergies": ""}
    for field, value, message in (
        ("name", "  ", "Name is empty"),
        ("mrn", "", "MRN is empty"),
        ("dob", "28.02.1970", "Date of birth must be YYYY-MM-DD, not '28.02.1970'"),
        ("dob", "2090-01-01", "Date of birth 2090-01-01 is not plausible"),
        ("weight", "7", "Weight 7 kg is outside"),
        ("weight", "seventy", "Weight must be a number in kg, not 'seventy'"),
        ("allergies", "x" * 501, "Allergies: at most 500 characters"),
    ):
        for key, text in (good | {field: value}).items():
            dialog.fields[key].setText(text)
        qtbot.mouseClick(add_patient, LEFT)
        assert message in dialog.message.text(), (field, value, dialog.message.text())
    assert count(window, "patients") == 0

    for key, text in good.items():
        dialog.fields[key].setText(text)
    qtbot.mouseClick(add_patient, LEFT)
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=3000)
    for key, text in good.items():  # the form was emptied for the next patient
        dialog.fields[key].setText(text)
    qtbot.mouseClick(add_patient, LEFT)  # the same MRN again
    qtbot.waitUntil(lambda: "4711" in dialog.message.text(), timeout=3000)
    assert count(window, "patients") == 1

    dialog.patient_list.setCurrentRow(-1)
    qtbot.mouseClick(dialog.findChild(QPushButton, "add_course"), LEFT)
    assert "Select the patient first" in dialog.message.text()
    dialog.patient_list.setCurrentRow(0)
    dialog.course_title.setText(" ")
    qtbot.mouseClick(dialog.findChild(QPushButton, "add_course"), LEFT)
    assert "Give the course a name" in dialog.message.text()
    qtbot.mouseClick(dialog.assign_button, LEFT)
    assert "Select or start a course first" in dialog.message.text()
    assert count(window, "courses") == 0


def test_an_incomplete_aldrete_score_is_refused(qtbot, live_window, stored_entries) -> None:
    window = live_window("stable", speed=20)
    panel = window.workspace.recovery
    for key, combo in panel.items.items():
        combo.setCurrentIndex(0 if key == "activity" else combo.findData(2))  # "Activity" left unscored
    qtbot.mouseClick(panel.record_aldrete, LEFT)
    assert "Aldrete 'Activity' must be scored 0, 1 or 2" in window.workspace.message.text()
    qtbot.wait(200)
    assert stored_entries(window) == []


def test_a_strike_needs_a_reason(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=20)
    qtbot.mouseClick(window.workspace.observations.severity_buttons["mild"], LEFT)
    qtbot.mouseClick(window.workspace.observations.effect_buttons["headache"], LEFT)
    saved(window, 1)
    qtbot.waitUntil(lambda: window.workspace.timeline.tree.topLevelItemCount() == 1)
    window.workspace.timeline.select(stored_entries(window)[0].id)
    qtbot.mouseClick(window.workspace.timeline.strike_button, LEFT)
    dialog = window.workspace.correction_dialog
    qtbot.keyClicks(dialog.reason, " ")
    dialog.accept()
    assert dialog.isVisible() and "needs a reason" in dialog.error.text()
    qtbot.wait(200)
    assert len(stored_entries(window)) == 1, "no strike stored"
