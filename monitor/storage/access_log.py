"""The access log: who opened, printed or exported which patient's record (issue 18, point 5).

Append-only (triggers, schema migration 12) and hash-chained like the audit, but keyed: each row's hash is an
HMAC-SHA256, with the desk key (storage.desk_key, kept outside the database), over its content and the previous
row's hash. Whoever copies or edits the file can delete or change a row, but cannot recompute the chain without
the key, so `verify` finds the first row that no longer matches. Written by the program's doors to a record
(review, course view, PDF / CSV / FHIR export, the command line's export); read per patient by an administrator
(`infusion-monitor access-log --patient MRN`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum

from monitor.storage.chain_anchor import record_heads
from monitor.storage.desk_key import desk_key

GENESIS = "0" * 64
log = logging.getLogger(__name__)


class AccessAction(StrEnum):
    REVIEW = "review"  # a session's record opened on screen
    COURSE_VIEW = "course view"
    PDF = "pdf"
    CSV = "csv"
    FHIR = "fhir"
    EXPORT = "export"  # any other export format (named in the target's log line by the caller)


def session_target(session_id: int) -> str:
    return f"session:{session_id}"


def course_target(course_id: int) -> str:
    return f"course:{course_id}"


@dataclass(frozen=True, slots=True)
class AccessRow:
    id: int
    at: float
    who: str
    action: str
    target: str


def _body(at: float, who: str, action: str, target: str) -> str:
    return json.dumps({"at": at, "who": who, "action": action, "target": target}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


def _mac(key: bytes, prev_hash: str, body: str) -> str:
    return hmac.new(key, f"{prev_hash}\n{body}".encode(), hashlib.sha256).hexdigest()


def record_access(conn: sqlite3.Connection, who: str, action: AccessAction | str, target: str,
                  at: float | None = None) -> str:
    """Append one row (its own transaction unless the caller has one open); returns its hash."""
    if not who:
        raise ValueError("an access is recorded with the signed-in account's initials")
    at = time.time() if at is None else at
    action = AccessAction(action).value
    key = desk_key()
    own = not conn.in_transaction
    if own:  # the chain's last hash and the new row in one write transaction: two writers never fork the chain
        conn.execute("BEGIN IMMEDIATE")
    try:
        last = conn.execute("SELECT hash FROM access_log ORDER BY id DESC LIMIT 1").fetchone()
        prev_hash = last[0] if last else GENESIS
        digest = _mac(key, prev_hash, _body(at, who, action, target))
        conn.execute(
            "INSERT INTO access_log (at, who, action, target, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
            (at, who, action, target, prev_hash, digest),
        )
    except BaseException:
        if own:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
        try:  # the new head outside the file: a cut tail is detected (storage.chain_anchor)
            record_heads(conn)
        except OSError as exc:  # the row is recorded; only the cut-tail check misses it: said, not raised
            log.error("could not anchor the access log's head outside the database: %s", exc)
    return digest


@dataclass(frozen=True, slots=True)
class AccessVerify:
    rows: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_access(conn: sqlite3.Connection, key: bytes | None = None) -> AccessVerify:
    """Walk the chain with the desk key; the first row removed, reordered, altered or re-chained without the key."""
    key = desk_key() if key is None else key
    prev_hash = GENESIS
    n = 0
    for rid, at, who, action, target, stored_prev, stored_hash in conn.execute(
        "SELECT id, at, who, action, target, prev_hash, hash FROM access_log ORDER BY id"
    ):
        n += 1
        if stored_prev != prev_hash:
            return AccessVerify(n, f"access-log row {rid}: the row before it was removed or altered")
        if not hmac.compare_digest(_mac(key, prev_hash, _body(at, who, action, target)), stored_hash):
            return AccessVerify(n, f"access-log row {rid} was altered, or re-chained without this desk's key")
        prev_hash = stored_hash
    return AccessVerify(n)


def accesses_of_patient(conn: sqlite3.Connection, mrn: str) -> list[AccessRow]:
    """Every access to the patient's courses and their sessions, oldest first. KeyError: no such MRN here."""
    patients = [r[0] for r in conn.execute("SELECT id FROM patients WHERE mrn = ?", (mrn,))]
    if not patients:
        raise KeyError(f"no patient with MRN {mrn}")
    marks = ",".join("?" * len(patients))
    courses = [r[0] for r in conn.execute(f"SELECT id FROM courses WHERE patient_id IN ({marks})", patients)]
    targets = {course_target(c) for c in courses} | {f"patient:{p}" for p in patients}
    if courses:
        cmarks = ",".join("?" * len(courses))
        targets |= {session_target(r[0]) for r in
                    conn.execute(f"SELECT id FROM sessions WHERE course_id IN ({cmarks})", courses)}
    rows = conn.execute("SELECT id, at, who, action, target FROM access_log ORDER BY id")
    return [AccessRow(*r) for r in rows if r[4] in targets]
