"""The session lifecycle in the window and the station, on real chairs (simulated monitors on ptys, a real
database): a close asks while a session is unfinished and leaves it resumable; an empty one closes quietly;
after a discharge nothing more is recorded and Session → Next patient starts a fresh session on the same monitor."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from accounts import PIN, desk_for
from forms import START, screening
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from monitor.app.chair import Chair, ChairConfig
from monitor.app.resume import find_unfinished
from monitor.app.session_record import load_record
from monitor.app.station import Station
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.entries import EntryKind
from monitor.clinical.recovery import ALDRETE_ITEMS
from monitor.storage.db import SessionState, connect, list_sessions, read_link_events
from monitor.storage.writer import SessionWriter
from monitor.timefmt import clock_text
from monitor.ui.main_window import MainWindow
from monitor.ui.report_pdf import layout_report
from monitor.ui.review_window import SessionListDialog
from monitor.ui.seat import ChairSeat
from monitor.ui.station_window import StationWindow

SCREENING = screening()
# A short observation after the stop (1 min instead of the clinic default 60 min) so the simulated clock at 20x
# reaches the discharge in seconds; every other rule of the discharge is the default one.
QUICK = replace(DEFAULT_PROTOCOL, min_observation_s=60.0)


def _sessions(db: Path) -> dict[int, object]:
    conn = connect(db)
    try:
        return {s.id: s for s in list_sessions(conn)}
    finally:
        conn.close()


@pytest.fixture
def seat(qtbot, tmp_path: Path):
    """One chair on a simulated monitor, its workspace placed as the single-window program places it."""
    writer = SessionWriter(tmp_path / "life.sqlite3")
    writer.start()
    seats: list[ChairSeat] = []

    def place(new: MainWindow, old: MainWindow | None) -> None:
        qtbot.addWidget(new)
        new.show()
        if old is not None:
            old.close()

    def make(scenario: str = "stable") -> ChairSeat:
        chair = Chair(ChairConfig("Chair 1", None, scenario=scenario, speed=20), writer, clinic=QUICK)
        seats.append(ChairSeat(chair, place, desk_for(writer.db_path)))
        window = seats[-1].window
        window.workspace.courses.assign_demo_patient(window.workspace.service.session_id).result(
            5
        )  # Start needs a patient
        return seats[-1]

    yield make
    for s in seats:
        s.chair.stop()
    writer.close()


def test_closing_with_the_infusion_running_asks_and_leaves_the_session_open_to_resume(seat, questions) -> None:
    chair_seat = seat()
    window, service = chair_seat.window, chair_seat.window.workspace.service
    service.record(EntryKind.SCREENING, SCREENING).result(5)
    service.record(EntryKind.INFUSION, START).result(5)
    questions.answer = QMessageBox.StandardButton.No
    assert not window.close(), "No keeps the program running"
    assert window.isVisible()
    quit_action = next(a for a in window.findChildren(QAction) if a.text() == "Quit")
    quit_action.trigger()  # Session → Quit (Ctrl+Q) asks the same
    assert window.isVisible() and len(questions) == 2 and questions[0] == questions[1]
    (title, text), _quit = questions
    assert "unfinished" in title
    assert "the infusion is RUNNING at 0.5 mg/kg/h" in text and "not discharged" in text
    assert "resume" in text, "Yes leaves it resumable: the question says so"
    questions.answer = QMessageBox.StandardButton.Yes
    assert window.close()
    chair_seat.chair.stop()  # what the program does once its window has closed
    assert chair_seat.chair.writer.flush()
    db = chair_seat.chair.writer.db_path
    assert _sessions(db)[service.session_id].state is SessionState.OPEN, "not ended: the next start offers it"
    point = find_unfinished(db, chair="Chair 1")
    assert point is not None and point.session.id == service.session_id
    conn = connect(db)
    try:
        assert "closed" in [e.state for e in read_link_events(conn, service.session_id)]
    finally:
        conn.close()


def test_an_empty_session_closes_quietly_and_is_never_offered(seat, questions) -> None:
    chair_seat = seat()
    assert chair_seat.window.close()
    assert questions == []
    chair_seat.chair.stop()
    db = chair_seat.chair.writer.db_path
    assert _sessions(db)[chair_seat.window.workspace.service.session_id].state is SessionState.ENDED
    assert find_unfinished(db, chair="Chair 1") is None


def test_after_discharge_entries_are_refused_and_next_patient_starts_a_fresh_session(qtbot, seat, questions) -> None:
    chair_seat = seat()
    old = chair_seat.window
    service, clock = old.workspace.service, old.workspace.clock
    service.record(EntryKind.SCREENING, SCREENING).result(5)
    service.record(EntryKind.INFUSION, START).result(5)
    qtbot.waitUntil(lambda: clock.now() > service.infusion().started_at + 5 * 60, timeout=30000)
    stopped = service.record(EntryKind.INFUSION, {"action": "stop"}).result(5)
    assert not old.next_patient(), "not discharged: refused, the session is not lost"
    assert "discharge this patient first" in old.workspace.message.text() and questions == []
    qtbot.waitUntil(lambda: clock.now() > stopped.t + QUICK.min_observation_s + 30, timeout=30000)
    service.record(EntryKind.ALDRETE, {key: 2 for key, _n, _w in ALDRETE_ITEMS}).result(5)
    service.record(EntryKind.SCORE, {"scale": "pain", "score": 2}).result(5)
    checklist = {"escort_present": True, "no_driving_advised": True, "instructions_given": True}
    service.record(EntryKind.DISCHARGE, checklist).result(5)
    qtbot.waitUntil(lambda: old.workspace.schedule_label.text().startswith("Discharged at"), timeout=5000)
    assert "by AB" in old.workspace.schedule_label.text() and "OVERDUE" not in old.workspace.schedule_label.text()
    assert not old.workspace.recorder.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"})
    assert "This session is closed: the patient was discharged" in old.workspace.message.text()
    qtbot.waitUntil(old.next_patient_action.isEnabled, timeout=5000)

    old.next_patient_action.trigger()
    ((title, text),) = questions
    assert title == "Next patient?" and f"End session {service.session_id} (discharged at" in text
    qtbot.waitUntil(lambda: chair_seat.window is not old, timeout=20000)
    new = chair_seat.window
    assert new.isVisible() and not old.isVisible()
    assert new.workspace.service.session_id != service.session_id
    assert new.workspace.service.entries() == [] and new.workspace.timeline.tree.topLevelItemCount() == 0, (
        "fresh forms and timeline"
    )
    assert new.workspace.infusion.weight.text() == "" and new.workspace.live.patient is None, (
        "nothing left over from the last patient"
    )
    assert not new.workspace.schedule_label.text().startswith("Discharged")
    sessions = _sessions(chair_seat.chair.writer.db_path)
    before, after = sessions[service.session_id], sessions[new.workspace.service.session_id]
    assert before.state is SessionState.DISCHARGED and before.ended_at is not None
    assert (after.state, after.chair) == (SessionState.OPEN, "Chair 1")
    new.workspace.service.record(EntryKind.NOTE, {"note": "next patient arrived"}).result(5)  # the new one records

    # the record says when and by whom it was closed: the review list and the PDF header
    discharged = f"discharged at {clock_text(before.discharged_at)[:5]} by AB"
    listing = SessionListDialog(chair_seat.chair.writer.db_path)
    rows = {int(row["Session"]): row for row in map(listing.row_texts, range(len(listing.sessions)))}
    assert rows[service.session_id]["State"] == discharged and rows[service.session_id]["Chair"] == "Chair 1"
    assert rows[after.id]["State"].startswith("open")
    listing.deleteLater()
    header = "\n".join(layout_report(load_record(chair_seat.chair.writer.db_path, service.session_id)).pages[0].texts)
    assert discharged in header and "still recording" not in header and "not closed" not in header


@pytest.fixture
def station(qtbot, tmp_path: Path):
    writer = SessionWriter(tmp_path / "station.sqlite3")
    writer.start()
    configs = [ChairConfig(f"Chair {i}", None, scenario="stable", speed=20, seed=i) for i in (1, 2)]
    station = Station(configs, writer)
    holder: list[StationWindow] = []

    def place(new: MainWindow, old: MainWindow | None) -> None:
        if old is not None:
            holder[0].replace_window(new, old)

    desk = desk_for(writer.db_path)
    seats = [ChairSeat(chair, place, desk) for chair in station.chairs]
    window = StationWindow([s.window for s in seats], configs)
    holder.append(window)
    qtbot.addWidget(window)
    window.show()
    yield window, seats
    station.chairs = [s.chair for s in seats]
    station.stop()
    writer.close()


def test_station_close_names_each_unfinished_chair_and_next_patient_works_per_chair(qtbot, station, questions) -> None:
    window, seats = station
    running = seats[0].window.workspace.service
    seats[0].window.workspace.courses.assign_demo_patient(running.session_id).result(5)  # Start needs a patient
    running.record(EntryKind.SCREENING, SCREENING).result(5)
    running.record(EntryKind.INFUSION, START).result(5)
    questions.answer = QMessageBox.StandardButton.No
    assert not window.close()
    ((_title, text),) = questions
    assert "• Chair 1: the infusion is RUNNING" in text and "Chair 2" not in text, "only the unfinished chair"

    questions.clear()
    questions.answer = QMessageBox.StandardButton.Yes
    old = seats[1].window
    window.open_chair(1)
    assert old.menuBar().isVisible(), "the chair's page shows its own Session menu (Next patient)"
    assert old.next_patient(), "an empty session: nothing to lose"
    qtbot.waitUntil(lambda: window.windows[1] is not old, timeout=20000)
    assert window.windows[1] is seats[1].window and window.stack.currentWidget() is seats[1].window
    assert window.stack.count() == 3, "the overview and one page per chair"
    assert seats[1].window.workspace.service.session_id != old.workspace.service.session_id
    assert window.windows[0] is seats[0].window, "the other chair is untouched"

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the old page is deleted, as in the program
    desk = seats[1].desk
    desk.lock()  # reaches the chairs' current workspaces; the deleted one no longer listens
    assert all(s.window.workspace.record_stack.currentWidget() is s.window.workspace.curtain for s in seats)
    desk.sign_in("AB", PIN)
    assert seats[1].window.workspace.signed_in.text() == "Signed in: AB"
