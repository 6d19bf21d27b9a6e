"""The patient dialog and course view with a clinic database (issue 17 point 3), on a real PostgreSQL server: other
desks' patients and courses are listed and used through a local copy; a conflicting registration of an MRN is shown
where the nurse picks the patient and on the course view; nothing recorded is changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
from accounts import desk_for
from hub_desks import desk_dsn, ship
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from monitor.app.chair import ChairConfig
from monitor.app.clinic_patients import ClinicPatients
from monitor.app.courses import CourseService
from monitor.app.station import Station
from monitor.storage.writer import SessionWriter
from monitor.ui.app import open_chair_window

LEFT = Qt.MouseButton.LeftButton


def _texts(widget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]


def test_the_dialog_lists_other_desks_patients_shows_conflicts_and_copies_a_pick(
    qtbot, live_window, pg_dsn: str, tmp_path: Path
) -> None:
    dsn_a, dsn_b = desk_dsn(pg_dsn, "desk_a"), desk_dsn(pg_dsn, "desk_b")
    offline = ClinicPatients(f"host={tmp_path} port=1 dbname=clinic user=nobody", timeout_s=1)
    with SessionWriter(tmp_path / "a.sqlite3") as writer_a:  # desk A, offline: MRN-9 first, and Ann with a course
        desk_a = CourseService(writer_a, offline)
        desk_a.add_patient("Jane Doe", "MRN-9", "1970-05-01", "70", "").result(10)
        ann = desk_a.add_patient("Ann Smith", "MRN-5", "1980-01-01", "60", "latex").result(10)
        desk_a.add_course(ann, "Spring 2026").result(5)
    ship(tmp_path / "a.sqlite3", dsn_a, "desk-a")

    window = live_window("stable", speed=20, patient=False)  # desk B, also offline for MRN-9 at first
    workspace = window.workspace
    CourseService(workspace.courses.writer, offline).add_patient("Joan Doe", "MRN-9", "1971-05-01", "70", "").result(10)
    workspace.courses.clinic = offline
    dialog = workspace.open_patient_dialog()  # offline: said, and this desk's own list stays usable
    qtbot.waitUntil(lambda: "unreachable" in dialog.clinic_status.text(), timeout=5000)
    assert dialog.clinic_status.text().startswith("Clinic database unreachable — showing this desk's patients only")
    assert _texts(dialog.patient_list) == ["Joan Doe (MRN MRN-9, born 1971-05-01)"]
    dialog.close()
    view = window.open_course_view()
    qtbot.waitUntil(view.conflicts_label.isVisible, timeout=5000)
    assert view.conflicts_label.text() == "Clinic database not answering: registrations of MRN MRN-9 not checked"
    view.close()
    ship(window.db_path, dsn_b, "desk-b")
    offline.close()
    workspace.courses.clinic = ClinicPatients(dsn_b)  # back online

    dialog = workspace.open_patient_dialog()
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 3, timeout=5000)
    texts = _texts(dialog.patient_list)
    assert texts[0] == "⚠ MRN registered more than once · Joan Doe (MRN MRN-9, born 1971-05-01)"  # this desk's
    assert "desk desk-a: Ann Smith (MRN MRN-5, born 1980-01-01) · allergies: latex" in texts
    assert "⚠ MRN registered more than once · desk desk-a: Jane Doe (MRN MRN-9, born 1970-05-01)" in texts

    dialog.patient_list.setCurrentRow(0)  # this desk's Joan Doe: the conflict is said where she is picked
    qtbot.waitUntil(dialog.conflicts_label.isVisible, timeout=3000)
    assert dialog.conflicts_label.text().startswith(
        "Conflicting registration of MRN MRN-9 at desk desk-b: name, date of birth differ (Joan Doe, born 1971-05-01; "
        "the clinic's, from desk desk-a: Jane Doe, born 1970-05-01) — resolve in the EHR / by a correction"
    )

    dialog.search.setText("ann")  # another desk's patient and course: picking them makes this desk's copies
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=5000)
    dialog.patient_list.setCurrentRow(0)
    assert not dialog.conflicts_label.isVisible()
    qtbot.waitUntil(lambda: dialog.course_list.count() == 1, timeout=5000)
    assert _texts(dialog.course_list)[0].endswith("— clinic course, desk desk-a")
    qtbot.mouseClick(dialog.assign_button, LEFT)
    qtbot.waitUntil(lambda: "now part of the course" in dialog.message.text(), timeout=5000)
    assert "Ann Smith" in workspace.patient_label.text()
    with psycopg.connect(dsn_b) as hub:
        ann_uid, course_uid = hub.execute(
            "SELECT p.uid, c.uid FROM patients p JOIN courses c ON c.desk = p.desk AND c.patient_id = p.id"
            " WHERE p.desk = 'desk-a' AND p.mrn = 'MRN-5'"
        ).fetchone()
    with sqlite3.connect(window.db_path) as local:
        copied = local.execute(
            "SELECT p.uid, p.name, p.dob, p.weight_kg, p.allergies, c.uid, c.title FROM sessions s"
            " JOIN courses c ON c.id = s.course_id JOIN patients p ON p.id = c.patient_id WHERE s.id = ?",
            (window.session_id,),
        ).fetchone()
    assert copied == (ann_uid, "Ann Smith", "1980-01-01", 60.0, "latex", course_uid, "Spring 2026")
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=5000)
    assert _texts(dialog.patient_list) == ["Ann Smith (MRN MRN-5, born 1980-01-01) · allergies: latex"], "this desk's"

    view = window.open_course_view()  # the course view says it too, for the patient it shows
    view.choose(view.patient.itemData(view.patient.findText("Joan Doe", Qt.MatchFlag.MatchStartsWith)))
    qtbot.waitUntil(view.conflicts_label.isVisible, timeout=5000)
    assert "Conflicting registration of MRN MRN-9 at desk desk-b" in view.conflicts_label.text()
    view.choose(view.patient.itemData(view.patient.findText("Ann Smith", Qt.MatchFlag.MatchStartsWith)))
    qtbot.waitUntil(lambda: not view.conflicts_label.isVisible(), timeout=5000)
    view.close()
    dialog.findChild(QPushButton, "patient_done").click()
    workspace.courses.clinic.close()

    with psycopg.connect(dsn_b) as hub:  # nothing merged: both registrations of MRN-9 as recorded
        assert hub.execute("SELECT desk, name FROM patients WHERE mrn = 'MRN-9' ORDER BY desk").fetchall() == [
            ("desk-a", "Jane Doe"),
            ("desk-b", "Joan Doe"),
        ]


def test_a_chair_s_window_searches_the_clinic_database_the_desk_was_given(qtbot, pg_dsn: str, tmp_path: Path) -> None:
    """The wiring `run --clinic-db` uses (ui.app): one clinic patient list, through the station's chairs, to each
    chair's patient dialog."""
    clinic = ClinicPatients(desk_dsn(pg_dsn, "desk_a"))
    writer = SessionWriter(tmp_path / "station.sqlite3")
    writer.start()
    station = Station([ChairConfig("Chair 1", None, scenario="stable", speed=20)], writer, patients=clinic)
    try:
        window = open_chair_window(station.chairs[0], desk_for(writer.db_path))
        qtbot.addWidget(window)
        assert window.workspace.courses is station.chairs[0].courses and window.workspace.courses.clinic is clinic
        dialog = window.workspace.open_patient_dialog()
        qtbot.waitUntil(lambda: dialog.clinic_status.text() != "", timeout=5000)
        assert dialog.clinic_status.text() == "Clinic database: no other desk has a matching patient"
        dialog.close()
    finally:
        station.stop()
        writer.close()
        clinic.close()
