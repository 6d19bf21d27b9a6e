"""The settings_changes table (local migration 13): who installed which clinic protocol or station file, when.

Append-only (triggers). One row per change: the administrator's initials, what ("clinic.json", "station.json"),
the sha256 of the content installed, and a short detail.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SettingsChange:
    at: float
    by_initials: str
    what: str
    sha256: str
    detail: str


def record_change(conn: sqlite3.Connection, change: SettingsChange) -> None:
    conn.execute(  # one statement: committed on its own (connections are in autocommit mode)
        "INSERT INTO settings_changes (at, by_initials, what, sha256, detail) VALUES (?, ?, ?, ?, ?)",
        (change.at, change.by_initials, change.what, change.sha256, change.detail),
    )


def read_changes(conn: sqlite3.Connection, what: str | None = None) -> list[SettingsChange]:
    rows = conn.execute(
        "SELECT at, by_initials, what, sha256, detail FROM settings_changes"
        " WHERE ? IS NULL OR what = ? ORDER BY at, id",
        (what, what),
    )
    return [SettingsChange(*row) for row in rows]
