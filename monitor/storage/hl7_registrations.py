"""Patients registered and updated by the EHR (ADT^A04 / ADT^A08, local migration 17): the SQL. Callers own the
connection and its thread.

One row per accepted message, never changed. The EHR's current view of a patient is its A04 with every later A08
applied in arrival order (`ehr_patients`); this desk's own registration (`patients`) is never changed by them: the
patient dialog shows the difference and the nurse decides.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum


class Recorded(StrEnum):
    NEW = "new"  # a row was written
    REPEAT = "repeat"  # the same message (sender and MSH-10) was recorded before: nothing written


class RegistrationRefused(ValueError):
    """An A04 for an MRN the EHR registered already, or an A08 for an MRN nobody registered: nothing written."""


@dataclass(frozen=True, slots=True)
class EhrMessage:
    event: str  # 'A04' register, 'A08' update
    control_id: str
    sender: str
    operator: str
    mrn: str
    name: str
    dob: str
    sex: str


@dataclass(frozen=True, slots=True)
class EhrPatient:
    """The EHR's current registration of an MRN: its A04 (if any) with every later A08 applied."""

    mrn: str
    name: str
    dob: str
    sex: str
    registered_at: float | None  # the A04's arrival; None: the EHR only sent updates (of this desk's patient)
    updated_at: float | None  # the latest A08's arrival, if any
    updates: int  # how many A08s
    sender: str  # of the latest message
    operator: str  # of the latest message

    @property
    def label(self) -> str:
        sex = f", {self.sex}" if self.sex else ""
        return f"{self.name} (MRN {self.mrn}, born {self.dob}{sex})"


def record(conn: sqlite3.Connection, msg: EhrMessage, full_text: str, received_at: float) -> Recorded:
    """Keep an accepted ADT message, in its own immediate transaction. RegistrationRefused for a second A04 of an MRN
    or an A08 of an MRN neither the EHR nor this desk has registered."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        outcome = _record(conn, msg, full_text, received_at)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return outcome


def _record(conn: sqlite3.Connection, msg: EhrMessage, full_text: str, received_at: float) -> Recorded:
    seen = conn.execute(
        "SELECT 1 FROM ehr_registrations WHERE sender = ? AND control_id = ?", (msg.sender, msg.control_id)
    ).fetchone()
    if seen:
        return Recorded.REPEAT
    registered = conn.execute(
        "SELECT received_at FROM ehr_registrations WHERE mrn = ? AND event = 'A04'", (msg.mrn,)
    ).fetchone()
    local = conn.execute("SELECT 1 FROM patients WHERE mrn = ?", (msg.mrn,)).fetchone()
    if msg.event == "A04" and registered:
        raise RegistrationRefused(f"MRN {msg.mrn} is registered already (ADT^A04 received before): send A08 to update")
    if msg.event == "A08" and not (registered or local):
        raise RegistrationRefused(f"MRN {msg.mrn} is not registered here: send ADT^A04 first")
    conn.execute(
        "INSERT INTO ehr_registrations (received_at, event, mrn, name, dob, sex, sender, operator, control_id,"
        " message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            received_at,
            msg.event,
            msg.mrn,
            msg.name,
            msg.dob,
            msg.sex,
            msg.sender,
            msg.operator,
            msg.control_id,
            full_text,
        ),
    )
    return Recorded.NEW


def ehr_patients(conn: sqlite3.Connection) -> list[EhrPatient]:
    """Every MRN the EHR sent, as the EHR has it now (its latest message's fields), by name."""
    rows = conn.execute(
        "SELECT received_at, event, mrn, name, dob, sex, sender, operator FROM ehr_registrations ORDER BY id"
    )
    current: dict[str, EhrPatient] = {}
    for at, event, mrn, name, dob, sex, sender, operator in rows:
        before = current.get(mrn)
        registered = at if event == "A04" else (before.registered_at if before else None)
        updated, updates = (at, (before.updates if before else 0) + 1) if event == "A08" else (None, 0)
        current[mrn] = EhrPatient(mrn, name, dob, sex, registered, updated, updates, sender, operator)
    return sorted(current.values(), key=lambda p: (p.name, p.mrn))


def message_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM ehr_registrations").fetchone()[0])
