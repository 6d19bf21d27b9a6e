"""Store-and-forward to the clinic database (issue 17 points 2 and 6) against a real PostgreSQL server: the desk's
record arrives in order and exactly once (retries, interrupted batches, a restart), the later changes of a session
follow, a foreign database claiming the desk's name is refused, and the desk's role may do nothing else."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import hub_desks
import psycopg
import pytest

from monitor.devices.events import Sample
from monitor.storage import db as store
from monitor.storage import patients as patient_store
from monitor.storage.replicator import (
    SHIP_ORDER,
    DeskIdentityError,
    HubAheadError,
    _local_columns,
    ship_pending,
)
from monitor.storage.writer import SessionWriter

T0 = 1_767_225_600.0
PATIENT = {"name": "Ann Example", "mrn": "M1", "dob": "1980-01-02", "weight_kg": 70.0, "allergies": ""}


def _hub(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True)


def _record_more(path: Path, sid: int | None = None, t0: float = T0) -> int:
    """A little of everything a desk records, through the program's own writer."""
    with SessionWriter(path) as writer:
        if sid is None:
            sid = writer.open_session("sim", "datex-s5", started_at=t0)
        writer.add_samples(sid, [Sample("HR", 60.0 + i % 9, t0 + i, t0 + i + 0.25) for i in range(250)])
        writer.add_link_event(sid, t0 + 1, "receiving")
        writer.add_alarm_event(sid, t0 + 2, "onset", "HR high", "HR 130 > 120", "high", "clinical", 130.0, 120.0)
        first = writer.add_entry(store.EntryRow(sid, "score", t0 + 3, t0 + 3, "KM", {"scale": "pain", "score": 7}))
        writer.add_entry(
            store.EntryRow(sid, "score", t0 + 4, t0 + 4, "KM", {"scale": "pain", "score": 6}, "amend",
                           first.result(5), "misheard")
        ).result(5)
        writer.flush()
    return sid


def _local_rows(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    columns = _local_columns(conn, table)
    select = ", ".join(["rowid" if table == "samples" else "id", *columns[1:]])
    rows = conn.execute(f"SELECT {select} FROM {table} ORDER BY 1").fetchall()
    conn.close()
    return rows


def _hub_rows(dsn: str, table: str, columns: list[str], desk: str = "desk-a") -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE desk = %s ORDER BY id", (desk,)).fetchall()


def _assert_hub_equals_local(path: Path, dsn: str, desk: str = "desk-a") -> None:
    conn = sqlite3.connect(path)
    columns = {table: _local_columns(conn, table) for table in SHIP_ORDER}
    conn.close()
    for table in SHIP_ORDER:
        assert _hub_rows(dsn, table, columns[table], desk) == _local_rows(path, table), table


def _ship(path: Path, dsn: str, desk: str = "desk-a", max_rows: int | None = None):
    local = store.connect(path)
    try:
        with _hub(dsn) as hub:
            return ship_pending(local, hub, desk, max_rows)
    finally:
        local.close()


def test_everything_recorded_arrives_once_in_order_with_a_notification(pg_dsn: str, tmp_path: Path) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    path = tmp_path / "desk.sqlite3"
    sid = _record_more(path)
    with SessionWriter(path) as writer:
        patient = writer.submit(
            lambda c: patient_store.add_patient(c, PATIENT)
        ).result(5)
        course = writer.submit(lambda c: patient_store.add_course(c, patient, "Spring")).result(5)
        writer.submit(lambda c: patient_store.assign_session(c, sid, course)).result(5)
    with psycopg.connect(pg_dsn, autocommit=True) as listener:
        listener.execute("LISTEN monitor_record")
        report = _ship(path, desk_dsn)
        notes = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=1)]
    assert report.pending == 0
    assert report.shipped["samples"] == 250 and report.shipped["audit"] == 2 and report.shipped["patients"] == 1
    assert notes and notes[0]["desk"] == "desk-a" and "samples" in notes[0]["tables"]
    _assert_hub_equals_local(path, pg_dsn)

    again = _ship(path, desk_dsn)  # a retry, a restart: nothing twice
    assert again.total == 0 and again.pending == 0
    _record_more(path, sid, T0 + 1000)  # and what comes later follows
    assert _ship(path, desk_dsn).shipped["samples"] == 250
    _assert_hub_equals_local(path, pg_dsn)


