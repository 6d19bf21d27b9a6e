"""Patients, courses and the course summary a team judges the response by. Qt-free application service.

Writes go through the SessionWriter's thread (futures); reads open their own short connection: the tables are
small and local, like the session list. With a clinic database (`clinic`, app.clinic_patients) the list is the
clinic's: a new MRN is checked there first (offline: recorded locally, a conflict shows once the rows meet), and
picking another desk's patient or course makes this desk's local copy with the same clinic-wide uid.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TypeVar

from monitor.app.clinic_patients import ClinicPatients, ClinicUnreachableError
from monitor.app.session_service import entries_from_rows
from monitor.clinical.entries import EntryKind, EntryView, is_score, resolve
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import fold_infusion
from monitor.clinical.patient_fields import validate_patient
from monitor.clinical.phq9 import score as score_phq9
from monitor.clinical.scales import ScaleRole
from monitor.storage import patients as store
from monitor.storage.db import connect, list_sessions, read_entries
from monitor.storage.hub_patients import ClinicCourse, ClinicPatient
from monitor.storage.patients import Patient
from monitor.storage.writer import SessionWriter

__all__ = ["CourseService", "Patient", "SessionSummary", "course_summary"]
T = TypeVar("T")
DEMO_NAME = "DEMO PATIENT — not a real person"
DEMO_MRN = "DEMO"
DEMO_COURSE = "Demonstration on the simulated monitor"


class CourseService:
    def __init__(self, writer: SessionWriter, clinic: ClinicPatients | None = None) -> None:
        self.writer = writer
        self.clinic = clinic

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = connect(self.writer.db_path)
        try:
            return fn(conn)
        finally:
            conn.close()

    def patients(self) -> list[store.Patient]:
        return self._read(store.list_patients)

    def courses(self, patient_id: int) -> list[store.Course]:
        return self._read(lambda conn: store.list_courses(conn, patient_id))

    def of_session(self, session_id: int) -> tuple[store.Patient, store.Course] | None:
        return self._read(lambda conn: store.session_course(conn, session_id))

    def add_patient(self, name: str, mrn: str, dob: str, weight: str, allergies: str) -> Future[int]:
        """EntryError at once for bad fields; the future fails with ValueError for an MRN this desk or (when it
        answers) the clinic database has registered already."""
        fields = validate_patient(name, mrn, dob, weight, allergies, date.today())

        def write() -> Future[int]:
            return self.writer.submit(lambda conn: store.add_patient(conn, fields), durable=False)

        if self.clinic is None:
            return write()
        out: Future[int] = Future()

        def checked(found: Future[list[ClinicPatient]]) -> None:
            error = found.exception()
            if error is None and found.result():
                first = found.result()[0]
                out.set_exception(
                    ValueError(
                        f"MRN {fields['mrn']} is registered at the clinic already: {first.label}, at desk "
                        f"{first.desk} — search for it and pick it"
                    )
                )
            elif error is not None and not isinstance(error, ClinicUnreachableError):
                out.set_exception(error)
            else:  # new to the clinic, or the clinic database is unreachable: this desk's registration
                _forward(write(), out)

        self.clinic.registrations_of(fields["mrn"]).add_done_callback(checked)
        return out

    def add_course(self, patient: int | ClinicPatient, title: str) -> Future[int]:
        """A new course for a local patient, or for a clinic patient (whose local copy is made first)."""
        title = title.strip()
        if len(title) < 2:
            raise EntryError("Give the course a name (e.g. 'Spring 2026, 6 infusions')")
        return self.writer.submit(lambda conn: store.add_course(conn, _local_patient(conn, patient), title))

    def use_clinic_patient(self, patient: ClinicPatient) -> Future[int]:
        """This desk's copy of a clinic registration (same uid, MRN and demographics), made once; its local id."""
        return self.writer.submit(lambda conn: _local_patient(conn, patient))

    def assign_clinic_course(self, session_id: int, patient: int | ClinicPatient, course: ClinicCourse) -> Future[int]:
        """Put the session in a course started at any desk: the local copies of its patient and course (same uids)
        are made once, in the assignment's transaction. The future holds the local course id."""

        def assign(conn: sqlite3.Connection) -> int:
            pid = _local_patient(conn, patient)
            local = store.course_by_uid(conn, course.uid)
            cid = local.id if local else store.add_course(conn, pid, course.title, uid=course.uid)
            store.assign_session(conn, session_id, cid)
            return cid

        return self.writer.submit(assign)

    def assign(self, session_id: int, course_id: int) -> Future[None]:
        return self.writer.submit(lambda conn: store.assign_session(conn, session_id, course_id))

    def assign_demo_patient(self, session_id: int) -> Future[None]:
        """For a demonstration on the built-in simulated monitor only: the session goes to the demo patient
        (created once, clearly named as no real person) in its demo course."""
        fields = validate_patient(DEMO_NAME, DEMO_MRN, "1970-01-01", "70", "", date.today())

        def assign(conn: sqlite3.Connection) -> None:
            found = [p for p in store.list_patients(conn) if p.mrn == DEMO_MRN]
            patient_id = found[0].id if found else store.add_patient(conn, fields)
            courses = store.list_courses(conn, patient_id)
            course_id = courses[0].id if courses else store.add_course(conn, patient_id, DEMO_COURSE)
            store.assign_session(conn, session_id, course_id)

        return self.writer.submit(assign)


