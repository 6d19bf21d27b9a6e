"""Sessions on the clinic database made the real way (issue 17 point 5's tests): recorded into a desk's local SQLite
by the program's writer and services, then shipped by storage.replicator.ship_pending as the desk's own role."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import psycopg
from hub_desks import desk_dsn, ship

from monitor.app.courses import CourseService
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Sample
from monitor.storage.writer import SessionWriter

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def as_url(dsn: str, user: str | None = None, password: str | None = None) -> str:
    """The key=value DSN as the postgresql:// URL a person types on the command line (user and password optional)."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    who = quote(user or info.get("user", ""), safe="")
    if password is not None:
        who += ":" + quote(password, safe="")
    return f"postgresql://{who}@{info['host']}:{info['port']}/{info['dbname']}"


def record_desk(
    path: Path, hr0: float, mrn: str | None, minutes: int = 60, t0: float = T0, pain: int = 3
) -> int:
    """One finished session at a desk: vitals every 5 s, an infusion with a bolus, scores (`pain` after the stop),
    an amended and a struck entry, and (with an `mrn`) a new patient and course. `hr0` makes each desk's data its
    own."""
    with SessionWriter(path) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=t0)
        samples = []
        for i in range(0, minutes * 60, 5):
            t = t0 + i
            vitals = {"HR": hr0 + i % 7, "SPO2": 97.0, "RR": 14.0, "NIBP_SYS": 120.0, "NIBP_DIA": 80.0,
                      "NIBP_MEAN": 93.0}
            samples += [Sample(param, float(value), t, t + 0.2) for param, value in vitals.items()]
        writer.add_samples(sid, samples)
        writer.add_link_event(sid, t0 + 1, "receiving")
        writer.add_alarm_event(sid, t0 + 2, "onset", "HR high", "HR 130 > 120", "high", "clinical", 130.0, 120.0)
        service = SessionService(writer, sid, t0, clock=lambda: t0 + 3600, initials="KM")
        start = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 80, "rate_mg_kg_h": 0.5}
        service.record(EntryKind.INFUSION, start, t=t0 + 300).result(5)
        service.record(EntryKind.INFUSION, {"action": "bolus", "dose_mg": 10}, t=t0 + 600).result(5)
        first = service.record(EntryKind.SCORE, {"scale": "pain", "score": 7}, t=t0 + 120).result(5)
        nausea = service.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"}, t=t0 + 900).result(5)
        service.record(EntryKind.INFUSION, {"action": "stop"}, t=t0 + 3300).result(5)
        service.record(EntryKind.SCORE, {"scale": "pain", "score": pain}, t=t0 + 3400).result(5)
        service.amend(first.id, {"scale": "pain", "score": 6}, "misheard").result(5)
        service.strike(nausea.id, "wrong patient").result(5)
        if mrn is not None:
            courses = CourseService(writer)
            patient = courses.add_patient("Ann Example", mrn, "1980-01-02", "80", "").result(5)
            course = courses.add_course(patient, "Spring 2026").result(5)
            courses.assign(sid, course).result(5)
        writer.end_session(sid, t0 + minutes * 60)
    return sid


def ship_as_desk(path: Path, pg_dsn: str, desk: str) -> None:
    """Everything the desk recorded, shipped as its own desk role (named after the desk)."""
    ship(path, desk_dsn(pg_dsn, desk.replace("-", "_")), desk)
