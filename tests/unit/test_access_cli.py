"""The command line's side of issue 18 points 5 and 7: `access-log` is an administrator's (a nurse is refused,
clearly, with a non-zero exit), and `export` says on stderr that what it wrote identifies the patient."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from monitor.cli.signing_in import NOT_SIGNED_IN
from monitor.clinical.roles import Role
from monitor.storage.db import connect
from monitor.storage.patients import add_course, add_patient, assign_session
from tests.accounts import cli_user


def _with_patient(db: Path, sid: int) -> None:
    conn = connect(db)
    pid = add_patient(conn, {"name": "Ada Test", "mrn": "MRN-1", "dob": "1970-01-01", "weight_kg": 70.0,
                             "allergies": ""})
    assign_session(conn, sid, add_course(conn, pid, "course 1"))
    conn.close()


def test_access_log_refuses_a_nurse_and_lists_for_an_administrator(recorded_session, capsys, monkeypatch) -> None:
    from monitor.cli import main

    db, sid = recorded_session
    _with_patient(db, sid)
    cli_user(monkeypatch, db, "KM", Role.NURSE)
    assert main(["access-log", "--patient", "MRN-1", "--db", str(db)]) == NOT_SIGNED_IN
    captured = capsys.readouterr()
    assert "sign-in refused: KM is a nurse: this needs the administrator role" in captured.err
    assert "accesses to the records" not in captured.out, "nothing listed to a nurse"
    cli_user(monkeypatch, db, "AD", Role.ADMIN)
    assert main(["access-log", "--patient", "MRN-1", "--db", str(db)]) == 0
    assert "accesses to the records of patient MRN-1 (0):" in capsys.readouterr().out


def test_export_warns_on_stderr_that_it_identifies_the_patient(recorded_session, tmp_path, capsys, monkeypatch) -> None:
    from monitor.cli import main

    db, sid = recorded_session
    _with_patient(db, sid)
    cli_user(monkeypatch, db)
    out = tmp_path / "r.json"
    assert main(["export", "--db", str(db), "--session", str(sid), "--format", "fhir", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out), "stdout keeps the written paths only, for scripts"
    assert f"warning: Exporting Ada Test (MRN MRN-1) as FHIR to {out}. It contains patient-identifying data (name, " \
        "MRN and date of birth)" in captured.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = sqlite3.connect(db).execute("SELECT who, action FROM access_log").fetchall()
    assert rows == [("KM", "fhir")]
