"""Review, export, the session list, the course view and `verify` on the clinic database (issue 17 point 5), against
a real PostgreSQL server: sessions recorded at two desks by the program's own writer and services, shipped by the
replicator as each desk's role, then read back through the CLI as a read-only role."""

from __future__ import annotations

import itertools
import json
import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest
from hub_data import T0, as_url, record_desk, ship_as_desk
from hub_desks import desk_dsn

from monitor.app.clinic_patients import ClinicPatients
from monitor.app.courses import CourseService, course_summary
from monitor.app.hub_records import hub_course_summary, load_hub_record
from monitor.cli import main
from monitor.storage import db as store
from monitor.storage.hub_dsn import masked
from monitor.storage.hub_read import HubAddress, parse_address
from monitor.storage.paths import default_db_path
from monitor.storage.replicator import SHIP_ORDER, ship_pending
from monitor.storage.writer import SessionWriter
from tests.accounts import cli_user

READER_PASSWORD = "pr3scr1ber-s3cret"

@pytest.fixture(autouse=True)
def _signed_in_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line signs in (issue 18) with the desk's own accounts: these commands' --db is new or a DSN."""
    cli_user(monkeypatch, default_db_path())



@pytest.fixture
def two_desks(pg_dsn: str, tmp_path: Path) -> tuple[Path, Path, str]:
    """Desks a and b, each with its session 1 (different data, different patients), on the hub; and the URL the
    prescriber's office reads with: a SELECT-only role, with a password."""
    a, b = tmp_path / "desk-a.sqlite3", tmp_path / "desk-b.sqlite3"
    assert record_desk(a, 60.0, "MRN-A") == record_desk(b, 90.0, "MRN-B") == 1  # the same local id at both desks
    ship_as_desk(a, pg_dsn, "desk-a")
    ship_as_desk(b, pg_dsn, "desk-b")
    password_file = tmp_path / "reader-pw"
    password_file.write_text(READER_PASSWORD + "\n")
    assert main(["clinic-db", "init", pg_dsn, "--reader-role", "office", "--reader-password-file",
                 str(password_file)]) == 0
    return a, b, as_url(pg_dsn, "office", READER_PASSWORD)


@pytest.fixture
def same_fhir_ids(monkeypatch: pytest.MonkeyPatch):
    """FHIR bundles get random urn:uuid ids; for a byte comparison both exports get the same sequence."""

    def restart() -> None:
        counter = itertools.count()
        monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))

    return restart


def _export(db: str, session: str, fmt: str, out: Path) -> list[Path]:
    assert main(["export", "--db", db, "--session", session, "--format", fmt, "--out", str(out)]) == 0
    return sorted(out.iterdir()) if out.is_dir() else [out]


