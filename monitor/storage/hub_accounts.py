"""The clinic's accounts on the hub (issue 18, hub migration 7): reading the current state, the pepper, and
appending one change. Plain SQL; the rules (who may, which secret) are app.accounts'."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from monitor.storage.account_copy import ClinicAccount
from monitor.storage.hub_schema import CLINIC_ACCOUNTS_LOCK, PEPPER_SCHEMA

if TYPE_CHECKING:
    import psycopg


def latest_version(hub: psycopg.Connection) -> int:
    return hub.execute("SELECT coalesce(max(id), 0) FROM accounts").fetchone()[0]


def current(hub: psycopg.Connection) -> list[ClinicAccount]:
    rows = hub.execute(
        "SELECT version, initials, name, role, active, secret_hash FROM clinic_accounts ORDER BY initials"
    ).fetchall()
    return [ClinicAccount(*row) for row in rows]


def pepper(hub: psycopg.Connection) -> bytes | None:
    """The clinic's PIN pepper (None: the database was migrated by an older program: run `clinic-db init`)."""
    row = hub.execute(f"SELECT pepper FROM {PEPPER_SCHEMA}.pin_pepper").fetchone()
    return bytes(row[0]) if row else None


def lock(hub: psycopg.Connection) -> None:
    """Inside a transaction: one account change at a time in the whole clinic (initials stay unique)."""
    hub.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (CLINIC_ACCOUNTS_LOCK,))


def append(hub: psycopg.Connection, desk: str, change: str, account: ClinicAccount, by: str) -> int:
    """One change with the account's whole state after it; its version."""
    return hub.execute(
        "INSERT INTO accounts (desk, at, change, initials, name, role, active, secret_hash, by_initials)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (desk, time.time(), change, account.initials, account.name, account.role, account.active,
         account.secret_hash, by),
    ).fetchone()[0]
