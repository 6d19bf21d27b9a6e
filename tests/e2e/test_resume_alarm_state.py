"""After a crash, a resumed chair continues its session's alarm state: the limits the nurse changed for the session
(not the clinic's), and the high-priority alarm left latched and unacknowledged -- still indicated, still sounding,
until someone acknowledges it. A real simulated monitor (pty), a real database; the crash is the program stopping
without closing anything: no session end, no alarm cleared."""

from __future__ import annotations

from pathlib import Path

from monitor.app.chair import Chair, ChairConfig
from monitor.app.resume import find_unfinished
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import AlarmAction, AlarmStatus
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.entries import EntryKind
from monitor.storage.db import connect, read_alarm_events
from monitor.storage.writer import SessionWriter

CONFIG = ChairConfig("Chair 1", None, scenario="stable")


def _crash(chair: Chair, writer: SessionWriter) -> None:
    """Everything committed so far is on disk (as after a crash: at most the last moment is lost); then the chair's
    threads just stop -- nothing is ended, acknowledged or cleared on the record."""
    assert writer.flush()
    chair.alarms.stop()
    chair.acquisition.stop(end_session=False)
    chair.simulator.stop()


def test_resume_restores_changed_limits_and_the_latched_unacknowledged_alarm(tmp_path: Path) -> None:
    db = tmp_path / "monitor.sqlite3"
    clinic_hr = DEFAULT_PROTOCOL.limits["HR"]
    assert (clinic_hr.low, clinic_hr.high) != (45, 110)
    with SessionWriter(db) as writer:
        chair = Chair(CONFIG, writer)
        service = chair.start(initials="AB", require_screening=False, require_patient=False)
        chair.alarms.set_limit("HR", 45, 110, "AB", "athlete, resting HR 48")
        service.record(EntryKind.SCORE, {"scale": "moaas", "score": 2}).result(5)  # stop threshold: high alarm
        service.record(EntryKind.SCORE, {"scale": "moaas", "score": 4}).result(5)  # lighter: cleared, not answered
        (sedation,) = [a for a in chair.alarms.alarms() if a.key == "sedation"]
        assert sedation.status is AlarmStatus.LATCHED
        session_id = chair.acquisition.session_id
        _crash(chair, writer)

    point = find_unfinished(db, chair="Chair 1")
    assert point is not None and point.session.id == session_id
    with SessionWriter(db) as writer:
        resumed = Chair(CONFIG, writer, resume=point)
        try:
            resumed.start(initials="CD", require_screening=False, require_patient=False)
            hr = resumed.alarms.limits()["HR"]
            assert (hr.low, hr.high) == (45, 110), "the session's own HR limits, not the clinic's"
            (latched,) = [a for a in resumed.alarms.alarms() if a.key == "sedation"]
            assert latched.status is AlarmStatus.LATCHED and latched.priority is AlarmPriority.HIGH
            assert resumed.alarms.audio_priority() is AlarmPriority.HIGH, "unacknowledged: it still sounds"
            assert any("MOAA/S" in m for m in resumed.alarms.high_clinical()), "it still refuses discharge"
            (ack,) = resumed.alarms.acknowledge("CD")
            assert ack.key == "sedation" and ack.action is AlarmAction.ACKNOWLEDGE
            assert not [a for a in resumed.alarms.alarms() if a.key == "sedation"]
        finally:
            resumed.stop()
    conn = connect(db)
    acks = [r for r in read_alarm_events(conn, session_id) if r.action == "acknowledge"]
    conn.close()
    assert [(r.key, r.who) for r in acks] == [("sedation", "CD")], "the acknowledgement after the resume is on record"