def test_the_hubs_export_is_the_local_export_byte_for_byte(
    two_desks, tmp_path: Path, same_fhir_ids, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, url = two_desks
    for desk_db in (a, b):  # a local export signs in with that database's accounts (issue 18)
        cli_user(monkeypatch, desk_db)
    for desk, path in (("desk-a", a), ("desk-b", b)):
        local = _export(str(path), "1", "csv", tmp_path / f"{desk}-local-csv")
        hub = _export(url, f"{desk}:1", "csv", tmp_path / f"{desk}-hub-csv")
        assert [p.name for p in local] == [p.name for p in hub] == ["session-1-samples.csv", "session-1-timeline.csv"]
        for mine, theirs in zip(local, hub, strict=True):
            assert mine.read_bytes() == theirs.read_bytes(), mine.name
        same_fhir_ids()
        (local_fhir,) = _export(str(path), "1", "fhir", tmp_path / f"{desk}-local.fhir.json")
        same_fhir_ids()
        (hub_fhir,) = _export(url, f"{desk}:1", "fhir", tmp_path / f"{desk}-hub.fhir.json")
        assert local_fhir.read_bytes() == hub_fhir.read_bytes()
    a_csv = (tmp_path / "desk-a-hub-csv" / "session-1-samples.csv").read_text()
    b_csv = (tmp_path / "desk-b-hub-csv" / "session-1-samples.csv").read_text()
    assert ",HR,60.0," in a_csv and ",HR,60.0," not in b_csv and ",HR,90.0," in b_csv, "each desk's own session 1"


def test_sessions_of_two_desks_with_the_same_local_id_are_told_apart(two_desks, capsys) -> None:
    _a, _b, url = two_desks
    assert main(["sessions", "--db", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["DESK", "ID"]
    rows = [line.split()[:2] for line in lines[1:]]
    assert rows == [["desk-a", "1"], ["desk-b", "1"]]
    assert "Ann Example (MRN-A)" in lines[1] and "Ann Example (MRN-B)" in lines[2]
    assert main(["sessions", "--db", url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["desk"], s["id"], s["patient"]) for s in listed] == [
        ("desk-a", 1, "Ann Example (MRN-A)"),
        ("desk-b", 1, "Ann Example (MRN-B)"),
    ]
    record = load_hub_record(url, HubAddress("desk-b", 1))
    assert record.desk == "desk-b" and record.patient is not None and record.patient.mrn == "MRN-B"
    assert record.series["HR"].value[0] == 90.0


def test_an_address_names_a_desk_and_an_id() -> None:
    assert parse_address("desk-a:12") == HubAddress("desk-a", 12)
    assert parse_address("ward:2:7") == HubAddress("ward:2", 7)  # the id is after the last colon
    for bad in ("12", "desk-a", "desk-a:", ":3", "desk-a:x"):
        with pytest.raises(ValueError, match="DESK:ID"):
            parse_address(bad)


def test_an_export_asks_for_desk_and_id_on_the_hub_and_says_what_is_missing(two_desks, tmp_path, capsys) -> None:
    _a, _b, url = two_desks
    assert main(["export", "--db", url, "--session", "1", "--format", "csv", "--out", str(tmp_path / "x")]) == 2
    assert "DESK:ID" in capsys.readouterr().err
    assert main(["export", "--db", url, "--session", "desk-c:1", "--format", "csv", "--out", str(tmp_path / "x")]) == 2
    assert "no session desk-c:1 on the clinic database" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_verify_checks_each_desks_chain_and_names_the_desk_and_row_tampered_with(
    two_desks, pg_dsn: str, capsys
) -> None:
    _a, _b, url = two_desks
    assert main(["verify", url]) == 0
    out = capsys.readouterr().out
    assert "desk desk-a: audit trail intact (8 audit rows, 8 entries)" in out
    assert "desk desk-b: audit trail intact (8 audit rows, 8 entries)" in out
    with psycopg.connect(pg_dsn, autocommit=True) as superuser:  # behind the program's back: desks cannot UPDATE
        superuser.execute("UPDATE audit SET who = 'XX' WHERE desk = 'desk-b' AND id = 3")
    assert main(["verify", url]) == 1
    out = capsys.readouterr().out
    assert "desk desk-a: audit trail intact" in out
    assert "desk desk-b: ALTERED: audit row 3 (entry 3) was altered" in out
    with psycopg.connect(pg_dsn, autocommit=True) as superuser:
        superuser.execute("UPDATE entries SET payload = '{\"scale\": \"pain\", \"score\": 2}' WHERE desk = 'desk-a'"
                          " AND id = 6")
    assert main(["verify", url]) == 1
    assert "desk desk-a: ALTERED: entry 6 differs from its audit row (altered)" in capsys.readouterr().out


def test_the_hub_verifies_without_any_desks_key(two_desks, tmp_path: Path, monkeypatch, capsys) -> None:
    """The server holds no desk's key (issue 18): another key file changes nothing there, and it says what it could
    not check."""
    _a, _b, url = two_desks
    monkeypatch.setenv("INFUSION_MONITOR_KEY_FILE", str(tmp_path / "the-hubs-own.key"))
    cli_user(monkeypatch, default_db_path(), "HB")  # an account peppered with this computer's key
    assert main(["verify", url]) == 0
    assert ("desk desk-a: audit trail intact (8 audit rows, 8 entries); 8 keyed rows: their own hashes need the desk's"
            " key (`verify` at the desk)" in capsys.readouterr().out)


def test_a_password_in_the_dsn_is_never_printed(two_desks, tmp_path: Path, capsys) -> None:
    _a, _b, url = two_desks
    assert READER_PASSWORD in url
    assert main(["verify", url]) == 0
    assert main(["sessions", "--db", url]) == 0
    no_such_db = url.rsplit("/", 1)[0] + "/no_such_database"
    assert main(["sessions", "--db", no_such_db]) == 2  # a failure names the database, without the password
    printed = capsys.readouterr()
    assert "cannot read the clinic database" in printed.err and "user=office" in printed.err
    assert "no_such_database" in printed.err
    assert READER_PASSWORD not in printed.out + printed.err
    assert READER_PASSWORD not in masked(url) and "user=office" in masked(url)


def test_the_reader_role_may_read_and_nothing_else(two_desks) -> None:
    _a, _b, url = two_desks
    with psycopg.connect(url, autocommit=True) as office:
        assert office.execute("SELECT count(*) FROM sessions").fetchone() == (2,)
        for statement in (
            "INSERT INTO sessions (desk, id, started_at, source, protocol) VALUES ('x', 1, 0, 's', 'p')",
            "UPDATE audit SET who = 'XX'",
            "DELETE FROM entries",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                office.execute(statement)


def test_the_course_view_on_the_hub_is_the_local_one_naming_the_desk(two_desks) -> None:
    a, _b, url = two_desks
    local = course_summary(a, 1)
    hub = hub_course_summary(url, "desk-a", 1)
    assert [s.desk for s in hub] == ["desk-a"]
    assert [(s.session_id, s.total_mg, s.end_pain, s.baseline_pain) for s in hub] == [
        (s.session_id, s.total_mg, s.end_pain, s.baseline_pain) for s in local
    ]


def course_id_at(path: Path, session_id: int) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT course_id FROM sessions WHERE id = ?", (session_id,)).fetchone()[0]


def test_a_course_continued_at_another_desk_is_one_course_on_the_hub(pg_dsn: str, tmp_path: Path) -> None:
    """Desk a starts the course; desk b, finding the patient in the clinic's list, records the next session in it.
    Read from the hub, the course view has both sessions (desk named) and the review counts them together."""
    a, b = tmp_path / "desk-a.sqlite3", tmp_path / "desk-b.sqlite3"
    record_desk(a, 60.0, "MRN-A")
    ship_as_desk(a, pg_dsn, "desk-a")
    clinic_b = ClinicPatients(desk_dsn(pg_dsn, "desk_b"))
    try:
        (patient,) = clinic_b.search("MRN-A").result(10).patients
        (course,) = clinic_b.courses_of(patient.uid).result(10)
    finally:
        clinic_b.close()
    sid_b = record_desk(b, 90.0, None, t0=T0 + 7 * 86400, pain=4)  # a week later
    with SessionWriter(b) as writer:
        CourseService(writer).assign_clinic_course(sid_b, patient, course).result(5)
    ship_as_desk(b, pg_dsn, "desk-b")
    url = as_url(pg_dsn)
    summary = hub_course_summary(url, "desk-a", 1)
    assert [(s.desk, s.session_id) for s in summary] == [("desk-a", 1), ("desk-b", sid_b)]
    assert summary == hub_course_summary(url, "desk-b", course_id_at(b, sid_b)), "the same course from either desk"
    assert [s.end_pain for s in summary] == [3, 4]
    record = load_hub_record(url, HubAddress("desk-b", sid_b))
    assert record.patient is not None and record.patient.mrn == "MRN-A"
    assert record.course_position == (2, 2)
    assert load_hub_record(url, HubAddress("desk-a", 1)).course_position == (1, 2)


def test_entries_shipped_ahead_of_their_audit_rows_are_in_flight_not_tampering(
    pg_dsn: str, tmp_path: Path, capsys
) -> None:
    """A replication interrupted between a batch's entries and their audit rows: verify says so, and does not cry
    tampering over rows that are merely on their way."""
    a = tmp_path / "desk-a.sqlite3"
    record_desk(a, 60.0, "MRN-A")
    with sqlite3.connect(a) as conn:
        before_audit = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                           for t in SHIP_ORDER[: SHIP_ORDER.index("audit")])
    local = store.connect(a)
    try:
        with psycopg.connect(desk_dsn(pg_dsn, "desk_a"), autocommit=True) as hub:
            assert ship_pending(local, hub, "desk-a", max_rows=before_audit + 3).shipped["audit"] == 3
    finally:
        local.close()
    assert main(["verify", as_url(pg_dsn)]) == 0
    assert ("desk desk-a: audit trail intact (3 audit rows, 3 entries); 5 entries awaiting their audit rows"
            in capsys.readouterr().out)
    ship_as_desk(a, pg_dsn, "desk-a")
    assert main(["verify", as_url(pg_dsn)]) == 0
    assert ("desk desk-a: audit trail intact (8 audit rows, 8 entries); 8 keyed rows: their own hashes need the desk's"
            " key (`verify` at the desk)\n" in capsys.readouterr().out)  # the hub has no desk's key: says so
