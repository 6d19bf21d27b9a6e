"""The access log (issue 18, point 5): append-only, chained with the desk key, listed per patient."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from monitor.clinical.roles import Role
from monitor.storage.access_log import (
    AccessAction,
    accesses_of_patient,
    course_target,
    record_access,
    session_target,
    verify_access,
)
from monitor.storage.db import connect
from monitor.storage.patients import add_course, add_patient, assign_session
from tests.accounts import cli_user

PATIENT = {"name": "Ada Test", "mrn": "MRN-1", "dob": "1970-01-01", "weight_kg": 70.0, "allergies": ""}


def _logged(recorded_session: tuple[Path, int]) -> sqlite3.Connection:
    db, sid = recorded_session
    conn = connect(db)
    pid = add_patient(conn, PATIENT)
    add_patient(conn, PATIENT | {"mrn": "MRN-2"})
    cid = add_course(conn, pid, "course 1")
    assign_session(conn, sid, cid)
    record_access(conn, "KM", AccessAction.REVIEW, session_target(sid), at=1.0)
    record_access(conn, "AB", AccessAction.PDF, session_target(sid), at=2.0)
    record_access(conn, "AB", AccessAction.COURSE_VIEW, course_target(cid), at=3.0)
    record_access(conn, "ZZ", AccessAction.CSV, "patient:2", at=4.0)  # the other patient
    return conn


def test_listed_per_patient_and_verified(recorded_session: tuple[Path, int]) -> None:
    conn = _logged(recorded_session)
    rows = accesses_of_patient(conn, "MRN-1")
    assert [(r.who, r.action) for r in rows] == [("KM", "review"), ("AB", "pdf"), ("AB", "course view")]
    assert verify_access(conn).ok and verify_access(conn).rows == 4
    with pytest.raises(KeyError):
        accesses_of_patient(conn, "nobody")


def test_append_only(recorded_session: tuple[Path, int]) -> None:
    conn = _logged(recorded_session)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM access_log WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE access_log SET who = 'XX'")


def test_edited_row_found(recorded_session: tuple[Path, int]) -> None:
    conn = _logged(recorded_session)
    conn.execute("DROP TRIGGER access_log_is_append_only_update")
    conn.execute("UPDATE access_log SET who = 'XX' WHERE id = 2")
    assert verify_access(conn).problem == "access-log row 2 was altered, or re-chained without this desk's key"


def test_deleted_row_found(recorded_session: tuple[Path, int]) -> None:
    conn = _logged(recorded_session)
    conn.execute("DROP TRIGGER access_log_is_append_only_delete")
    conn.execute("DELETE FROM access_log WHERE id = 2")
    assert verify_access(conn).problem == "access-log row 3: the row before it was removed or altered"


def test_rechained_without_the_key_found(recorded_session: tuple[Path, int]) -> None:
    """Whoever copies the file can recompute a plain hash chain; without the desk key the HMAC does not match."""
    conn = _logged(recorded_session)
    rows = conn.execute("SELECT id, at, action, target FROM access_log ORDER BY id").fetchall()
    forged = sqlite3.connect(":memory:")
    forged.execute("CREATE TABLE access_log (id INTEGER PRIMARY KEY, at REAL, who TEXT, action TEXT, target TEXT,"
                   " prev_hash TEXT, hash TEXT)")
    for rid, at, action, target in rows:  # every row attributed to XX, chained with a key the forger made up
        forged.execute("INSERT INTO access_log (id, at, who, action, target, prev_hash, hash) VALUES (?,?,?,?,?,'','')",
                       (rid, at, "XX", action, target))
    import monitor.storage.access_log as log

    prev = log.GENESIS
    for rid, at, action, target in rows:
        digest = log._mac(b"x" * 32, prev, log._body(at, "XX", action, target))
        forged.execute("UPDATE access_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, rid))
        prev = digest
    assert verify_access(forged, key=b"x" * 32).ok  # the forger's own key agrees with itself
    assert verify_access(forged).problem == "access-log row 1 was altered, or re-chained without this desk's key"


def test_verify_command_checks_the_access_log_and_the_triggers(
    recorded_session: tuple[Path, int], capsys, monkeypatch
) -> None:
    from monitor.cli import main

    db, _ = recorded_session
    cli_user(monkeypatch, db)
    _logged(recorded_session).close()
    assert main(["verify", str(db)]) == 0
    assert "access log intact (4 rows" in capsys.readouterr().out
    raw = sqlite3.connect(db, isolation_level=None)
    raw.execute("DROP TRIGGER courses_are_append_only_delete")  # nothing edited yet: the open door is the finding
    assert main(["verify", str(db)]) == 1
    assert "APPEND-ONLY TRIGGERS REMOVED (rows can be edited behind the program): courses_are_append_only_delete" \
        in capsys.readouterr().out
    raw.execute("DROP TRIGGER access_log_is_append_only_update")
    raw.execute("UPDATE access_log SET action = 'review' WHERE id = 2")
    assert main(["verify", str(db)]) == 1
    assert "ACCESS LOG ALTERED: access-log row 2 was altered" in capsys.readouterr().out


def test_access_log_command_lists_one_patient(recorded_session: tuple[Path, int], capsys, monkeypatch) -> None:
    from monitor.cli import main

    db, sid = recorded_session
    cli_user(monkeypatch, db, "AD", Role.ADMIN)
    _logged(recorded_session).close()
    assert main(["access-log", "--patient", "MRN-1", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "accesses to the records of patient MRN-1 (3):"
    assert out[1] == f"1970-01-01T00:00:01Z  KM     review       session:{sid}"
    assert all("ZZ" not in line for line in out)
    assert main(["access-log", "--patient", "MRN-9", "--db", str(db)]) == 2


def test_an_export_from_the_command_line_leaves_an_access_row(
    recorded_session: tuple[Path, int], tmp_path, monkeypatch
) -> None:
    from monitor.cli import main

    db, sid = recorded_session
    cli_user(monkeypatch, db)
    assert main(["export", "--db", str(db), "--session", str(sid), "--format", "csv", "--out", str(tmp_path / "o")]) \
        == 0
    conn = connect(db)
    rows = conn.execute("SELECT who, action, target FROM access_log").fetchall()
    assert rows == [("KM", "csv", f"session:{sid}")]  # the signed-in account, never typed
    assert verify_access(conn).ok
