"""The audit trail: every create, amend and strike is a hash-chained row; `verify` finds what was altered."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from monitor.app.session_service import SessionService
from monitor.cli import main
from monitor.clinical.entries import EntryKind
from monitor.storage.audit import verify
from monitor.storage.db import connect
from monitor.storage.writer import SessionWriter
from tests.accounts import cli_user


@pytest.fixture
def db_with_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "audit.sqlite3"
    with SessionWriter(db) as writer:
        t0 = 1_700_000_000.0
        sid = writer.open_session("sim", "datex-s5", started_at=t0)
        service = SessionService(writer, sid, t0, clock=lambda: t0 + 600, initials="AB")
        first = service.record(EntryKind.SCORE, {"scale": "pain", "score": 7}, t=t0 + 60).result(5)
        second = service.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"}).result(5)
        service.amend(first.id, {"scale": "pain", "score": 6}, "misheard").result(5)
        service.strike(second.id, "wrong patient").result(5)
    cli_user(monkeypatch, db)  # `verify` signs in (issue 18)
    return db


def _raw(db: Path) -> sqlite3.Connection:
    """A connection that behaves like someone editing the file behind the program's back."""
    conn = sqlite3.connect(db, isolation_level=None)
    for name in ("audit_is_append_only_update", "audit_is_append_only_delete", "entries_are_append_only_update"):
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def test_every_change_has_an_audit_row_with_who_when_what_and_previous(db_with_entries: Path) -> None:
    conn = connect(db_with_entries)
    rows = conn.execute("SELECT entry_id, who, action, what, previous FROM audit ORDER BY id").fetchall()
    assert [(r[1], r[2]) for r in rows] == [("AB", "create"), ("AB", "create"), ("AB", "amend"), ("AB", "strike")]
    assert json.loads(rows[2][4])["payload"] == {"scale": "pain", "score": 7}, "the amendment keeps what it replaced"
    assert json.loads(rows[3][3])["reason"] == "wrong patient"
    assert verify(conn).ok and verify(conn).rows == 4
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET who = 'XX'")
    conn.close()


def test_verify_reports_the_first_altered_row(db_with_entries: Path) -> None:
    conn = _raw(db_with_entries)
    conn.execute("UPDATE audit SET who = 'ZZ' WHERE id = 2")
    result = verify(conn)
    assert not result.ok and result.problem == "audit row 2 (entry 2) was altered"


def test_verify_finds_an_entry_edited_behind_the_program(db_with_entries: Path) -> None:
    conn = _raw(db_with_entries)
    conn.execute("""UPDATE entries SET payload = '{"scale": "pain", "score": 2}' WHERE id = 1""")
    assert verify(conn).problem == "entry 1 differs from its audit row (altered)"


def test_verify_finds_a_removed_audit_row(db_with_entries: Path) -> None:
    conn = _raw(db_with_entries)
    conn.execute("DELETE FROM audit WHERE id = 3")
    assert verify(conn).problem == "audit row 4: the row before it was removed or altered"


def test_verify_command(db_with_entries: Path, capsys) -> None:
    assert main(["verify", str(db_with_entries)]) == 0
    assert "intact" in capsys.readouterr().out
    _raw(db_with_entries).execute("UPDATE audit SET at = at + 1 WHERE id = 1")
    assert main(["verify", str(db_with_entries)]) == 1
    assert "audit row 1 (entry 1) was altered" in capsys.readouterr().out


def test_verify_finds_an_entry_inserted_behind_the_program(db_with_entries: Path) -> None:
    conn = _raw(db_with_entries)
    conn.execute(
        "INSERT INTO entries (session_id, kind, t, recorded_at, initials, payload, action, target_id, reason)"
        """ SELECT session_id, kind, t, recorded_at, initials, '{"scale": "pain", "score": 0}', 'create', NULL, ''"""
        " FROM entries WHERE id = 1"
    )
    assert verify(conn).problem == "entry 5 has no audit row (added behind the program)"
    assert main(["verify", str(db_with_entries)]) != 0


def test_verify_finds_an_entry_deleted_behind_the_program(db_with_entries: Path) -> None:
    conn = _raw(db_with_entries)
    conn.execute("DROP TRIGGER entries_are_append_only_delete")
    conn.execute("DELETE FROM entries WHERE id = 2")  # the struck side effect, and with it its strike's target
    result = verify(conn)
    assert not result.ok and result.problem == "entry 2 was deleted"
    assert main(["verify", str(db_with_entries)]) != 0


def test_an_amendment_keeps_the_time_and_content_it_replaced(db_with_entries: Path) -> None:
    conn = connect(db_with_entries)
    (previous,) = conn.execute("SELECT previous FROM audit WHERE action = 'amend'").fetchone()
    conn.close()
    assert json.loads(previous) == {"t": 1_700_000_060.0, "payload": {"scale": "pain", "score": 7}}
