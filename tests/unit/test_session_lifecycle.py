"""The session lifecycle without Qt: open -> discharged (closed for real) or ended; what a close keeps open; which
session a chair resumes; empty orphans closed quietly; the `sessions` command. Real database, real services."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from forms import CHECKLIST, START, T0, Clock

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.app.lifecycle import close_empty_sessions, ends_on_close, unfinished
from monitor.app.resume import find_unfinished
from monitor.app.session_service import SessionService
from monitor.cli import main
from monitor.clinical.alarms import AlarmCategory
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.entries import EntryKind
from monitor.clinical.errors import EntryError
from monitor.clinical.recovery import ALDRETE_ITEMS
from monitor.clinical.schedule import CheckStatus
from monitor.devices.events import Sample
from monitor.storage.db import SessionState, connect, list_sessions, read_alarm_events, read_entries
from monitor.storage.patients import add_course, add_patient, assign_session
from monitor.storage.schema import MIGRATIONS, SCHEMA_VERSION
from monitor.storage.writer import SessionWriter

FULL_ALDRETE = {key: 2 for key, _name, _wording in ALDRETE_ITEMS}


def _discharge(service: SessionService, clock: Clock) -> None:
    """An infusion, its stop, the observation time, a full Aldrete and an end pain score, then the discharge."""
    clock.t = T0 + 60
    service.record(EntryKind.INFUSION, START).result(5)
    clock.t = T0 + 3600
    service.record(EntryKind.INFUSION, {"action": "stop"}).result(5)
    clock.t = T0 + 3600 + DEFAULT_PROTOCOL.min_observation_s + 60
    service.record(EntryKind.ALDRETE, FULL_ALDRETE).result(5)
    service.record(EntryKind.SCORE, {"scale": "pain", "score": 2}).result(5)
    service.record(EntryKind.DISCHARGE, CHECKLIST).result(5)


@pytest.fixture
def session(tmp_path: Path):
    with SessionWriter(tmp_path / "life.sqlite3") as writer:
        clock = Clock(T0)
        sid = writer.open_session("/dev/pts/9", "datex-s5", started_at=T0, chair="Chair 1")
        yield writer, SessionService(writer, sid, T0, clock=clock, initials="AB"), clock


def test_discharge_closes_the_session_for_real(session) -> None:
    writer, service, clock = session
    _discharge(service, clock)
    stored = len(service.entries())
    clock.t += 5 * 60  # "a side effect recorded 5 min later went into the record"
    for attempt in (
        lambda: service.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"}),
        lambda: service.record(EntryKind.NOTE, {"note": "late"}),
        lambda: service.amend(service.entries()[0].id, START | {"rate_mg_kg_h": 0.4}, "typo"),
        lambda: service.strike(service.entries()[0].id, "wrong patient"),
    ):
        with pytest.raises(EntryError, match=r"closed: the patient was discharged at \d\d:\d\d by AB"):
            attempt()
    assert writer.flush()
    conn = connect(writer.db_path)
    try:
        assert len(read_entries(conn, service.session_id)) == stored, "nothing stored after the discharge"
        (row,) = list_sessions(conn)
    finally:
        conn.close()
    discharge = service.discharge()
    assert discharge is not None
    assert row.state is SessionState.DISCHARGED
    assert (row.discharged_at, row.discharged_by) == (discharge.t, "AB"), "when and by whom, on the session"
    # the observation schedule stops at the discharge: two hours later nothing is overdue or newly missed
    at_discharge = service.schedule([], discharge.t)
    later = service.schedule([], discharge.t + 2 * 3600)
    assert later == at_discharge
    assert not any(c.status is CheckStatus.OVERDUE and c.due_at > discharge.t for c in later)


def test_a_discharge_ends_the_sessions_clinical_alarms_and_its_values_no_longer_alarm(session, tmp_path) -> None:
    writer, service, clock = session
    acquisition = Acquisition(AcquisitionConfig("/dev/pts/9", "datex-s5"), writer, clock=clock)
    acquisition.session_id = service.session_id  # as start() sets it; the port is not needed to judge values
    alarms = AlarmService(acquisition, writer, SessionClock(clock, use_device_time=True))
    alarms.watch_entries(service)

    def low_spo2(t: float) -> None:
        clock.t = t
        for listener in acquisition._event_listeners:  # what the link thread calls with decoded samples
            listener([Sample("SPO2", 84.0, t, t)])

    low_spo2(T0 + 10)
    low_spo2(T0 + 40)  # past the 15 s delay (clinical.md via alarm_limits)
    assert any(a.category is AlarmCategory.CLINICAL for a in alarms.alarms())
    alarms.engine.on_link("disconnected", T0 + 41)  # a link alarm: the monitor's own state may still show
    _discharge(service, clock)
    assert [a.key for a in alarms.alarms()] == ["monitor disconnected"], "no clinical alarm after discharge"
    low_spo2(clock.t + 10)
    low_spo2(clock.t + 40)
    assert [a.key for a in alarms.alarms()] == ["monitor disconnected"], "the gone patient's values do not alarm"
    assert writer.flush()
    conn = connect(writer.db_path)
    try:
        ended = [e for e in read_alarm_events(conn, service.session_id) if "patient discharged" in e.message]
    finally:
        conn.close()
    assert ended and ended[0].key == "SPO2 low", "the end of the alarm is on the record"


def test_closing_keeps_a_session_open_unless_nothing_can_be_lost(session) -> None:
    _writer, service, clock = session
    assert ends_on_close(service.entries()), "an empty session closes quietly"
    clock.t = T0 + 60
    service.record(EntryKind.INFUSION, START).result(5)
    assert not ends_on_close(service.entries())
    (running, pending) = unfinished(service.entries(), T0 + 600)
    assert running.startswith("the infusion is RUNNING at 0.5 mg/kg/h")
    assert pending.startswith("the patient is not discharged")
    clock.t = T0 + 300
    service.record(EntryKind.INFUSION, {"action": "stop"}).result(5)
    assert unfinished(service.entries(), T0 + 600)[0].startswith("the infusion is stopped")


def test_each_chair_resumes_its_own_session_and_empty_orphans_close_quietly(tmp_path: Path) -> None:
    db = tmp_path / "chairs.sqlite3"
    with SessionWriter(db) as writer:
        ids = {}
        for chair in ("Chair 1", "Chair 2", "Chair 3"):
            ids[chair] = writer.open_session(f"/tmp/sim-{chair[-1]}/monitor", "datex-s5", started_at=T0, chair=chair)
        SessionService(writer, ids["Chair 1"], T0, clock=lambda: T0 + 60, initials="AB").record(
            EntryKind.INFUSION, START
        ).result(5)
        SessionService(writer, ids["Chair 3"], T0, clock=lambda: T0 + 60, initials="AB").record(
            EntryKind.NOTE, {"note": "arrived"}
        ).result(5)
        headless = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=T0 + 1)  # a bare recording
    assert close_empty_sessions(db) == [ids["Chair 2"], headless]
    one, three = find_unfinished(db, chair="Chair 1"), find_unfinished(db, chair="Chair 3")
    assert one is not None and one.session.id == ids["Chair 1"]
    assert "the infusion is RUNNING" in one.describe() and "Chair 1" in one.describe()
    assert three is not None and three.session.id == ids["Chair 3"]
    assert find_unfinished(db, chair="Chair 2") is None, "an empty session is never offered"
    assert find_unfinished(db, chair="Chair 4") is None
    assert find_unfinished(db, port="/tmp/sim-1/monitor") is not None, "the headless recorder resumes by port"


def test_migration_marks_sessions_discharged_before_it(tmp_path: Path) -> None:
    db = tmp_path / "v6.sqlite3"
    raw = sqlite3.connect(db, isolation_level=None)
    for version, script in MIGRATIONS:
        if version <= 6:
            raw.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    raw.execute("INSERT INTO sessions (id, started_at, ended_at, source, protocol) VALUES (1, 1000, 9000, 'p', 'x')")
    raw.execute("INSERT INTO sessions (id, started_at, ended_at, source, protocol) VALUES (2, 1000, 9000, 'p', 'x')")
    raw.execute(
        "INSERT INTO entries (session_id, kind, t, recorded_at, initials, payload) VALUES (1, 'discharge', 8000,"
        " 8001, 'KM', '{}')"
    )
    raw.close()
    conn = connect(db)  # migrates
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        first, second = list_sessions(conn)
    finally:
        conn.close()
    assert (first.state, first.discharged_at, first.discharged_by) == (SessionState.DISCHARGED, 8000.0, "KM")
    assert second.state is SessionState.ENDED


def test_sessions_command_lists_id_chair_patient_times_and_state(tmp_path: Path, capsys) -> None:
    db = tmp_path / "list.sqlite3"
    with SessionWriter(db) as writer:
        clock = Clock(T0)
        discharged = writer.open_session("/tmp/x/monitor", "datex-s5", started_at=T0, chair="Chair 2")
        service = SessionService(writer, discharged, T0, clock=clock, initials="KM")
        _discharge(service, clock)

        def patient(conn: sqlite3.Connection) -> None:
            pid = add_patient(
                conn,
                {"name": "Ada Lovelace", "mrn": "MRN-0042", "dob": "1990-01-01", "weight_kg": 70.0, "allergies": ""},
            )
            assign_session(conn, discharged, add_course(conn, pid, "Course 1"))

        writer.submit(patient).result(5)
        bare = writer.open_session("/dev/ttyUSB0", "masimo-ascii", started_at=T0 + 10)
        writer.end_session(bare, T0 + 20)
        open_one = writer.open_session("/tmp/y/monitor", "datex-s5", started_at=T0 + 30, chair="Chair 1")
    assert main(["sessions", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "CHAIR", "OR", "PORT", "PATIENT", "START", "END", "OR", "DISCHARGE", "STATE"]
    rows = {line.split()[0]: line for line in out[1:]}
    assert "Chair 2" in rows["1"] and "Ada Lovelace (MRN-0042)" in rows["1"]
    assert "discharged at" in rows["1"] and "by KM" in rows["1"] and rows["1"].endswith("discharged")
    assert "/dev/ttyUSB0" in rows["2"] and "no patient" in rows["2"] and rows["2"].endswith("ended")
    assert "Chair 1" in rows["3"] and rows["3"].endswith("open")
    assert main(["sessions", "--db", str(db), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["where"], r["state"]) for r in listed] == [
        (discharged, "Chair 2", "discharged"),
        (bare, "/dev/ttyUSB0", "ended"),
        (open_one, "Chair 1", "open"),
    ]
    assert listed[0]["patient"] == "Ada Lovelace (MRN-0042)" and listed[2]["patient"] == "no patient"
    assert main(["sessions", "--db", str(tmp_path / "none.sqlite3")]) == 2


def test_a_resumed_demo_continues_after_its_data_on_the_monitors_clock(tmp_path: Path) -> None:
    """A simulated demo at 20x runs on the monitor's clock, ahead of this computer's. Seen: after a close and
    resume, its clock restarted at the computer's time, before its own samples and screening, and the charts
    followed 'now' away from the data. The session's last sample is taken on the session's own clock."""
    from monitor.app.chair import Chair, ChairConfig

    db = tmp_path / "demo.sqlite3"
    ahead = T0 + 3 * 3600  # three hours of monitor time ahead of the computer
    with SessionWriter(db) as writer:
        sid = writer.open_session("/tmp/sim/monitor", "datex-s5", started_at=T0, timebase="device", chair="Chair 1")
        writer.add_samples(sid, [Sample("HR", 70.0, ahead + i, T0 + i / 20) for i in range(60)])
        SessionService(writer, sid, T0, clock=lambda: ahead + 60, initials="AB").record(
            EntryKind.NOTE, {"note": "arrived"}
        ).result(5)
    point = find_unfinished(db, chair="Chair 1")
    assert point is not None and point.last_sample == ahead + 59, "the monitor's time, not the receive time"

    with SessionWriter(db) as writer:
        chair = Chair(ChairConfig("Chair 1", None, speed=20), writer, resume=point)
        try:
            assert chair.clock.now() > ahead + 59, "the resumed demo's clock continues after its data"
        finally:
            chair.stop()
