"""The HL7 outbox (local migration 16): every message for the EHR is stored here before it is sent.

hl7_outbox holds each message as made, never changed (append-only): its `key` says what it covers, so the composer
can enqueue again after a restart without making a second message (`enqueue` returns False); its control id (MSH-10)
is the one every resend carries, so an engine that got a message whose ACK was lost sees the same id twice and keeps
one. hl7_pending is the work list: a message leaves it only when the EHR's ACK says AA. hl7_deliveries is the history
of each message (sent, accepted, error, rejected, failed, parked, released), append-only.

Sending order: per session, by outbox id. A parked message (refused with AE: see app.hl7.sender for the policy) stays
in the outbox and in the backlog, but no longer holds its session's later messages.

Writers here own their transaction (a SAVEPOINT, so they also nest inside a caller's), except `enqueue`, whose
caller owns the connection and the commit.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum


class DeliveryEvent(StrEnum):
    SENT = "sent"  # written before the bytes go out: a crash after it means "maybe delivered, resend the same id"
    ACCEPTED = "accepted"  # ACK AA: done
    ERROR = "error"  # ACK AE
    REJECTED = "rejected"  # ACK AR
    FAILED = "failed"  # no (valid) ACK: connection lost, timeout, garbage, a mismatched MSA-2
    PARKED = "parked"  # set aside for a person (after AE)
    RELEASED = "released"  # a person put a parked message back in line


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    key: str
    session_id: int | None
    control_id: str
    message: str
    covers_t: float
    queued_at: float
    attempts: int  # sends so far
    unacknowledged: bool  # the last event was a send with no answer recorded (a crash, or a lost connection)


@dataclass(frozen=True, slots=True)
class Parked:
    id: int
    key: str
    session_id: int | None
    control_id: str
    parked_at: float
    reason: str


class _Savepoint:
    """One all-or-nothing unit, inside a caller's transaction or on its own."""

    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self.conn, self.name = conn, name

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute(f"SAVEPOINT {self.name}")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.conn.execute(f"ROLLBACK TO {self.name}")
        self.conn.execute(f"RELEASE {self.name}")


def enqueue(
    conn: sqlite3.Connection,
    *,
    key: str,
    session_id: int | None,
    control_id: str,
    message: str,
    covers_t: float,
    queued_at: float | None = None,
) -> bool:
    """Store one message to send. False (nothing stored) when `key` is already in the outbox. The caller owns the
    connection and the commit."""
    with _Savepoint(conn, "hl7_enqueue"):
        if conn.execute("SELECT 1 FROM hl7_outbox WHERE key = ?", (key,)).fetchone() is not None:
            return False
        cur = conn.execute(
            "INSERT INTO hl7_outbox (key, session_id, control_id, message, covers_t, queued_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (key, session_id, control_id, message, covers_t, time.time() if queued_at is None else queued_at),
        )
        conn.execute("INSERT INTO hl7_pending (outbox_id, session_id) VALUES (?, ?)", (cur.lastrowid, session_id))
    return True


def latest_covered(conn: sqlite3.Connection, session_id: int, key_prefix: str) -> float | None:
    """The latest covers_t of the session's messages whose key starts with `key_prefix` (None: none yet)."""
    row = conn.execute(
        "SELECT max(covers_t) FROM hl7_outbox WHERE session_id = ? AND substr(key, 1, ?) = ?",
        (session_id, len(key_prefix), key_prefix),
    ).fetchone()
    return row[0]


def waiting(conn: sqlite3.Connection) -> tuple[int, float | None]:
    """Messages not yet accepted by the EHR (parked ones included), and when the oldest of them was queued."""
    count, oldest = conn.execute(
        "SELECT count(*), min(o.queued_at) FROM hl7_pending p JOIN hl7_outbox o ON o.id = p.outbox_id"
    ).fetchone()
    return count, oldest


_MESSAGE_COLUMNS = (
    "o.id, o.key, o.session_id, o.control_id, o.message, o.covers_t, o.queued_at, p.attempts,"
    " coalesce((SELECT d.event FROM hl7_deliveries d WHERE d.outbox_id = o.id ORDER BY d.id DESC LIMIT 1), '')"
    " = 'sent'"
)


# the first unparked message of each session's line
_HEADS = (
    "p.parked_at IS NULL AND NOT EXISTS (SELECT 1 FROM hl7_pending q WHERE q.session_id IS p.session_id"
    " AND q.outbox_id < p.outbox_id AND q.parked_at IS NULL)"
)


