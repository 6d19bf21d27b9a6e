"""The triggers that keep the record append-only, a generator for them, and a check that each still exists.

Dropping a trigger is how a record row gets edited behind the program (every chained table is also checked row by
row by its own verify); `verify` names a missing trigger even when no row was changed yet, since a desk whose
record can be silently edited is itself the finding.

Migrations 2 to 13 wrote their triggers out by hand (applied history: their names are listed as they are); later
migrations use `append_only_sql`, and their tables are listed in GENERATED, so the check and the migrations read
the same list.
"""

from __future__ import annotations

import sqlite3

# Written out by hand in local migrations 2-13 (never edited: they are applied history).
_HAND_WRITTEN = (
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
    "account_events_append_only_update",
    "account_events_append_only_delete",
    "accounts_never_deleted",
    "settings_changes_append_only_update",
    "settings_changes_append_only_delete",
)

# Tables made append-only by `append_only_sql` (local migration 14 onwards), with what a refusal says.
GENERATED: dict[str, str] = {
    "record_chain": "the record chain is append-only",
    "record_chain_start": "where the record chain started is never changed",
    "session_changes": "the log of session changes is append-only",
    "hl7_outbox": "a message for the EHR is never changed once queued",
    "hl7_deliveries": "the HL7 delivery history is append-only",
    "ehr_registrations": "a registration from the EHR is never changed: an update is a new row",
    "other_values": "a value the monitor sent is never changed",
    "wave_blocks": "a stored waveform is never changed",
}


def trigger_names(table: str) -> tuple[str, str]:
    """The two triggers `append_only_sql` makes for a table (update, delete)."""
    return f"{table}_is_append_only_update", f"{table}_is_append_only_delete"


def append_only_sql(table: str) -> str:
    """The CREATE TRIGGER statements refusing any UPDATE or DELETE of `table` (its message from GENERATED)."""
    message = GENERATED[table].replace("'", "''")
    update, delete = trigger_names(table)
    return (
        f"CREATE TRIGGER {update} BEFORE UPDATE ON {table}\n"
        f"    BEGIN SELECT RAISE(ABORT, '{message}'); END;\n"
        f"CREATE TRIGGER {delete} BEFORE DELETE ON {table}\n"
        f"    BEGIN SELECT RAISE(ABORT, '{message}'); END;\n"
    )


APPEND_ONLY_TRIGGERS = (*_HAND_WRITTEN, *(name for table in GENERATED for name in trigger_names(table)))


def missing_triggers(conn: sqlite3.Connection) -> list[str]:
    """The append-only triggers no longer in the database (in APPEND_ONLY_TRIGGERS' order)."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return [name for name in APPEND_ONLY_TRIGGERS if name not in present]
