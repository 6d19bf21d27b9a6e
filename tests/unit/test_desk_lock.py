"""The desk that locks itself (issue 18, points 2 and 3; monitor.app.desk): after the clinic's idle time the desk
locks, an alarm still sounds and is answered from the locked screen (recorded so), and nothing else is recorded
until someone signs in. Real database, real session and alarm services.

Accounts are real (monitor.app.accounts.AccountService through tests/accounts.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from accounts import PIN, make_account
from accounts import service as account_service

from monitor.app.accounts import SignInError
from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.app.desk import LOCKED_SCREEN, Desk, NotSignedIn
from monitor.app.session_service import SessionService
from monitor.clinical.alarms import AlarmAction, AlarmStatus
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, LOCK_AFTER_MIN, ProtocolError, load_protocol
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Sample
from monitor.storage.db import read_alarm_events
from monitor.storage.writer import SessionWriter

T0 = 1_767_225_600.0
START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 70, "rate_mg_kg_h": 0.5}


@pytest.fixture
def desk_chair(tmp_path: Path):
    clock = SimpleNamespace(t=T0)
    session_clock = SessionClock(lambda: clock.t, use_device_time=True)
    db_path = tmp_path / "desk.sqlite3"
    with SessionWriter(db_path) as writer:
        for initials in ("AB", "CD"):
            make_account(db_path, initials)
        desk = Desk(account_service(db_path), DEFAULT_PROTOCOL.lock_after_s, clock=lambda: clock.t)
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        service = SessionService(writer, sid, T0, clock=session_clock.now)
        service.sign_in_at(desk)
        acquisition = Acquisition(AcquisitionConfig("/dev/pts/9", "datex-s5"), writer, clock=session_clock.now)
        acquisition.session_id = sid
        alarms = AlarmService(acquisition, writer, session_clock)
        alarms.sign_in_at(desk)

        def send(*batch: Sample) -> None:
            for listener in acquisition._event_listeners:
                listener(list(batch))

        yield SimpleNamespace(desk=desk, service=service, alarms=alarms, clock=clock, send=send, writer=writer)


def test_the_clinic_default_lock_time_is_5_minutes_and_clinic_json_sets_it(tmp_path: Path) -> None:
    assert LOCK_AFTER_MIN == 5 and DEFAULT_PROTOCOL.lock_after_s == 300
    path = tmp_path / "clinic.json"
    path.write_text('{"lock_after_min": 10}')
    assert load_protocol(path).lock_after_s == 600
    path.write_text('{"lock_after_min": 0}')
    with pytest.raises(ProtocolError, match="lock_after_min"):
        load_protocol(path)


def test_idle_desk_locks_with_an_alarm_still_sounding_and_acknowledged_from_the_locked_screen(desk_chair) -> None:
    c = desk_chair
    c.desk.sign_in("AB", PIN)
    assert c.service.initials == "AB", "the entry's initials are the signed-in account's, never typed"
    for t in (T0 + 10, T0 + 40):  # past the 15 s delay of a low SpO2 (clinical.md via alarm_limits)
        c.clock.t = t
        c.send(Sample("SPO2", 84.0, t, t))
    assert [a.key for a in c.alarms.alarms()] == ["SPO2 low"]
    c.clock.t = T0 + 299
    assert not c.desk.lock_if_idle(), "not yet: 5 min without input (clinic default) is not reached"
    c.clock.t = T0 + 300
    assert c.desk.lock_if_idle() and c.desk.locked
    assert c.alarms.audio_priority() is not None, "a locked desk still sounds the alarm"
    (paused,) = c.alarms.pause_audio()
    assert paused.who == LOCKED_SCREEN
    events = c.alarms.acknowledge()
    assert [e.who for e in events] == [LOCKED_SCREEN]
    assert [a.status for a in c.alarms.alarms()] == [AlarmStatus.ACKNOWLEDGED]
    assert c.writer.flush()
    rows = read_alarm_events(sqlite3.connect(c.writer.db_path), c.service.session_id)
    answered = [r for r in rows if r.action in (AlarmAction.ACKNOWLEDGE, AlarmAction.AUDIO_PAUSED)]
    assert len(answered) == 2 and {r.who for r in answered} == {LOCKED_SCREEN}, "recorded as from the locked screen"


def test_a_locked_desk_refuses_an_entry_and_a_limit_change_until_someone_signs_in(desk_chair) -> None:
    c = desk_chair
    assert c.desk.locked, "a desk starts locked: nobody is signed in"
    with pytest.raises(NotSignedIn, match="sign in to record"):
        c.service.record(EntryKind.INFUSION, START)
    with pytest.raises(NotSignedIn, match="sign in to change an alarm limit"):
        c.alarms.set_limit("SPO2", 92, None, None, "chronic lung disease")
    c.desk.sign_in("CD", PIN)  # a quick switch: whoever signs in is who records
    c.clock.t = T0 + 60
    entry = c.service.record(EntryKind.INFUSION, START).result(5)
    assert entry.initials == "CD"
    c.desk.lock()
    with pytest.raises(NotSignedIn):
        c.service.record(EntryKind.NOTE, {"note": "after the lock"})
    assert [e.initials for e in c.service.entries()] == ["CD"]


def test_input_on_a_locked_desk_does_not_unlock_it_and_input_when_signed_in_postpones_the_lock(desk_chair) -> None:
    c = desk_chair
    c.desk.sign_in("AB", PIN)
    c.clock.t = T0 + 200
    c.desk.note_input()
    c.clock.t = T0 + 450
    assert not c.desk.lock_if_idle(), "input at +200 s restarted the idle time"
    c.clock.t = T0 + 500
    assert c.desk.lock_if_idle()
    c.desk.note_input()
    assert c.desk.locked and c.desk.initials == "", "only sign-in unlocks"
    with pytest.raises(SignInError):
        c.desk.sign_in("AB", "0000")
    assert c.desk.locked


def test_a_gone_view_stops_listening_by_itself_and_a_failing_one_does_not_stop_the_lock(tmp_path: Path) -> None:
    """The desk outlives the chair windows (Next patient): a view's bound method is held weakly, so nothing needs a
    `destroyed` handler (one called during Qt's teardown in a garbage collection crashed the interpreter); and a
    view that raises is logged while the others still hear of the lock."""
    db_path = tmp_path / "desk.sqlite3"
    make_account(db_path, "AB")
    desk = Desk(account_service(db_path), 300.0)

    class View:
        def __init__(self) -> None:
            self.seen: list[object] = []

        def told(self, account) -> None:
            self.seen.append(account)

    class Broken:
        def told(self, account) -> None:
            raise RuntimeError("Internal C++ object already deleted")

    kept, gone, broken = View(), View(), Broken()
    calls_of_gone = gone.seen
    desk.add_listener(broken.told)
    desk.add_listener(gone.told)
    desk.add_listener(kept.told)
    del gone
    desk.sign_in("AB", PIN)
    desk.lock()
    assert [a is None for a in kept.seen] == [False, True], "sign-in then lock reach the living view"
    assert calls_of_gone == [], "a view nobody holds any more is not called"
    assert desk.locked