def _local_patient(conn: sqlite3.Connection, patient: int | ClinicPatient) -> int:
    if isinstance(patient, int):
        return patient
    local = store.patient_by_uid(conn, patient.uid)
    return local.id if local else store.add_patient(conn, patient.fields(), uid=patient.uid)


def _forward(source: Future[T], target: Future[T]) -> None:
    def done(f: Future[T]) -> None:
        error = f.exception()
        if error is not None:
            target.set_exception(error)
        else:
            target.set_result(f.result())

    source.add_done_callback(done)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    session_id: int
    started_at: float
    baseline_pain: int | None  # from the screening
    end_pain: int | None  # the last pain score after the infusion stopped
    total_mg: float
    total_mg_kg: float
    side_effects: int  # live side-effect entries
    pain_change_pct: float | None  # end pain vs the first session's baseline (clinical.md "Pain")
    desk: str = ""  # the desk that recorded it, in a course read from the clinic database
    infused_s: float = 0.0  # the infusion's running time (pauses excluded), for the course's dose history
    phq9_total: int | None = None  # the session's last PHQ-9 (optional, before the infusion): its total 0-27
    phq9_self_harm: bool = False  # that PHQ-9's item 9 answered above "Not at all"


def course_summary(db_path: Path, course_id: int) -> list[SessionSummary]:
    conn = connect(db_path)
    try:
        return with_pain_change(summarise_sessions(conn, store.course_session_ids(conn, course_id)))
    finally:
        conn.close()


def summarise_sessions(conn: sqlite3.Connection, ids: list[int], desk: str = "") -> list[SessionSummary]:
    """Each session's summary from an open local-schema database, in the order given, pain change not yet set."""
    started = {s.id: s.started_at for s in list_sessions(conn)}
    return [
        replace(_summarise(sid, started[sid], resolve(entries_from_rows(read_entries(conn, sid)))), desk=desk)
        for sid in ids
    ]


def with_pain_change(summaries: list[SessionSummary]) -> list[SessionSummary]:
    """Each session's end pain against the course's first baseline (clinical.md "Pain"), in course order."""
    out: list[SessionSummary] = []
    first_baseline: int | None = None
    for summary in summaries:
        if first_baseline is None:
            first_baseline = summary.baseline_pain
        change = None
        if first_baseline and summary.end_pain is not None:
            change = 100.0 * (summary.end_pain - first_baseline) / first_baseline
        out.append(replace(summary, pain_change_pct=change))
    return out


def _summarise(sid: int, started_at: float, views: list[EntryView]) -> SessionSummary:
    live = [v for v in views if v.live]
    infusion = fold_infusion(
        [(v.t, v.payload) for v in live if v.kind is EntryKind.INFUSION], max([started_at, *(v.t for v in live)])
    )
    screening = [v for v in live if v.kind is EntryKind.SCREENING]
    baseline = int(screening[-1].payload["baseline_pain"]) if screening else None
    stopped = infusion.stopped_at
    pains = [v for v in live if is_score(v, ScaleRole.PAIN) and stopped is not None and v.t >= stopped]
    end_pain = int(pains[-1].payload["score"]) if pains else None
    side_effects = sum(1 for v in live if v.kind is EntryKind.SIDE_EFFECT)
    phq9 = [score_phq9(v.payload) for v in live if v.kind is EntryKind.PHQ9]
    summary = SessionSummary(
        sid,
        started_at,
        baseline,
        end_pain,
        infusion.total_mg,
        infusion.total_mg_kg,
        side_effects,
        None,
        phq9_total=phq9[-1].total if phq9 else None,
        phq9_self_harm=phq9[-1].self_harm if phq9 else False,
    )
    return replace(summary, infused_s=infusion.infused_s)  # for the course's dose history
