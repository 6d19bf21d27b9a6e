"""The audit trail: one append-only, hash-chained row for every create, amend and strike of a nurse entry.

Written in the same transaction as the entry itself, so an entry never exists without its audit row. Each row's
hash covers its own content and the previous row's hash; changing, removing or reordering any row breaks the
chain from there on, and `verify` names the first row that no longer matches. Entries are checked against the
audit rows too, so an entry edited behind the program's back (triggers dropped) is found as well.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def entry_content(conn: sqlite3.Connection, entry_id: int) -> dict[str, Any]:
    """What an entry row says, as the audit records it."""
    row = conn.execute(
        "SELECT session_id, kind, t, recorded_at, initials, payload, action, target_id, reason FROM entries"
        " WHERE id = ?",
        (entry_id,),
    ).fetchone()
    if row is None:
        raise KeyError(f"no entry {entry_id}")
    sid, kind, t, recorded_at, initials, payload, action, target_id, reason = row
    return {
        "entry_id": entry_id,
        "session_id": sid,
        "kind": kind,
        "t": t,
        "recorded_at": recorded_at,
        "initials": initials,
        "payload": json.loads(payload),
        "action": action,
        "target_id": target_id,
        "reason": reason,
    }


def _previous_value(conn: sqlite3.Connection, target_id: int | None, before_id: int) -> dict[str, Any] | None:
    """The content an amendment or strike replaced: the target's latest amendment before it, or the original."""
    if target_id is None:
        return None
    row = conn.execute(
        "SELECT t, payload FROM entries WHERE (id = ? OR (target_id = ? AND action = 'amend')) AND id < ?"
        " ORDER BY id DESC LIMIT 1",
        (target_id, target_id, before_id),
    ).fetchone()
    return {"t": row[0], "payload": json.loads(row[1])} if row else None


def append(conn: sqlite3.Connection, entry_id: int) -> str:
    """Add the audit row for a just-inserted entry (inside the caller's transaction); returns its hash."""
    what = entry_content(conn, entry_id)
    previous = _previous_value(conn, what["target_id"], entry_id)
    last = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    prev_hash = last[0] if last else GENESIS
    fields = {
        "entry_id": entry_id,
        "at": what["recorded_at"],
        "who": what["initials"],
        "action": what["action"],
        "what": _canonical(what),
        "previous": _canonical(previous) if previous is not None else None,
    }
    digest = _hash(prev_hash, _canonical(fields))
    conn.execute(
        "INSERT INTO audit (entry_id, at, who, action, what, previous, prev_hash, hash)"
        " VALUES (:entry_id, :at, :who, :action, :what, :previous, :prev_hash, :hash)",
        fields | {"prev_hash": prev_hash, "hash": digest},
    )
    return digest


@dataclass(frozen=True, slots=True)
class VerifyResult:
    rows: int
    entries: int
    problem: str | None = None  # None: the chain is intact and every entry matches its audit row

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(conn: sqlite3.Connection) -> VerifyResult:
    """Walk the chain from the first row; report the first row (or entry) that was altered."""
    prev_hash = GENESIS
    rows = conn.execute("SELECT id, entry_id, at, who, action, what, previous, prev_hash, hash FROM audit ORDER BY id")
    audited: dict[int, str] = {}
    n = 0
    for aid, entry_id, at, who, action, what, previous, stored_prev, stored_hash in rows:
        n += 1
        fields = {"entry_id": entry_id, "at": at, "who": who, "action": action, "what": what, "previous": previous}
        if stored_prev != prev_hash:
            return VerifyResult(n, len(audited), f"audit row {aid}: the row before it was removed or altered")
        if _hash(prev_hash, _canonical(fields)) != stored_hash:
            return VerifyResult(n, len(audited), f"audit row {aid} (entry {entry_id}) was altered")
        audited[entry_id] = what
        prev_hash = stored_hash
    entry_ids = [r[0] for r in conn.execute("SELECT id FROM entries ORDER BY id")]
    for entry_id in entry_ids:
        if entry_id not in audited:
            return VerifyResult(n, len(entry_ids), f"entry {entry_id} has no audit row (added behind the program)")
        if _canonical(entry_content(conn, entry_id)) != audited[entry_id]:
            return VerifyResult(n, len(entry_ids), f"entry {entry_id} differs from its audit row (altered)")
    missing = set(audited) - set(entry_ids)
    if missing:
        return VerifyResult(n, len(entry_ids), f"entry {min(missing)} was deleted")
    return VerifyResult(n, len(entry_ids))
