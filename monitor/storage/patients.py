"""Patients, courses and which sessions belong to a course: the SQL. Callers own the connection and thread."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Patient:
    id: int
    name: str
    mrn: str
    dob: str  # ISO date
    weight_kg: float
    allergies: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} (MRN {self.mrn}, born {self.dob})"


@dataclass(frozen=True, slots=True)
class Course:
    id: int
    patient_id: int
    title: str
    created_at: float


def add_patient(conn: sqlite3.Connection, fields: dict) -> int:
    try:
        cur = conn.execute(
            "INSERT INTO patients (name, mrn, dob, weight_kg, allergies, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (fields["name"], fields["mrn"], fields["dob"], fields["weight_kg"], fields["allergies"], time.time()),
        )
    except sqlite3.IntegrityError:
        raise ValueError(f"a patient with MRN {fields['mrn']} exists already") from None
    return int(cur.lastrowid)


def list_patients(conn: sqlite3.Connection) -> list[Patient]:
    rows = conn.execute("SELECT id, name, mrn, dob, weight_kg, allergies FROM patients ORDER BY name, id")
    return [Patient(*row) for row in rows]


def add_course(conn: sqlite3.Connection, patient_id: int, title: str) -> int:
    cur = conn.execute(
        "INSERT INTO courses (patient_id, title, created_at) VALUES (?, ?, ?)", (patient_id, title, time.time())
    )
    return int(cur.lastrowid)


def list_courses(conn: sqlite3.Connection, patient_id: int) -> list[Course]:
    rows = conn.execute(
        "SELECT id, patient_id, title, created_at FROM courses WHERE patient_id = ? ORDER BY created_at", (patient_id,)
    )
    return [Course(*row) for row in rows]


def assign_session(conn: sqlite3.Connection, session_id: int, course_id: int) -> None:
    conn.execute("UPDATE sessions SET course_id = ? WHERE id = ?", (course_id, session_id))


def course_session_ids(conn: sqlite3.Connection, course_id: int) -> list[int]:
    rows = conn.execute("SELECT id FROM sessions WHERE course_id = ? ORDER BY started_at", (course_id,))
    return [r[0] for r in rows]


def session_course(conn: sqlite3.Connection, session_id: int) -> tuple[Patient, Course] | None:
    row = conn.execute(
        "SELECT p.id, p.name, p.mrn, p.dob, p.weight_kg, p.allergies, c.id, c.patient_id, c.title, c.created_at"
        " FROM sessions s JOIN courses c ON c.id = s.course_id JOIN patients p ON p.id = c.patient_id"
        " WHERE s.id = ?",
        (session_id,),
    ).fetchone()
    return (Patient(*row[:6]), Course(*row[6:])) if row else None
