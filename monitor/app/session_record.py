"""SessionRecord: everything one session holds, read back for review and export (PDF, CSV, FHIR).

Qt-free; opens its own read connection, so it can run while the session is still being recorded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from monitor.app.session_service import entries_from_rows
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ProtocolKind, kind_described
from monitor.clinical.entries import PROGRAM_INITIALS, EntryKind, EntryView, resolve
from monitor.clinical.infusion import InfusionLimits, InfusionStatus, fold_infusion
from monitor.clinical.nibp import NIBP_PARAMS, NibpReading, NibpReadingDetector
from monitor.storage.audit import session_heads
from monitor.storage.db import (
    AlarmEventRow,
    LinkEventRow,
    SessionRow,
    StatusRow,
    connect,
    list_sessions,
    read_alarm_events,
    read_device_status,
    read_entries,
    read_link_events,
    read_sample_events,
)
from monitor.storage.patients import Course, Patient, course_session_ids, session_course


@dataclass(frozen=True)
class Series:
    t: np.ndarray  # on the session's timebase (receive time, or the device's in a simulated demo), Unix s
    host_t: np.ndarray  # when this computer received it
    device_t: np.ndarray  # the monitor's own time
    value: np.ndarray


@dataclass(frozen=True)
class SessionRecord:
    session: SessionRow
    series: dict[str, Series]
    entries: list[EntryView]
    link_events: list[LinkEventRow]
    infusion: InfusionStatus
    end: float  # when the session ended, or its last data while it is still open
    nibp: list[NibpReading] = field(default_factory=list)  # each distinct cuff reading once
    alarms: list[AlarmEventRow] = field(default_factory=list)  # onsets, acknowledgements, clears, limit changes
    initials: tuple[str, ...] = field(default=())
    patient: Patient | None = None  # None until the session is assigned to a patient's course
    course: Course | None = None
    course_position: tuple[int, int] | None = None  # this is session n of the course's m so far
    status: list[StatusRow] = field(default_factory=list)  # what the monitor reported about its values, in order
    desk: str = ""  # the desk that recorded it, when read from the clinic database ("": this desk's own file)
    chain_head: str = ""  # the audit chain's hash after this session's last entry ("": none), printed on the PDF
    wave_file: Path | None = None  # the desk file its waves are in (issue 22; None: read from the clinic database)

    @property
    def protocol_kinds(self) -> list[ProtocolKind]:
        """The clinic protocols that governed this session, in order (one, unless clinic.json changed between a
        close and the resume): from its "clinic" link events; none recorded (a bare recording): the default."""
        kinds: list[ProtocolKind] = []
        for event in self.link_events:
            kind = kind_described(event.detail) if event.state == "clinic" else None
            if kind is not None and kind not in kinds[-1:]:
                kinds.append(kind)
        return kinds or [DEFAULT_PROTOCOL.kind]

    @property
    def protocol_kind(self) -> ProtocolKind:
        """The protocol that governed the session's end (the latest start or resume): what its summary follows."""
        return self.protocol_kinds[-1]

    @property
    def patient_text(self) -> str:
        if self.patient is None:
            return "not assigned to a patient (Sessions → Assign to a course)"
        p = self.patient
        text = f"{p.name} · MRN {p.mrn} · born {p.dob} · {p.weight_kg:g} kg"
        return text + f" · allergies: {p.allergies}" if p.allergies else text + " · no known allergies recorded"

    @property
    def course_text(self) -> str:
        if self.course is None:
            return "—"
        if self.course_position is None:
            return self.course.title
        n, m = self.course_position
        return f"{self.course.title} (session {n} of {m} so far)"

    def nibp_time(self, reading: NibpReading) -> float:
        """A reading's time on the session's timebase."""
        return reading.t if self.session.timebase == "device" else reading.host_t


def _series(conn: sqlite3.Connection, session_id: int, param: str, timebase: str) -> Series:
    # One indexed range scan per parameter (samples_by_param_time), straight into numpy.
    rows = conn.execute(
        "SELECT host_t, t, value FROM samples WHERE session_id = ? AND param = ? ORDER BY t", (session_id, param)
    ).fetchall()
    data = np.array(rows, dtype=float).reshape(-1, 3)
    host_t, device_t, value = data[:, 0], data[:, 1], data[:, 2]
    return Series(device_t if timebase == "device" else host_t, host_t, device_t, value)


def load_record(db_path: Path, session_id: int, limits: InfusionLimits | None = None) -> SessionRecord:
    conn = connect(db_path)
    try:
        return replace(read_record(conn, session_id, limits, where=str(db_path)), wave_file=Path(db_path))
    finally:
        conn.close()


def read_record(
    conn: sqlite3.Connection, session_id: int, limits: InfusionLimits | None = None, where: str = "the database"
) -> SessionRecord:
    """The record from an open local-schema database: the desk's file, or a hub session copied into memory
    (app.hub_records), so review and every export read both the same way."""
    session = next((s for s in list_sessions(conn) if s.id == session_id), None)
    if session is None:
        raise KeyError(f"no session {session_id} in {where}")
    names = [r[0] for r in conn.execute("SELECT DISTINCT param FROM samples WHERE session_id = ?", (session_id,))]
    series = {name: _series(conn, session_id, name, session.timebase) for name in sorted(names)}
    entries = resolve(entries_from_rows(read_entries(conn, session_id)))
    link_events = read_link_events(conn, session_id)
    nibp = NibpReadingDetector().feed(read_sample_events(conn, session_id, NIBP_PARAMS))
    alarms = read_alarm_events(conn, session_id)
    status = read_device_status(conn, session_id)
    assigned = session_course(conn, session_id)
    siblings = course_session_ids(conn, assigned[1].id) if assigned else []
    live = [v for v in entries if v.kind is EntryKind.INFUSION and v.live]
    end = session.ended_at
    if end is None:
        end = max([session.started_at, *(float(s.t[-1]) for s in series.values()), *(v.t for v in entries)])
    infusion = fold_infusion([(v.t, v.payload) for v in live], end, limits)
    who = {v.original.initials for v in entries} | {c.initials for v in entries for c in v.corrections}
    who.discard(PROGRAM_INITIALS)  # the nurses; what the program recorded says so on its own rows
    patient, course = assigned if assigned else (None, None)
    position = (siblings.index(session_id) + 1, len(siblings)) if session_id in siblings else None
    return SessionRecord(
        session,
        series,
        entries,
        link_events,
        infusion,
        end,
        nibp,
        alarms,
        tuple(sorted(who)),
        patient=patient,
        course=course,
        course_position=position,
        status=status,
        chain_head=(session_heads(conn, session_id) or [""])[-1],
    )
