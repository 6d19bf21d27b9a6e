"""The HL7 outbox table (storage.hl7_outbox): idempotent enqueue, order per session, parking, append-only record."""

from __future__ import annotations

import sqlite3

import pytest

from monitor.storage import db as store
from monitor.storage import hl7_outbox as outbox
from monitor.storage.append_only import missing_triggers


@pytest.fixture
def conn(tmp_path):
    conn = store.connect(tmp_path / "local.sqlite")
    for sid in (1, 2):
        conn.execute("INSERT INTO sessions (id, started_at, source, protocol) VALUES (?, 1, 'p', 'dri')", (sid,))
    yield conn
    conn.close()


def put(conn, key: str, session_id: int | None, t: float = 0.0, control_id: str | None = None) -> bool:
    return outbox.enqueue(
        conn,
        key=key,
        session_id=session_id,
        control_id=control_id or f"C-{key}",
        message=f"MSH|{key}",
        covers_t=t,
        queued_at=100.0 + t,
    )


def test_enqueue_is_idempotent_by_key(conn):
    assert put(conn, "s1:vitals:300", 1, 300)
    assert not put(conn, "s1:vitals:300", 1, 300, control_id="another"), "the same key is the same message"
    assert outbox.waiting(conn) == (1, 400.0)
    assert outbox.latest_covered(conn, 1, "s1:vitals:") == 300
    assert outbox.latest_covered(conn, 1, "s1:nibp:") is None


def test_enqueue_inside_the_callers_transaction_rolls_back_with_it(conn):
    conn.execute("BEGIN")
    put(conn, "s1:entry:7", 1)
    conn.execute("ROLLBACK")
    assert outbox.waiting(conn) == (0, None)


def test_order_per_session_and_done_only_on_accept(conn):
    put(conn, "s1:a", 1, 1)
    put(conn, "s2:a", 2, 2)
    put(conn, "s1:b", 1, 3)
    first = outbox.next_due(conn, now=10)
    assert first.key == "s1:a" and not first.unacknowledged
    outbox.record_sent(conn, first.id, 10)
    assert outbox.next_due(conn, 10).key == "s1:a", "sent is not done: the same message, the same control id"
    assert outbox.next_due(conn, 10).unacknowledged
    outbox.record_retry(conn, first.id, 11, outbox.DeliveryEvent.REJECTED, "AR: busy", retry_at=50)
    assert outbox.next_due(conn, 20).key == "s2:a", "session 1 waits for its first message; session 2 goes on"
    outbox.record_accepted(conn, outbox.next_due(conn, 20).id, 20)
    assert outbox.next_due(conn, 20) is None and outbox.next_retry_at(conn) == 50
    again = outbox.next_due(conn, 50)
    assert again.key == "s1:a" and again.control_id == "C-s1:a" and again.attempts == 1
    outbox.record_accepted(conn, again.id, 50)
    assert outbox.next_due(conn, 50).key == "s1:b"
    assert [e for _, e, _ in outbox.history(conn, first.id)] == ["sent", "rejected", "accepted"]


def test_a_parked_message_stays_waiting_and_no_longer_holds_its_session(conn):
    put(conn, "s1:a", 1)
    put(conn, "s1:b", 1, 1)
    head = outbox.next_due(conn, 0)
    outbox.record_parked(conn, head.id, 5, outbox.DeliveryEvent.ERROR, "AE: unknown code")
    assert outbox.next_due(conn, 5).key == "s1:b"
    assert outbox.waiting(conn)[0] == 2
    assert [(p.key, p.reason) for p in outbox.parked(conn)] == [("s1:a", "AE: unknown code")]
    assert outbox.release_parked(conn, 9, "AA") == 1
    assert outbox.next_due(conn, 9).key == "s1:a" and outbox.parked(conn) == []


def test_the_outbox_and_its_history_are_append_only(conn):
    put(conn, "s1:a", 1)
    with pytest.raises(sqlite3.IntegrityError, match="never changed"):
        conn.execute("UPDATE hl7_outbox SET message = 'x'")
    outbox.record_sent(conn, 1, 1)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM hl7_deliveries")
    assert missing_triggers(conn) == []


def test_hl7_outbox_command_lists_and_an_administrator_releases(tmp_path, monkeypatch, capsys):
    """IT reads why a message is parked and puts it back (signed in; a nurse may look, not release)."""
    import io

    from monitor.cli import main
    from monitor.cli.signing_in import NOT_SIGNED_IN
    from monitor.clinical.roles import Role
    from tests.accounts import LONG_SECRET, PIN, make_account

    db = tmp_path / "desk.sqlite3"
    make_account(db, "AA", Role.ADMIN)
    make_account(db, "KM", Role.NURSE)
    conn = store.connect(db)
    conn.execute("INSERT INTO sessions (id, started_at, source, protocol) VALUES (1, 1, 'p', 'dri')")
    put(conn, "s1:entry:43", 1)
    outbox.record_parked(conn, 1, 5, outbox.DeliveryEvent.ERROR, "AE: unknown observation code")
    conn.close()

    def run(user: str, secret: str, *extra: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
        return main(["hl7", "outbox", "--db", str(db), "--user", user, *extra])

    assert run("KM", PIN) == 0
    shown = capsys.readouterr()
    assert "1 message for the EHR not yet accepted" in shown.out
    assert "s1:entry:43  control id C-s1:entry:43  AE: unknown observation code" in shown.out
    assert "hl7 outbox --release" in shown.err
    assert run("KM", PIN, "--release") == NOT_SIGNED_IN, "a nurse does not release"
    assert run("AA", LONG_SECRET, "--release") == 0
    assert "released 1 parked message" in capsys.readouterr().out
    conn = store.connect(db)
    assert outbox.parked(conn) == [] and outbox.next_due(conn, 10).control_id == "C-s1:entry:43"
    assert outbox.history(conn, 1)[-1][1:] == (outbox.DeliveryEvent.RELEASED, "by AA")
    conn.close()
