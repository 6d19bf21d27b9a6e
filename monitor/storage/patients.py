"""Patients, courses and which sessions belong to a course: the SQL. Callers own the connection and thread.

Each patient and course has a clinic-wide `uid` (local migration 10): a new registration gets a new one; the local
copy of a registration picked from the clinic database keeps its uid. Registrations are never changed (triggers).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Patient:
    id: int
    name: str
    mrn: str
    dob: str  # ISO date
    weight_kg: float
    allergies: str = ""
    uid: str = ""  # clinic-wide identity

    @property
    def label(self) -> str:
        return f"{self.name} (MRN {self.mrn}, born {self.dob})"


@dataclass(frozen=True, slots=True)
class Course:
    id: int
    patient_id: int
    title: str
    created_at: float
    uid: str = ""  # clinic-wide identity


_PATIENT = "id, name, mrn, dob, weight_kg, allergies, uid"
_COURSE = "id, patient_id, title, created_at, uid"


def new_uid() -> str:
    return uuid.uuid4().hex


def add_patient(conn: sqlite3.Connection, fields: dict, uid: str | None = None) -> int:
    """A new registration (a new uid), or with `uid` the local copy of the clinic's registration `uid`."""
    existing = conn.execute("SELECT uid FROM patients WHERE mrn = ?", (fields["mrn"],)).fetchone()
    if existing is not None:
        if uid is not None and existing[0] != uid:
            raise ValueError(
                f"MRN {fields['mrn']} is registered at this desk as another patient: a conflicting registration — "
                "resolve it in the EHR / by a correction; this desk keeps its own"
            )
        raise ValueError(f"a patient with MRN {fields['mrn']} exists already")
    cur = conn.execute(
        "INSERT INTO patients (name, mrn, dob, weight_kg, allergies, created_at, uid) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            fields["name"],
            fields["mrn"],
            fields["dob"],
            fields["weight_kg"],
            fields["allergies"],
            time.time(),
            uid or new_uid(),
        ),
    )
    return int(cur.lastrowid)


def list_patients(conn: sqlite3.Connection) -> list[Patient]:
    rows = conn.execute(f"SELECT {_PATIENT} FROM patients ORDER BY name, id")
    return [Patient(*row) for row in rows]


def patient_by_uid(conn: sqlite3.Connection, uid: str) -> Patient | None:
    row = conn.execute(f"SELECT {_PATIENT} FROM patients WHERE uid = ?", (uid,)).fetchone()
    return Patient(*row) if row else None


def add_course(conn: sqlite3.Connection, patient_id: int, title: str, uid: str | None = None) -> int:
    """A new course (a new uid), or with `uid` the local copy of the clinic's course `uid`."""
    cur = conn.execute(
        "INSERT INTO courses (patient_id, title, created_at, uid) VALUES (?, ?, ?, ?)",
        (patient_id, title, time.time(), uid or new_uid()),
    )
    return int(cur.lastrowid)


def list_courses(conn: sqlite3.Connection, patient_id: int) -> list[Course]:
    rows = conn.execute(f"SELECT {_COURSE} FROM courses WHERE patient_id = ? ORDER BY created_at", (patient_id,))
    return [Course(*row) for row in rows]


def course_by_uid(conn: sqlite3.Connection, uid: str) -> Course | None:
    row = conn.execute(f"SELECT {_COURSE} FROM courses WHERE uid = ?", (uid,)).fetchone()
    return Course(*row) if row else None


def assign_session(conn: sqlite3.Connection, session_id: int, course_id: int) -> None:
    conn.execute("UPDATE sessions SET course_id = ? WHERE id = ?", (course_id, session_id))


def course_session_ids(conn: sqlite3.Connection, course_id: int) -> list[int]:
    rows = conn.execute("SELECT id FROM sessions WHERE course_id = ? ORDER BY started_at", (course_id,))
    return [r[0] for r in rows]


def session_course(conn: sqlite3.Connection, session_id: int) -> tuple[Patient, Course] | None:
    row = conn.execute(
        "SELECT p.id, p.name, p.mrn, p.dob, p.weight_kg, p.allergies, p.uid,"
        " c.id, c.patient_id, c.title, c.created_at, c.uid"
        " FROM sessions s JOIN courses c ON c.id = s.course_id JOIN patients p ON p.id = c.patient_id"
        " WHERE s.id = ?",
        (session_id,),
    ).fetchone()
    return (Patient(*row[:7]), Course(*row[7:])) if row else None