def _message(row: tuple) -> OutboxMessage:
    return OutboxMessage(*row[:8], unacknowledged=bool(row[8]))


def next_due(conn: sqlite3.Connection, now: float) -> OutboxMessage | None:
    """The next message to send: the oldest message that heads its session's line (no earlier unparked message of
    the same session still waiting), is not parked, and whose retry pause is over."""
    row = conn.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM hl7_pending p JOIN hl7_outbox o ON o.id = p.outbox_id"
        f" WHERE {_HEADS} AND p.next_try_at <= ? ORDER BY p.outbox_id LIMIT 1",
        (now,),
    ).fetchone()
    return None if row is None else _message(row)


def next_retry_at(conn: sqlite3.Connection) -> float | None:
    """When the first message of a session's line may be sent next (None: nothing in line)."""
    return conn.execute(f"SELECT min(p.next_try_at) FROM hl7_pending p WHERE {_HEADS}").fetchone()[0]


def _event(conn: sqlite3.Connection, outbox_id: int, at: float, event: DeliveryEvent, detail: str) -> None:
    conn.execute(
        "INSERT INTO hl7_deliveries (outbox_id, at, event, detail) VALUES (?, ?, ?, ?)",
        (outbox_id, at, event.value, detail),
    )


def record_sent(conn: sqlite3.Connection, outbox_id: int, at: float, detail: str = "") -> None:
    """Committed before the message's bytes go out."""
    with _Savepoint(conn, "hl7_sent"):
        _event(conn, outbox_id, at, DeliveryEvent.SENT, detail)
        conn.execute("UPDATE hl7_pending SET attempts = attempts + 1 WHERE outbox_id = ?", (outbox_id,))


def record_accepted(conn: sqlite3.Connection, outbox_id: int, at: float, detail: str = "") -> None:
    """ACK AA: the message is done."""
    with _Savepoint(conn, "hl7_accepted"):
        _event(conn, outbox_id, at, DeliveryEvent.ACCEPTED, detail)
        conn.execute("DELETE FROM hl7_pending WHERE outbox_id = ?", (outbox_id,))


def record_retry(
    conn: sqlite3.Connection, outbox_id: int, at: float, event: DeliveryEvent, reason: str, retry_at: float
) -> None:
    """A refusal or failure after which the same message (same control id) is sent again, not before retry_at."""
    with _Savepoint(conn, "hl7_retry"):
        _event(conn, outbox_id, at, event, reason)
        conn.execute(
            "UPDATE hl7_pending SET next_try_at = ?, reason = ? WHERE outbox_id = ?", (retry_at, reason, outbox_id)
        )


def record_parked(conn: sqlite3.Connection, outbox_id: int, at: float, event: DeliveryEvent, reason: str) -> None:
    """A refusal the same message cannot get past (AE): kept and shown, no longer holding its session's line."""
    with _Savepoint(conn, "hl7_parked"):
        _event(conn, outbox_id, at, event, reason)
        _event(conn, outbox_id, at, DeliveryEvent.PARKED, reason)
        conn.execute("UPDATE hl7_pending SET parked_at = ?, reason = ? WHERE outbox_id = ?", (at, reason, outbox_id))


def parked(conn: sqlite3.Connection) -> list[Parked]:
    rows = conn.execute(
        "SELECT o.id, o.key, o.session_id, o.control_id, p.parked_at, p.reason"
        " FROM hl7_pending p JOIN hl7_outbox o ON o.id = p.outbox_id WHERE p.parked_at IS NOT NULL ORDER BY o.id"
    )
    return [Parked(*row) for row in rows]


def release_parked(conn: sqlite3.Connection, at: float, by: str) -> int:
    """Put every parked message back in line (after IT fixed what the EHR refused); returns how many."""
    with _Savepoint(conn, "hl7_release"):
        ids = [r[0] for r in conn.execute("SELECT outbox_id FROM hl7_pending WHERE parked_at IS NOT NULL")]
        for outbox_id in ids:
            _event(conn, outbox_id, at, DeliveryEvent.RELEASED, f"by {by}")
        conn.execute("UPDATE hl7_pending SET parked_at = NULL, next_try_at = 0 WHERE parked_at IS NOT NULL")
    return len(ids)


def history(conn: sqlite3.Connection, outbox_id: int) -> list[tuple[float, DeliveryEvent, str]]:
    rows = conn.execute("SELECT at, event, detail FROM hl7_deliveries WHERE outbox_id = ? ORDER BY id", (outbox_id,))
    return [(at, DeliveryEvent(event), detail) for at, event, detail in rows]
