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
    assert not result.ok
    assert result.problem == "audit row 2 (entry 2) was altered (its fields differ from the entry it records)"


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


def test_rows_are_keyed_with_the_desk_key(db_with_entries: Path) -> None:
    conn = connect(db_with_entries)
    hashes = [r[0] for r in conn.execute("SELECT hash FROM audit ORDER BY id")]
    assert all(h.startswith("hmac:") for h in hashes)
    result = verify(conn)
    assert result.ok and result.unkeyed == 0 and result.unchecked == 0


def test_an_edit_only_the_key_can_see_is_found(db_with_entries: Path) -> None:
    """`previous` (what an amendment replaced) is in no entry: only the keyed hash proves it."""
    conn = _raw(db_with_entries)
    conn.execute("""UPDATE audit SET previous = '{"payload":{"scale":"pain","score":9}}' WHERE id = 3""")
    assert verify(conn).problem == "audit row 3 (entry 3) was altered, or re-chained without this desk's key"
    assert verify(conn, key=None).ok and verify(conn, key=None).unchecked == 4  # the hub: no key, says so


def test_a_copy_rechained_without_the_key_is_found(db_with_entries: Path) -> None:
    """Whoever copies the file can recompute a plain sha256 chain over an edited row; without the key it fails."""
    from monitor.storage import audit

    conn = _raw(db_with_entries)
    conn.execute("""UPDATE audit SET previous = '{"payload":{"scale":"pain","score":9}}' WHERE id = 3""")
    prev = audit.GENESIS
    rows = conn.execute("SELECT id, entry_id, at, who, action, what, previous FROM audit ORDER BY id").fetchall()
    for aid, entry_id, at, who, action, what, previous in rows:  # re-chained as the old, unkeyed chain
        fields = {"entry_id": entry_id, "at": at, "who": who, "action": action, "what": what, "previous": previous}
        digest = audit._hash(prev, audit._canonical(fields))
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, aid))
        prev = digest
    result = verify(conn)
    assert result.ok and result.unkeyed == 4, "a fully unkeyed chain passes as an old one: the anchor catches it"
    # ... keyed with a key of the forger's own: refused
    prev = audit.GENESIS
    for aid, entry_id, at, who, action, what, previous in rows:
        fields = {"entry_id": entry_id, "at": at, "who": who, "action": action, "what": what, "previous": previous}
        digest = audit._keyed_hash(b"f" * 32, prev, audit._canonical(fields))
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, aid))
        prev = digest
    assert verify(conn).problem == "audit row 1 (entry 1) was altered, or re-chained without this desk's key"


def test_old_unkeyed_rows_verify_as_such_and_may_not_follow_keyed_ones(db_with_entries: Path, capsys) -> None:
    from monitor.storage import audit

    conn = _raw(db_with_entries)
    prev = audit.GENESIS
    rows = conn.execute("SELECT id, entry_id, at, who, action, what, previous FROM audit ORDER BY id").fetchall()
    for aid, entry_id, at, who, action, what, previous in rows[:2]:  # two rows from before the key existed
        fields = {"entry_id": entry_id, "at": at, "who": who, "action": action, "what": what, "previous": previous}
        digest = audit._hash(prev, audit._canonical(fields))
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, aid))
        prev = digest
    key = audit.desk_key()
    for aid, entry_id, at, who, action, what, previous in rows[2:]:
        fields = {"entry_id": entry_id, "at": at, "who": who, "action": action, "what": what, "previous": previous}
        digest = audit._keyed_hash(key, prev, audit._canonical(fields))
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, aid))
        prev = digest
    result = verify(conn)
    assert result.ok and result.unkeyed == 2
    from monitor.storage.chain_anchor import anchor_file

    anchor_file(conn).unlink()  # a database from before the anchor: nothing outside the file to compare with
    for name, op, table in (("audit_is_append_only_update", "UPDATE", "audit"),
                            ("audit_is_append_only_delete", "DELETE", "audit"),
                            ("entries_are_append_only_update", "UPDATE", "entries")):  # _raw dropped them
        conn.execute(f"CREATE TRIGGER {name} BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, 'x'); END")
    assert main(["verify", str(db_with_entries)]) == 0
    assert "2 older rows unkeyed (before the desk key): proven against an edit, not against a re-chaining" \
        in capsys.readouterr().out
    conn.execute("DROP TRIGGER audit_is_append_only_update")
    fields = dict(zip(("entry_id", "at", "who", "action", "what", "previous"), rows[3][1:], strict=True))
    plain = audit._hash(conn.execute("SELECT hash FROM audit WHERE id = 3").fetchone()[0], audit._canonical(fields))
    conn.execute("UPDATE audit SET hash = ? WHERE id = 4", (plain,))
    assert verify(conn).problem == "audit row 4: unkeyed after keyed rows (re-chained without the desk's key)"


