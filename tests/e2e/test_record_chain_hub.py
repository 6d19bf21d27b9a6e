"""The record chain on the clinic database (issue 18 point 9, hub migration 8): shipped with the desk's record, append
only for the desk's role, and its links checked by `verify` on the server without the desk's key. Real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from hub_data import as_url, record_desk, ship_as_desk
from hub_desks import desk_dsn

from monitor.cli import main
from monitor.storage import db as store
from monitor.storage.paths import default_db_path
from tests.accounts import cli_user


@pytest.fixture
def shipped(pg_dsn: str, tmp_path: Path) -> Path:
    path = tmp_path / "desk-a.sqlite3"
    record_desk(path, 60.0, "MRN-A")
    ship_as_desk(path, pg_dsn, "desk-a")
    return path


def test_the_record_chain_ships_whole_and_stays_append_only(shipped: Path, pg_dsn: str) -> None:
    local = store.connect(shipped)
    mine = local.execute("SELECT id, covers, row_id, digest, hash FROM record_chain ORDER BY id").fetchall()
    local.close()
    assert {"alarm_events", "patients", "courses", "sessions", "session_samples"} <= {row[1] for row in mine}
    with psycopg.connect(desk_dsn(pg_dsn, "desk_a"), autocommit=True) as hub:
        theirs = hub.execute("SELECT id, covers, row_id, digest, hash FROM record_chain WHERE desk = 'desk-a'"
                             " ORDER BY id").fetchall()
        assert theirs == mine
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            hub.execute("UPDATE record_chain SET digest = 'x'")


def test_the_hub_checks_the_links_without_the_key(shipped: Path, pg_dsn: str, monkeypatch, capsys) -> None:
    cli_user(monkeypatch, default_db_path())
    assert main(["verify", as_url(pg_dsn)]) == 0
    assert "desk desk-a: record chain intact" in capsys.readouterr().out
    with psycopg.connect(pg_dsn, autocommit=True) as superuser:  # behind the program: desks cannot DELETE
        superuser.execute("DELETE FROM record_chain WHERE desk = 'desk-a' AND id = 3")
    assert main(["verify", as_url(pg_dsn)]) == 1
    assert ("desk desk-a: RECORD CHAIN ALTERED: record-chain row 4: the row before it was removed or altered"
            in capsys.readouterr().out)


@pytest.mark.parametrize(("edit", "finding"), [
    ("UPDATE alarm_events SET who = 'XX'", "alarm event 1 (alarm_events) was altered"),
    ("UPDATE sessions SET course_id = NULL", "session (its course link, end or discharge) 1 (sessions) was altered"),
    ("UPDATE patients SET dob = '1990-01-01'", "patient 1 (patients) was altered"),
    ("DELETE FROM courses", "course 1 (courses) was deleted"),
])
def test_the_hub_finds_a_covered_row_edited_there(shipped: Path, pg_dsn: str, monkeypatch, capsys, edit: str,
                                                  finding: str) -> None:
    cli_user(monkeypatch, default_db_path())
    with psycopg.connect(pg_dsn, autocommit=True) as superuser:  # the server's owner, behind the program
        superuser.execute("SET session_replication_role = replica")  # past the server's own triggers too
        superuser.execute(edit)
    assert main(["verify", as_url(pg_dsn)]) == 1
    assert f"desk desk-a: RECORD CHAIN ALTERED: {finding}" in capsys.readouterr().out
