"""A desk's copy of the clinic's accounts (issue 18; hub migration 7, local migration 15). Plain SQL, no secrets:
only hashes, which the pepper (kept outside both databases' tables a reader sees) makes useless for guessing PINs.

The hub's `clinic_accounts` view gives each account's current state and `version` (its latest change's id). The
copy takes name, role, active and hash from the hub; the wrong-PIN counters and the lock stay the desk's own, except
that a new hash (an administrator's reset) clears them, as a local reset does.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClinicAccount:
    """One row of the hub's clinic_accounts view."""

    version: int
    initials: str
    name: str
    role: str
    active: bool
    secret_hash: str


def copied_version(conn: sqlite3.Connection) -> int:
    """The highest hub version this copy holds (0: none): a pull with nothing newer changes nothing."""
    return conn.execute("SELECT coalesce(max(clinic_version), 0) FROM accounts").fetchone()[0]


def copy_accounts(conn: sqlite3.Connection, accounts: list[ClinicAccount]) -> int:
    """Bring the copy to `accounts` (the clinic's whole list), inside the caller's transaction; the number of
    accounts added or changed. An account of this desk's own with the same initials becomes the clinic's."""
    changed = 0
    for a in accounts:
        row = conn.execute(
            "SELECT id, clinic_version, secret_hash FROM accounts WHERE initials = ?", (a.initials,)
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO accounts (name, initials, role, secret_hash, active, created_at, clinic_version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (a.name, a.initials, a.role, a.secret_hash, int(a.active), time.time(), a.version),
            )
            changed += 1
            continue
        account_id, version, secret_hash = row
        if version == a.version:
            continue
        conn.execute(
            "UPDATE accounts SET name = ?, role = ?, active = ?, secret_hash = ?, clinic_version = ? WHERE id = ?",
            (a.name, a.role, int(a.active), a.secret_hash, a.version, account_id),
        )
        if secret_hash != a.secret_hash:
            unlock = "UPDATE accounts SET failed = 0, lockouts = 0, locked_until = NULL WHERE id = ?"
            conn.execute(unlock, (account_id,))
        changed += 1
    return changed
