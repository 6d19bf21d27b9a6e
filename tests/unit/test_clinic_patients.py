"""One patient list for the clinic (issue 17 point 3), on a real PostgreSQL server: desks connect as desk roles
(members of monitor_desk: INSERT and SELECT only), record into their own SQLite with the program's services and
ship with the replicator."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from hub_desks import desk_dsn, ship

from monitor.app.clinic_patients import ClinicPatients, ClinicUnreachableError
from monitor.app.courses import CourseService
from monitor.storage.writer import SessionWriter


def unreachable_dsn(tmp_path: Path) -> str:
    """A server that is not there (nothing listens on the socket folder): the desk is offline."""
    return f"host={tmp_path} port=1 dbname=clinic user=nobody"


def rows(db_path: Path, table: str) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_a_patient_added_at_desk_a_is_found_and_used_at_desk_b(pg_dsn: str, tmp_path: Path) -> None:
    dsn_a, dsn_b = desk_dsn(pg_dsn, "desk_a"), desk_dsn(pg_dsn, "desk_b")
    clinic_a, clinic_b = ClinicPatients(dsn_a), ClinicPatients(dsn_b)
    with SessionWriter(tmp_path / "a.sqlite3") as writer_a, SessionWriter(tmp_path / "b.sqlite3") as writer_b:
        a, b = CourseService(writer_a, clinic_a), CourseService(writer_b, clinic_b)
        pid = a.add_patient("Jane Doe", "MRN-1", "1970-05-01", "70", "penicillin").result(10)
        course_a = a.add_course(pid, "Spring 2026, 6 infusions").result(5)
        session_a = writer_a.open_session("sim", "datex-s5")
        a.assign(session_a, course_a).result(5)
        ship(writer_a.db_path, dsn_a, "desk-a")

        found = clinic_b.search("jane").result(10)
        assert [(p.name, p.mrn, p.desk, p.clinic) for p in found.patients] == [("Jane Doe", "MRN-1", "desk-a", True)]
        assert found.conflicts == []
        patient = found.patients[0]
        with pytest.raises(ValueError, match="MRN MRN-1 is registered at the clinic already: Jane Doe"):
            b.add_patient("Jane Doe", "MRN-1", "1970-05-01", "70", "penicillin").result(10)
        [course] = clinic_b.courses_of(patient.uid).result(10)
        assert course.title == "Spring 2026, 6 infusions" and course.desk == "desk-a"

        session_b = writer_b.open_session("sim", "datex-s5")
        b.assign_clinic_course(session_b, patient, course).result(5)
        local_patient, local_course = b.of_session(session_b)
        mine = a.of_session(session_a)
        assert _fields(local_patient)[1:] == _fields(mine[0])[1:]  # same uid, MRN and demographics
        assert (local_course.uid, local_course.title) == (mine[1].uid, mine[1].title)
        assert b.use_clinic_patient(patient).result(5) == local_patient.id  # made once
        ship(writer_b.db_path, dsn_b, "desk-b")

    with psycopg.connect(dsn_b) as hub:
        assert hub.execute("SELECT count(*) FROM patients").fetchone() == (2,)  # a's registration, b's copy
        assert hub.execute("SELECT count(*) FROM patient_registrations").fetchone() == (1,)
        assert hub.execute("SELECT count(*) FROM patient_conflicts").fetchone() == (0,)
        one_course = hub.execute(
            "SELECT desk, session_id FROM course_sessions WHERE course_uid = %s ORDER BY desk", (course.uid,)
        ).fetchall()
    assert one_course == [("desk-a", session_a), ("desk-b", session_b)]
    clinic_a.close()
    clinic_b.close()


def _fields(p) -> tuple:
    return (p.id, p.name, p.mrn, p.dob, p.weight_kg, p.allergies, p.uid)


def test_one_mrn_registered_offline_at_two_desks_is_listed_as_a_conflict_and_nothing_changes(
    pg_dsn: str, tmp_path: Path
) -> None:
    dsn_a, dsn_b = desk_dsn(pg_dsn, "desk_a"), desk_dsn(pg_dsn, "desk_b")
    offline = ClinicPatients(unreachable_dsn(tmp_path), timeout_s=1)
    with SessionWriter(tmp_path / "a.sqlite3") as writer_a, SessionWriter(tmp_path / "b.sqlite3") as writer_b:
        with pytest.raises(ClinicUnreachableError, match="clinic database unreachable"):
            offline.search("").result(10)
        for writer, name, dob in ((writer_a, "Jane Doe", "1970-05-01"), (writer_b, "Joan Doe", "1971-05-01")):
            desk = CourseService(writer, offline)  # offline: recorded at the desk all the same
            pid = desk.add_patient(name, "MRN-9", dob, "70", "").result(10)
            course = desk.add_course(pid, "Spring").result(5)
            desk.assign(writer.open_session("sim", "datex-s5"), course).result(5)
    before = {d: rows(tmp_path / f"{d}.sqlite3", "patients") for d in "ab"}
    ship(tmp_path / "a.sqlite3", dsn_a, "desk-a")
    ship(tmp_path / "b.sqlite3", dsn_b, "desk-b")

    online = ClinicPatients(dsn_b)
    [conflict] = online.conflicts_of("MRN-9").result(10)
    assert (conflict.desk, conflict.name, conflict.clinic_desk, conflict.clinic_name) == (
        "desk-b",
        "Joan Doe",
        "desk-a",
        "Jane Doe",
    )
    assert conflict.differs == ("name", "date of birth")
    assert conflict.text.startswith("Conflicting registration of MRN MRN-9 at desk desk-b: name, date of birth differ")
    both = online.registrations_of("MRN-9").result(10)
    assert [(p.desk, p.name, p.clinic) for p in both] == [("desk-a", "Jane Doe", True), ("desk-b", "Joan Doe", False)]
    assert online.search("MRN-9").result(10).conflicts == [conflict]
    online.close()
    offline.close()

    # Nothing merged or changed: each desk keeps its row, the hub holds both as recorded.
    assert {d: rows(tmp_path / f"{d}.sqlite3", "patients") for d in "ab"} == before
    with psycopg.connect(dsn_a) as hub:
        on_hub = hub.execute("SELECT desk, name, dob FROM patients ORDER BY desk").fetchall()
        assert on_hub == [("desk-a", "Jane Doe", "1970-05-01"), ("desk-b", "Joan Doe", "1971-05-01")]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            hub.execute("UPDATE patients SET name = 'Jane Doe'")
    with sqlite3.connect(tmp_path / "b.sqlite3") as local, pytest.raises(sqlite3.IntegrityError, match="never changed"):
        local.execute("UPDATE patients SET name = 'Jane Doe'")