def test_small_batches_never_leave_a_child_without_its_parent(pg_dsn: str, tmp_path: Path) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    path = tmp_path / "desk.sqlite3"
    for i in range(3):
        _record_more(path, t0=T0 + 10_000 * i)
    total = sum(len(_local_rows(path, t)) for t in SHIP_ORDER)
    left = total
    while left:
        report = _ship(path, desk_dsn, max_rows=97)
        assert 0 < report.total <= 97 and report.pending == left - report.total
        left = report.pending
        with psycopg.connect(pg_dsn) as conn:
            orphans = conn.execute(
                "SELECT (SELECT count(*) FROM samples s WHERE NOT EXISTS"
                "  (SELECT 1 FROM sessions x WHERE x.desk = s.desk AND x.id = s.session_id))"
                " + (SELECT count(*) FROM audit a WHERE NOT EXISTS"
                "  (SELECT 1 FROM entries e WHERE e.desk = a.desk AND e.id = a.entry_id))"
                " + (SELECT count(*) FROM entries e WHERE NOT EXISTS"
                "  (SELECT 1 FROM sessions x WHERE x.desk = e.desk AND x.id = e.session_id))"
            ).fetchone()[0]
        assert orphans == 0
    _assert_hub_equals_local(path, pg_dsn)


def test_a_batch_that_fails_midway_leaves_nothing_and_the_retry_ships_it_once(pg_dsn: str, tmp_path: Path) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    path = tmp_path / "desk.sqlite3"
    _record_more(path)
    with psycopg.connect(pg_dsn, autocommit=True) as admin:  # the server fails after samples and entries went in
        admin.execute(
            "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;"
            " CREATE TRIGGER fail BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION fail()"
        )
        with pytest.raises(psycopg.errors.RaiseException, match="disk full"):
            _ship(path, desk_dsn)
        for table in SHIP_ORDER:
            assert admin.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        admin.execute("DROP TRIGGER fail ON audit")
    report = _ship(path, desk_dsn)
    assert report.pending == 0 and report.shipped["samples"] == 250
    _assert_hub_equals_local(path, pg_dsn)


def test_the_later_changes_of_a_session_follow_it(pg_dsn: str, tmp_path: Path) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    path = tmp_path / "desk.sqlite3"
    sid = _record_more(path)
    _ship(path, desk_dsn)
    with SessionWriter(path) as writer:
        writer.end_session(sid, T0 + 3600)
        patient = writer.submit(
            lambda c: patient_store.add_patient(c, PATIENT)
        ).result(5)
        course = writer.submit(lambda c: patient_store.add_course(c, patient, "Spring")).result(5)
        writer.submit(lambda c: patient_store.assign_session(c, sid, course)).result(5)
        writer.add_entry(store.EntryRow(sid, "discharge", T0 + 3700, T0 + 3700, "KM", {"ready": True})).result(5)
    report = _ship(path, desk_dsn)
    assert report.shipped["session_changes"] == 3 and report.pending == 0
    with psycopg.connect(pg_dsn) as conn:
        row = conn.execute(
            "SELECT ended_at, discharged_at, discharged_by, course_id FROM sessions WHERE desk = 'desk-a' AND id = %s",
            (sid,),
        ).fetchone()
    assert row == (T0 + 3600, T0 + 3700, "KM", course)
    _assert_hub_equals_local(path, pg_dsn)


def test_a_desk_role_may_make_only_the_session_changes_the_program_makes(pg_dsn: str, tmp_path: Path) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    path = tmp_path / "desk.sqlite3"
    sid = _record_more(path)
    with SessionWriter(path) as writer:
        writer.add_entry(store.EntryRow(sid, "discharge", T0 + 3700, T0 + 3700, "KM", {"ready": True})).result(5)
        writer.end_session(sid, T0 + 3800)
    _ship(path, desk_dsn)
    key = "WHERE desk = 'desk-a' AND id = 1"
    with psycopg.connect(desk_dsn) as conn:
        for statement, refusal in (
            (f"UPDATE sessions SET note = 'x' {key}", psycopg.errors.InsufficientPrivilege),
            (f"UPDATE sessions SET started_at = 0 {key}", psycopg.errors.InsufficientPrivilege),
            (f"UPDATE sessions SET discharged_at = 1, discharged_by = 'ZZ' {key}", psycopg.errors.IntegrityError),
            (f"UPDATE sessions SET ended_at = NULL {key}", psycopg.errors.IntegrityError),
            ("UPDATE samples SET value = 0", psycopg.errors.InsufficientPrivilege),
            ("UPDATE entries SET payload = '{}'", psycopg.errors.InsufficientPrivilege),
            ("DELETE FROM sessions", psycopg.errors.InsufficientPrivilege),
            ("DELETE FROM audit", psycopg.errors.InsufficientPrivilege),
            ("DELETE FROM desks", psycopg.errors.InsufficientPrivilege),
            ("UPDATE desks SET database_uid = 'x'", psycopg.errors.InsufficientPrivilege),
            ("TRUNCATE samples", psycopg.errors.InsufficientPrivilege),
        ):
            with pytest.raises(refusal):
                conn.execute(statement)
            conn.rollback()
        conn.execute(f"UPDATE sessions SET course_id = 5 {key}")  # what the program may do, it can
        conn.rollback()
    _assert_hub_equals_local(path, pg_dsn)


