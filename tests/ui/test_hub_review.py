"""The review window on the clinic database (issue 17 point 5): the list of every desk's sessions with its Desk
column, and a session opened from it that names the desk that recorded it; read as a SELECT-only role."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from accounts import cli_user, make_account
from hub_data import as_url, record_desk, ship_as_desk
from hub_desks import desk_dsn
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

from monitor.app.clinic_patients import ClinicPatients
from monitor.cli import main
from monitor.cli.signing_in import NOT_SIGNED_IN
from monitor.storage.paths import default_db_path
from monitor.ui.review_window import ReviewWindow, open_session_list


@pytest.fixture
def office_url(pg_dsn: str, tmp_path: Path) -> str:
    """Desks a and b with a session 1 each on the clinic database; the URL of a SELECT-only role to read it."""
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    record_desk(a, 60.0, "MRN-A")
    record_desk(b, 90.0, "MRN-B")
    ship_as_desk(a, pg_dsn, "desk-a")
    ship_as_desk(b, pg_dsn, "desk-b")
    assert main(["clinic-db", "init", pg_dsn, "--reader-role", "office"]) == 0
    return as_url(pg_dsn, "office")


def _open_desks_session(qtbot, dialog, desk: str) -> ReviewWindow:
    """Pick `desk`'s session in the list and open it, as a double click does; its review window once read."""
    rows = [dialog.row_texts(i) for i in range(dialog.tree.topLevelItemCount())]
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(next(i for i, r in enumerate(rows) if r["Desk"] == desk)))
    dialog.accept()
    with qtbot.waitSignal(dialog.job.sigFinished, timeout=15000):
        pass
    (review,) = dialog.windows
    qtbot.addWidget(review)
    return review


def test_review_opens_a_hub_session_and_names_its_desk(qtbot, office_url: str) -> None:
    job = open_session_list(office_url, None)
    with qtbot.waitSignal(job.sigFinished, timeout=15000):
        pass  # the clinic database is read on a worker thread
    dialog = job.dialog
    qtbot.addWidget(dialog)
    assert dialog.COLUMNS[0] == "Desk" and "all desks" in dialog.windowTitle()
    rows = [dialog.row_texts(i) for i in range(dialog.tree.topLevelItemCount())]
    listed = sorted((r["Desk"], r["Session"], r["MRN"]) for r in rows)
    assert listed == [("desk-a", "1", "MRN-A"), ("desk-b", "1", "MRN-B")]
    review = _open_desks_session(qtbot, dialog, "desk-b")
    header = review.findChild(QLabel, "review_header").text()
    assert "Session 1</b> · recorded at desk desk-b" in header and "MRN MRN-B" in header
    assert "session 1 at desk desk-b" in review.windowTitle()
    assert review.trends.series["HR"].y[0] == 90.0, "desk b's session 1, not desk a's"


def test_the_review_command_opens_a_session_of_the_clinic_database(qtbot, office_url: str, capsys, monkeypatch) -> None:
    """`infusion-monitor review --db postgresql://… --session DESK:ID`: signed in (issue 18), the window opens (its
    record read on a worker thread), names the desk, leaves an access row in this desk's database, and the command
    ends when it is closed."""
    desk_db = default_db_path()
    make_account(desk_db, "KM")  # the desk's database, with its accounts: the command signs in with them
    assert main(["review", "--db", office_url, "--session", "desk-b:1"]) == NOT_SIGNED_IN, "nobody signed in"
    cli_user(monkeypatch, desk_db, "KM")
    seen: list[str] = []

    def close_when_open() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, ReviewWindow) and widget.isVisible():
                seen.append(widget.windowTitle())
                widget.close()

    timer = QTimer()
    timer.timeout.connect(close_when_open)
    timer.start(50)
    try:
        assert main(["review", "--db", office_url, "--session", "desk-b:1"]) == 0
    finally:
        timer.stop()
        QApplication.instance().setQuitOnLastWindowClosed(True)
    assert len(seen) == 1 and "session 1 at desk desk-b" in seen[0]
    with closing(sqlite3.connect(desk_db)) as conn:
        rows = conn.execute("SELECT who, action, target FROM access_log ORDER BY id").fetchall()
    assert rows == [("KM", "review", "session:desk-b:1")]
    assert main(["review", "--db", office_url, "--session", "1"]) == 2, "on the clinic database: DESK:ID"
    assert "DESK:ID" in capsys.readouterr().err


def test_the_course_view_shows_the_course_at_every_desk(qtbot, live_window, pg_dsn: str, tmp_path: Path) -> None:
    """Desk a gave the course's first session; this desk (b) records the next in it: with the clinic database the
    course view shows both, each with its desk, once the clinic answers (this desk's alone until then)."""
    a = tmp_path / "a.sqlite3"
    record_desk(a, 60.0, "MRN-A")
    ship_as_desk(a, pg_dsn, "desk-a")
    window = live_window("stable", speed=20, patient=False)
    courses = window.workspace.courses
    clinic = ClinicPatients(desk_dsn(pg_dsn, "desk_b"))
    try:
        (patient,) = clinic.search("MRN-A").result(10).patients
        (course,) = clinic.courses_of(patient.uid).result(10)
        courses.assign_clinic_course(window.session_id, patient, course).result(5)
        ship_as_desk(window.db_path, pg_dsn, "desk-b")
        courses.clinic = clinic
        view = window.open_course_view()
        qtbot.waitUntil(lambda: "(clinic database):" in view.course_source.text(), timeout=10000)
        assert view.course_source.text().endswith("desk-a, desk-b")
        rows = [view.table.topLevelItem(i).text(1) for i in range(view.table.topLevelItemCount())]
        assert [r.rsplit(" · ", 1)[1] for r in rows] == ["desk desk-a", "desk desk-b"]
        assert [s.end_pain for s in view.summary] == [3, None]
        view.close()
    finally:
        courses.clinic = None
        clinic.close()


def test_a_desk_with_a_clinic_database_reviews_any_desks_session(qtbot, live_window, office_url: str, pg_dsn) -> None:
    """From the live window (Sessions menu): every desk's sessions from the clinic database; one opens for review,
    named with its desk. Without a clinic database the menu item is not there."""
    window = live_window("stable", speed=20)
    assert not window.clinic_review_action.isVisible()
    clinic = ClinicPatients(desk_dsn(pg_dsn, "desk_c"))
    window.workspace.courses.clinic = clinic
    try:
        qtbot.waitUntil(window.clinic_review_action.isVisible, timeout=5000)
        job = window.open_clinic_session_list()
        with qtbot.waitSignal(job.sigFinished, timeout=15000):
            pass
        review = _open_desks_session(qtbot, job.dialog, "desk-a")
        assert "recorded at desk desk-a" in review.findChild(QLabel, "review_header").text()
    finally:
        window.workspace.courses.clinic = None
        clinic.close()
