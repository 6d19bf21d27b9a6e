"""A live workspace on a real simulated monitor (pty) at high speed, with a real database."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest
from accounts import desk_for as _desk_for

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.app.courses import CourseService
from monitor.app.desk import Desk
from monitor.app.session_service import SessionService
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ClinicProtocol
from monitor.clinical.entries import PROGRAM_INITIALS
from monitor.clinical.roles import Role
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.db import connect, read_entries
from monitor.storage.writer import SessionWriter
from monitor.ui.facade import SessionFacade
from monitor.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every QMessageBox.question asked (title, text); answered `questions.answer` (Yes unless a test says No).
    A modal question in an offscreen test would wait for ever; closing a window with a session open asks one."""
    from PySide6.QtWidgets import QMessageBox

    class Asked(list):
        answer = QMessageBox.StandardButton.Yes

    asked = Asked()

    def question(_parent, title: str, text: str, *_args, **_kwargs):
        asked.append((title, text))
        return asked.answer

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


@pytest.fixture
def desk_for():
    """desk_for(db_path, initials="AB", role=Role.NURSE) -> a Desk with that account signed in (tests/accounts.py)."""
    return _desk_for


@pytest.fixture
def live_window(qtbot, tmp_path: Path):
    def start(
        scenario: str,
        speed: float,
        initials: str = "AB",
        screening: bool = False,
        patient: bool = True,
        role: Role = Role.NURSE,
        desk_at: Callable[[Path], Desk] | None = None,
        clinic: ClinicProtocol = DEFAULT_PROTOCOL,
    ) -> MainWindow:
        """At a desk with `initials` (a `role` account) signed in, as the program runs (tests/accounts.desk_for;
        "": a locked desk; `desk_at(db_path)`: that desk instead, e.g. with a test's clock). `patient`: a patient
        is assigned to the session, as the clinic workflow requires before the start. Confirmations (Stop, Change
        rate, Bolus, Discharge) are answered Yes; the questions are kept in `window.questions`."""
        sim = SimulatedMonitor("datex-s5", load_scenario(scenario), speed=speed, link_dir=tmp_path)
        port = sim.start()
        clock = SessionClock(sim.device_now, use_device_time=True)
        writer = SessionWriter(tmp_path / "monitor.sqlite3")
        writer.start()
        acq = Acquisition(AcquisitionConfig(port, "datex-s5"), writer, clock=clock.now, timebase=clock.timebase)
        facade = SessionFacade(acq, clock=clock)
        alarms = AlarmService(acq, writer, clock)
        facade.attach_alarms(alarms)
        sid = acq.start()
        service = SessionService(
            writer, sid, acq.started_at, clock=clock.now, require_screening=screening, protocol=clinic
        )
        facade.attach_service(service)
        alarms.watch_entries(service)
        service.watch_alarms(alarms.high_clinical)  # as a Chair wires it
        courses = CourseService(writer)
        service.require_patient(lambda: courses.of_session(sid) is not None)
        if patient:
            assign_patient(courses, sid)
        window = MainWindow(facade, source=port)
        window.desk = desk_at(writer.db_path) if desk_at else _desk_for(writer.db_path, initials, role)
        window.workspace.attach_desk(window.desk)
        qtbot.addWidget(window)
        window.show()
        alarms.start()
        window.questions = []
        window.workspace.recorder.confirm = lambda text: window.questions.append(text) or True
        window.db_path = writer.db_path
        window.session_id = sid
        window.simulator = sim
        cleanups.append((sim, acq, writer, alarms))
        return window

    cleanups: list = []
    yield start
    for sim, acq, writer, alarms in cleanups:
        alarms.stop()
        acq.stop()
        writer.close()
        sim.stop()


def assign_patient(courses: CourseService, session_id: int) -> None:
    """A test patient in a course of their own, assigned to the session (as the nurse does in Patient & course)."""
    patient = courses.add_patient("Test Patient", f"T-{session_id}", "1970-01-01", "70", "").result(5)
    course = courses.add_course(patient, "Test course").result(5)
    courses.assign(session_id, course).result(5)


@pytest.fixture
def assigned():
    """assign_patient, for a test that builds its own database."""
    return assign_patient


def _stored_entries(window: MainWindow):
    """What is on disk for the window's session, read through a connection of its own."""
    conn = connect(window.db_path)
    try:
        return read_entries(conn, window.session_id)
    finally:
        conn.close()


@pytest.fixture
def stored_entries():
    return _stored_entries


@pytest.fixture
def saved(qtbot, stored_entries):
    """Wait until `count` of the nurse's entries of the window's session are on disk and confirmed (missed checks,
    which the program records by itself as the simulated hours pass, are not counted)."""

    def nurses(window) -> int:
        return sum(1 for e in stored_entries(window) if e.initials != PROGRAM_INITIALS)

    def wait(window, count: int) -> None:
        qtbot.waitUntil(lambda: nurses(window) == count and window.workspace.recorder.in_flight == 0, timeout=5000)

    return wait


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item):
    """After every fixture has torn down (qtbot has closed its widgets), delete what Qt was asked to delete and
    collect Python's garbage now. Left to chance, Python's cyclic GC can free an old window's wrappers while Qt is
    dispatching timers in a later test, and Qt then notifies a timer of a deleted object (a segfault in
    QCoreApplication::notify, seen with PySide6 6.11)."""
    yield
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
