"""The audit trail: one append-only, hash-chained row for every create, amend and strike of a nurse entry.

Written in the same transaction as the entry itself, so an entry never exists without its audit row. Each row's
hash covers its own content and the previous row's hash; changing, removing or reordering any row breaks the
chain from there on, and `verify` names the first row that no longer matches. Entries are checked against the
audit rows too, so an entry edited behind the program's back (triggers dropped) is found as well.

Keyed (issue 18): a row's hash is an HMAC-SHA256 with the desk key (storage.desk_key, kept outside the database),
stored as "hmac:<hex>", so whoever copies the file cannot edit a row and re-chain the rest without the key. Rows
written before the key existed keep their plain sha256 and are verified as such, and counted (`unkeyed`): they are
proven against an edit, not against a re-chaining. A plain row after a keyed one is refused (a re-chaining without
the key). Without the key (the clinic database) the chain's links and every entry against its audit row are still
checked, but not the keyed rows' own hashes (`unchecked`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

from monitor.storage.desk_key import desk_key

GENESIS = "0" * 64
KEYED = "hmac:"


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hash(prev_hash: str, body: str) -> str:
    """The unkeyed hash of the rows written before the chain was keyed."""
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _keyed_hash(key: bytes, prev_hash: str, body: str) -> str:
    return KEYED + hmac.new(key, f"{prev_hash}\n{body}".encode(), hashlib.sha256).hexdigest()


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
    digest = _keyed_hash(desk_key(), prev_hash, _canonical(fields))
    conn.execute(
        "INSERT INTO audit (entry_id, at, who, action, what, previous, prev_hash, hash)"
        " VALUES (:entry_id, :at, :who, :action, :what, :previous, :prev_hash, :hash)",
        fields | {"prev_hash": prev_hash, "hash": digest},
    )
    return digest


def _agrees(fields: dict[str, Any]) -> bool:
    """The row's own columns say what its recorded entry (`what`) says, as `append` writes them."""
    try:
        what = json.loads(fields["what"])
    except (TypeError, ValueError):
        return False
    return isinstance(what, dict) and (what.get("entry_id"), what.get("recorded_at"), what.get("initials"),
                                       what.get("action")) == (fields["entry_id"], fields["at"], fields["who"],
                                                               fields["action"])


def session_heads(conn: sqlite3.Connection, session_id: int) -> list[str]:
    """The hashes of the audit rows of a session's entries, oldest first: the last is the head a record printed
    now carries; a record printed earlier carries an earlier one (later corrections move the head on)."""
    return [r[0] for r in conn.execute(
        "SELECT a.hash FROM audit a JOIN entries e ON e.id = a.entry_id WHERE e.session_id = ? ORDER BY a.id",
        (session_id,),
    )]


@dataclass(frozen=True, slots=True)
class VerifyResult:
    rows: int
    entries: int
    problem: str | None = None  # None: the chain is intact and every entry matches its audit row
    unkeyed: int = 0  # rows from before the chain was keyed: proven against an edit, not against a re-chaining
    unchecked: int = 0  # keyed rows whose own hash could not be checked (verified without the desk key)

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(conn: sqlite3.Connection, key: bytes | Literal["desk"] | None = "desk") -> VerifyResult:
    """Walk the chain from the first row; report the first row (or entry) that was altered. `key`: the desk's own
    key by default; None where there is none (the clinic database): keyed rows' hashes are then not checked."""
    key = desk_key() if key == "desk" else key
    prev_hash = GENESIS
    rows = conn.execute("SELECT id, entry_id, at, who, action, what, previous, prev_hash, hash FROM audit ORDER BY id")
    audited: dict[int, str] = {}
    n = unkeyed = unchecked = 0
    for aid, entry_id, at, who, action, what, previous, stored_prev, stored_hash in rows:
        n += 1
        fields = {"entry_id": entry_id, "at": at, "who": who, "action": action, "what": what, "previous": previous}
        if stored_prev != prev_hash:
            return VerifyResult(n, len(audited), f"audit row {aid}: the row before it was removed or altered")
        body = _canonical(fields)
        if not _agrees(fields):  # checkable without the key: who/when/what of the row are the entry's own
            return VerifyResult(n, len(audited), f"audit row {aid} (entry {entry_id}) was altered (its fields "
                                "differ from the entry it records)", unkeyed, unchecked)
        if stored_hash.startswith(KEYED):
            if key is None:
                unchecked += 1
            elif not hmac.compare_digest(_keyed_hash(key, prev_hash, body), stored_hash):
                return VerifyResult(
                    n, len(audited), f"audit row {aid} (entry {entry_id}) was altered, or re-chained without this "
                    "desk's key"
                )
        elif prev_hash.startswith(KEYED):
            return VerifyResult(n, len(audited), f"audit row {aid}: unkeyed after keyed rows (re-chained without "
                                "the desk's key)")
        elif _hash(prev_hash, body) != stored_hash:
            return VerifyResult(n, len(audited), f"audit row {aid} (entry {entry_id}) was altered")
        else:
            unkeyed += 1
        audited[entry_id] = what
        prev_hash = stored_hash
    entry_ids = [r[0] for r in conn.execute("SELECT id FROM entries ORDER BY id")]
    for entry_id in entry_ids:
        if entry_id not in audited:
            return VerifyResult(n, len(entry_ids), f"entry {entry_id} has no audit row (added behind the program)",
                                unkeyed, unchecked)
        if _canonical(entry_content(conn, entry_id)) != audited[entry_id]:
            return VerifyResult(n, len(entry_ids), f"entry {entry_id} differs from its audit row (altered)", unkeyed,
                                unchecked)
    missing = set(audited) - set(entry_ids)
    if missing:
        return VerifyResult(n, len(entry_ids), f"entry {min(missing)} was deleted", unkeyed, unchecked)
    return VerifyResult(n, len(entry_ids), None, unkeyed, unchecked)
