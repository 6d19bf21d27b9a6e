"""The triggers that keep the record append-only, and a check that each still exists.

Dropping a trigger is how a record row gets edited behind the program (every chained table is also checked row by
row by its own verify); `verify` names a missing trigger even when no row was changed yet, since a desk whose
record can be silently edited is itself the finding.
"""

from __future__ import annotations

import sqlite3

APPEND_ONLY_TRIGGERS = (
    "entries_are_append_only_update",
    "entries_are_append_only_delete",
    "audit_is_append_only_update",
    "audit_is_append_only_delete",
    "alarm_events_are_append_only_update",
    "alarm_events_are_append_only_delete",
    "patients_are_append_only_update",
    "patients_are_append_only_delete",
    "courses_are_append_only_update",
    "courses_are_append_only_delete",
    "access_log_is_append_only_update",
    "access_log_is_append_only_delete",
)


def missing_triggers(conn: sqlite3.Connection) -> list[str]:
    """The append-only triggers no longer in the database (in APPEND_ONLY_TRIGGERS' order)."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return [name for name in APPEND_ONLY_TRIGGERS if name not in present]
