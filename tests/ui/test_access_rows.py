"""The window's doors to a record leave access-log rows with the signed-in account (issue 18 points 5 and 7): a
review opened, the course view (one row per patient/course), each export (PDF, CSV, FHIR) after a confirmation
that names the patient and the destination and says the data identifies them, files 0600; a locked desk opens and
exports nothing, and says so."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from accounts import PIN, make_account, service
from PySide6.QtWidgets import QMessageBox

from monitor.app.access import RecordAccess, who_at
from monitor.app.desk import Desk
from monitor.app.session_record import load_record
from monitor.storage.access_log import verify_access
from monitor.storage.db import connect
from monitor.ui.review_window import ReviewWindow


def _rows(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT who, action, target FROM access_log ORDER BY id").fetchall()
    finally:
        conn.close()


def _desk(db: Path, initials: str = "AB") -> Desk:
    make_account(db, initials)
    desk = Desk(service(db), 300.0)
    desk.sign_in(initials, PIN)
    return desk


@pytest.fixture
def lax_umask():
    """A lax umask (the program sets 0o077 at start; a test process does not): the exports' own modes must hold."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, _title, text: shown.append(text)))
    return shown


def test_review_export_asks_names_patient_and_destination_logs_first_and_writes_0600(
    qtbot, recorded_session, tmp_path, questions, lax_umask
) -> None:
    db, sid = recorded_session
    desk = _desk(db, "KM")
    review = ReviewWindow(load_record(db, sid), access=RecordAccess(db, lambda action: who_at(desk, action)))
    qtbot.addWidget(review)
    targets = {"pdf": tmp_path / "out" / "r.pdf", "csv": tmp_path / "out" / "csv", "fhir": tmp_path / "out" / "r.json"}
    for fmt, target in targets.items():
        job = review.export(fmt, target)
        with qtbot.waitSignal(job.sigFinished, timeout=30000) as finished:
            pass
        for path in finished.args[0]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path} readable by others"
    title, text = questions[0]
    assert title == "Export patient-identifying data?"
    assert text.startswith(
        f"Exporting session {sid} (not assigned to a patient) as PDF to {targets['pdf']}. It "
        "contains patient-identifying data: no name or MRN, but its dates"
    )
    assert _rows(db) == [("KM", fmt, f"session:{sid}") for fmt in ("pdf", "csv", "fhir")]
    conn = connect(db)
    assert verify_access(conn).ok
    conn.close()

    questions.answer = QMessageBox.StandardButton.No  # the nurse thinks again: nothing written, nothing logged
    assert review.export("pdf", tmp_path / "no.pdf") is None
    assert not (tmp_path / "no.pdf").exists() and len(_rows(db)) == 3


def test_a_locked_desk_neither_exports_nor_opens_a_review_and_says_so(
    qtbot, recorded_session, tmp_path, questions, warnings
) -> None:
    from monitor.ui.review_window import open_review

    db, sid = recorded_session
    desk = _desk(db, "KM")
    access = RecordAccess(db, lambda action: who_at(desk, action))
    review = ReviewWindow(load_record(db, sid), access=access)
    qtbot.addWidget(review)
    desk.lock()
    assert review.export("pdf", tmp_path / "r.pdf") is None
    assert warnings == [f"The desk is locked: sign in to export session {sid}"]
    assert not (tmp_path / "r.pdf").exists() and not questions, "refused before the confirmation"
    windows: list[ReviewWindow] = []
    job = open_review(db, sid, None, windows, access)
    with qtbot.waitSignal(job.sigFinished, timeout=15000) as finished:
        pass
    assert finished.args[0] is None and not windows
    assert "The desk is locked: sign in to open a record" in warnings[1]
    assert _rows(db) == []


def test_review_and_course_view_from_the_window_leave_rows_with_the_signed_in_account(
    qtbot, live_window, warnings
) -> None:
    window = live_window("stable", speed=20)
    desk = window.workspace.desk  # AB signed in (live_window)
    sid = window.session_id
    job = window.open_review(sid)
    qtbot.waitUntil(lambda: len(window.review_windows) == 1, timeout=15000)
    qtbot.addWidget(window.review_windows[0])
    assert job.result.done()
    view = window.open_course_view()
    qtbot.waitUntil(lambda: len(_rows(window.db_path)) == 2, timeout=15000)
    course = window.workspace.courses.of_session(sid)[1]
    assert _rows(window.db_path) == [("AB", "review", f"session:{sid}"), ("AB", "course view", f"course:{course.id}")]
    view.choose(view.patient.currentData(), course.id)  # the same course again: one row per patient/course
    view.close()

    desk.lock()
    assert window.open_session_list() is None and window.open_course_view() is None
    assert "The desk is locked: sign in to" in window.workspace.message.text(), "the refusal is shown"
    assert len(_rows(window.db_path)) == 2
