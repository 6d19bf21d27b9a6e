"""The accounts table and its append-only event log (schema migration 11). Plain SQL: hashing and the rules live in
app.accounts; nothing here ever sees a secret, only its hash, and no hash is ever written to account_events."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

_COLUMNS = "id, name, initials, role, active, secret_hash, failed, lockouts, locked_until"


@dataclass(frozen=True, slots=True)
class StoredAccount:
    """A row of accounts; `role` is clinical.roles.Role's value (storage does not import clinical)."""

    id: int
    name: str
    initials: str
    role: str
    active: bool
    secret_hash: str
    failed: int  # wrong secrets since the last success or lockout
    lockouts: int  # lockouts since the last success: each one doubles the next lock time
    locked_until: float | None


def _stored(row: tuple) -> StoredAccount:
    return StoredAccount(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6], row[7], row[8])


_CLINIC = " AND clinic_version IS NOT NULL"  # clinic_only: the copy of the clinic's accounts (local migration 15)


def find(conn: sqlite3.Connection, initials: str, clinic_only: bool = False) -> StoredAccount | None:
    sql = f"SELECT {_COLUMNS} FROM accounts WHERE initials = ?" + (_CLINIC if clinic_only else "")
    row = conn.execute(sql, (initials,)).fetchone()
    return _stored(row) if row else None


def all_accounts(conn: sqlite3.Connection, clinic_only: bool = False) -> list[StoredAccount]:
    where = " WHERE 1" + _CLINIC if clinic_only else ""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM accounts{where} ORDER BY initials").fetchall()
    return [_stored(row) for row in rows]


def count(
    conn: sqlite3.Connection, *, role: str | None = None, active_only: bool = False, clinic_only: bool = False
) -> int:
    sql = "SELECT count(*) FROM accounts WHERE 1" + (_CLINIC if clinic_only else "")
    args: list = []
    if role is not None:
        sql += " AND role = ?"
        args.append(role)
    if active_only:
        sql += " AND active = 1"
    return conn.execute(sql, args).fetchone()[0]


def log_event(
    conn: sqlite3.Connection, account_id: int | None, initials: str, event: str, by: str = "", detail: str = ""
) -> None:
    conn.execute(
        "INSERT INTO account_events (at, account_id, initials, event, by_initials, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (time.time(), account_id, initials, event, by, detail),
    )


def insert(conn: sqlite3.Connection, name: str, initials: str, role: str, secret_hash: str) -> int:
    cur = conn.execute(
        "INSERT INTO accounts (name, initials, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        (name, initials, role, secret_hash, time.time()),
    )
    return int(cur.lastrowid)


def set_active(conn: sqlite3.Connection, account_id: int, active: bool) -> None:
    conn.execute("UPDATE accounts SET active = ? WHERE id = ?", (int(active), account_id))


def set_secret(conn: sqlite3.Connection, account_id: int, secret_hash: str) -> None:
    """A new secret also clears the lock: an administrator's reset is how a locked-out nurse gets back in."""
    conn.execute(
        "UPDATE accounts SET secret_hash = ?, failed = 0, lockouts = 0, locked_until = NULL WHERE id = ?",
        (secret_hash, account_id),
    )


def set_tries(
    conn: sqlite3.Connection, account_id: int, failed: int, lockouts: int, locked_until: float | None
) -> None:
    conn.execute(
        "UPDATE accounts SET failed = ?, lockouts = ?, locked_until = ? WHERE id = ?",
        (failed, lockouts, locked_until, account_id),
    )


def events(conn: sqlite3.Connection, initials: str | None = None) -> list[tuple[float, str, str, str, str]]:
    """(at, initials, event, by, detail), oldest first."""
    sql = "SELECT at, initials, event, by_initials, detail FROM account_events"
    args: tuple = ()
    if initials is not None:
        sql += " WHERE initials = ? COLLATE NOCASE"
        args = (initials,)
    return conn.execute(sql + " ORDER BY id", args).fetchall()