def test_a_cut_tail_is_found_by_the_anchor_outside_the_file(db_with_entries: Path, capsys) -> None:
    """Deleting the newest rows leaves a shorter chain that verifies; the head kept beside the key does not agree."""
    conn = _raw(db_with_entries)
    conn.execute("DROP TRIGGER entries_are_append_only_delete")
    conn.execute("DELETE FROM audit WHERE id = 4")
    conn.execute("DELETE FROM entries WHERE id = 4")
    assert verify(conn).ok, "the cut chain is consistent in itself"
    assert main(["verify", str(db_with_entries)]) == 1
    assert "CHAIN CUT OR REWRITTEN: audit: row 4 (anchored outside the file" in capsys.readouterr().out


def test_a_rewritten_chain_differs_from_its_anchor(db_with_entries: Path, capsys) -> None:
    from monitor.storage import audit

    conn = _raw(db_with_entries)
    conn.execute("UPDATE entries SET payload = '{\"scale\": \"pain\", \"score\": 2}' WHERE id = 1")
    key = audit.desk_key()  # even with the key (a forger on the desk's own account): the anchor was written before
    prev = audit.GENESIS
    for (aid, entry_id, previous) in conn.execute("SELECT id, entry_id, previous FROM audit ORDER BY id").fetchall():
        what = audit.entry_content(conn, entry_id)
        fields = {"entry_id": entry_id, "at": what["recorded_at"], "who": what["initials"],
                  "action": what["action"], "what": audit._canonical(what), "previous": previous}
        digest = audit._keyed_hash(key, prev, audit._canonical(fields))
        conn.execute("UPDATE audit SET what = ?, prev_hash = ?, hash = ? WHERE id = ?",
                     (fields["what"], prev, digest, aid))
        prev = digest
    assert verify(conn).ok
    assert main(["verify", str(db_with_entries)]) == 1
    assert "audit: row 4 differs from its anchor outside the file" in capsys.readouterr().out


def test_verify_expect_proves_the_paper_and_fails_after_a_rewrite(recorded_session, capsys, monkeypatch) -> None:
    """The PDF prints the session's chain head; `verify --expect` finds it in an intact chain, and not once the chain
    was rewritten (even re-keyed with the desk's own key, e.g. by someone on the desk's account)."""
    from monitor.app.export.report_content import chain_head_text
    from monitor.app.session_record import load_record
    from monitor.storage import audit

    db, sid = recorded_session
    cli_user(monkeypatch, db)
    record = load_record(db, sid)
    printed = chain_head_text(record)
    head = printed.split(" — ")[0]
    assert head.startswith("hmac:") and f"verify --expect {head} --session {sid}" in printed
    assert main(["verify", str(db), "--expect", head, "--session", str(sid)]) == 0
    assert f"MATCHES THE PRINTED RECORD: session {sid}'s audit chain contains the printed head {head}" \
        in capsys.readouterr().out
    assert main(["verify", str(db), "--expect", head, "--session", str(sid + 1)]) == 1  # another session's paper
    capsys.readouterr()

    conn = _raw(db)  # rewrite: an entry changed, the chain recomputed with the desk's key, the anchor removed
    conn.execute("UPDATE entries SET initials = 'XX' WHERE id = 1")
    key = audit.desk_key()
    prev = audit.GENESIS
    for aid, entry_id, previous in conn.execute("SELECT id, entry_id, previous FROM audit ORDER BY id").fetchall():
        what = audit.entry_content(conn, entry_id)
        fields = {"entry_id": entry_id, "at": what["recorded_at"], "who": what["initials"],
                  "action": what["action"], "what": audit._canonical(what), "previous": previous}
        digest = audit._keyed_hash(key, prev, audit._canonical(fields))
        conn.execute("UPDATE audit SET what = ?, who = ?, prev_hash = ?, hash = ? WHERE id = ?",
                     (fields["what"], fields["who"], prev, digest, aid))
        prev = digest
    from monitor.storage.chain_anchor import anchor_file

    anchor_file(conn).unlink()
    assert verify(conn).ok, "the rewritten chain is consistent in itself"
    for name, op, table in (("audit_is_append_only_update", "UPDATE", "audit"),
                            ("audit_is_append_only_delete", "DELETE", "audit"),
                            ("entries_are_append_only_update", "UPDATE", "entries")):
        conn.execute(f"CREATE TRIGGER {name} BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, 'x'); END")
    assert main(["verify", str(db), "--expect", head, "--session", str(sid)]) == 1
    out = capsys.readouterr().out
    assert "audit trail intact" in out and f"DOES NOT MATCH THE PRINTED RECORD: session {sid}'s audit chain" in out