def test_another_database_under_this_desk_name_is_refused_never_merged(pg_dsn: str, tmp_path: Path) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    _record_more(first)
    _record_more(second, t0=T0 + 50_000)
    _ship(first, desk_dsn)
    with pytest.raises(DeskIdentityError, match="'desk-a' is already used on the clinic database by another"):
        _ship(second, desk_dsn)
    _assert_hub_equals_local(first, pg_dsn)  # the first desk's record, untouched
    with pytest.raises(DeskIdentityError, match="already on the clinic database as desk 'desk-a'"):
        _ship(first, desk_dsn, desk="desk-b")  # one database, two names: its record twice
    assert _ship(second, desk_dsn, desk="desk-b").pending == 0
    _assert_hub_equals_local(second, pg_dsn, desk="desk-b")


def test_a_desk_role_writes_only_under_its_own_desk_name(pg_dsn: str, tmp_path: Path) -> None:
    """Row-level security (hub migration 4): desk B's login role cannot insert rows as desk A, change desk A's
    sessions, register a desk in another role's name, or ship under desk A's name from its own database."""
    dsn_a, dsn_b = hub_desks.desk_dsn(pg_dsn, "desk_a"), hub_desks.desk_dsn(pg_dsn, "desk_b")
    path_a, path_b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    _record_more(path_a)
    _record_more(path_b, t0=T0 + 50_000)
    _ship(path_a, dsn_a)
    with psycopg.connect(dsn_b) as conn:
        for statement in (
            "INSERT INTO samples (desk, id, session_id, param, t, host_t, value)"
            " VALUES ('desk-a', 9999, 1, 'HR', 0, 0, 1)",
            "INSERT INTO entries (desk, id, session_id, kind, t, recorded_at, initials, payload)"
            " VALUES ('desk-a', 9999, 1, 'score', 0, 0, 'ZZ', '{}')",
            "UPDATE sessions SET course_id = 5 WHERE desk = 'desk-a' AND id = 1",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="desk_b may not write rows of desk desk-a"):
                conn.execute(statement)
            conn.rollback()
        conn.execute("INSERT INTO desks (desk, database_uid, role) VALUES ('desk-c', 'uid-c', 'desk_a')")
        assert conn.execute("SELECT role FROM desks WHERE desk = 'desk-c'").fetchone() == ("desk_b",)  # not A's
        conn.rollback()
    with pytest.raises(DeskIdentityError, match="registered on the clinic database to the login role 'desk_a'"):
        _ship(path_b, dsn_b, desk="desk-a")
    assert _ship(path_b, dsn_b, desk="desk-b").pending == 0  # under its own name it ships as before
    _assert_hub_equals_local(path_a, pg_dsn)
    _assert_hub_equals_local(path_b, pg_dsn, desk="desk-b")


def test_an_older_copy_of_the_desk_database_is_refused(pg_dsn: str, tmp_path: Path) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    path, older = tmp_path / "desk.sqlite3", tmp_path / "older.sqlite3"
    sid = _record_more(path)
    shutil.copy(path, older)
    _record_more(path, sid, T0 + 1000)
    _ship(path, desk_dsn)
    _record_more(older, sid, T0 + 2000)  # its new rows would take ids the hub already holds for other rows
    with pytest.raises(HubAheadError, match="older copy"):
        _ship(older, desk_dsn)
    _assert_hub_equals_local(path, pg_dsn)


def test_two_shippers_of_one_desk_at_once_send_each_row_once(pg_dsn: str, tmp_path: Path) -> None:
    """A window and a recorder on one database, or a restart while the old process still ships: serialised on the
    server (an advisory lock per desk), the second finds the first's rows there and sends nothing twice."""
    from concurrent.futures import ThreadPoolExecutor

    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    path = tmp_path / "desk.sqlite3"
    for i in range(8):
        _record_more(path, t0=T0 + 10_000 * i)
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: _ship(path, desk_dsn, max_rows=None), range(2)))
    assert sum(r.total for r in reports) == sum(len(_local_rows(path, t)) for t in SHIP_ORDER)
    assert all(r.pending == 0 for r in reports)
    _assert_hub_equals_local(path, pg_dsn)
