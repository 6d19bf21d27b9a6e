"""What the HL7 composer (app.hl7.composer) reads from the local record: the rows added since it last looked.

Every table it reads grows only (samples, device status and entries are appended; a session row changes only through
session_changes, migration 9), so the composer follows each by a cursor: the highest rowid/id it has read. One pass
reads what is new across all sessions with a range scan of each table's primary key, however long the record is;
`session_*` read one session's whole history once (when the composer takes a session up, e.g. after a restart).
Callers own the connection and thread.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from monitor.devices.events import Sample, SampleFlag
from monitor.storage.db import EntryRow, SessionRow, StatusRow

_SESSION = (
    "id, started_at, ended_at, source, protocol, capture_path, timebase, chair, discharged_at,"
    " coalesce(discharged_by, '')"
)


@dataclass(frozen=True, slots=True)
class Cursors:
    """The highest row of each table read so far."""

    sample: int = 0  # samples.rowid
    status: int = 0  # device_status.id
    entry: int = 0  # entries.id
    change: int = 0  # session_changes.id
    session: int = 0  # sessions.id


@dataclass(frozen=True, slots=True)
class SampleAt:
    session_id: int
    sample: Sample


@dataclass(frozen=True, slots=True)
class StatusAt:
    session_id: int
    status: StatusRow


def current(conn: sqlite3.Connection) -> Cursors:
    """Where each table stands now: read up to here, and nothing half-written is read (WAL snapshot per query;
    rows are read by `<= cursor`, so a row committed after this call waits for the next pass)."""
    row = conn.execute(
        "SELECT (SELECT coalesce(max(rowid), 0) FROM samples), (SELECT coalesce(max(id), 0) FROM device_status),"
        " (SELECT coalesce(max(id), 0) FROM entries), (SELECT coalesce(max(id), 0) FROM session_changes),"
        " (SELECT coalesce(max(id), 0) FROM sessions)"
    ).fetchone()
    return Cursors(*row)


def _sample(row: tuple) -> SampleAt:
    session_id, param, t, host_t, value, flags = row
    return SampleAt(session_id, Sample(param, value, t, host_t, SampleFlag(flags)))


def _status(row: tuple) -> StatusAt:
    session_id, t, host_t, conditions, unavailable = row
    return StatusAt(session_id, StatusRow(t, host_t, json.loads(conditions), json.loads(unavailable)))


def _entry(row: tuple) -> EntryRow:
    eid, sid, kind, t, rec, ini, payload, action, target, reason = row
    return EntryRow(sid, kind, t, rec, ini, json.loads(payload), action, target, reason, id=eid)


_SAMPLES = "SELECT session_id, param, t, host_t, value, flags FROM samples"
_STATUSES = "SELECT session_id, t, host_t, conditions, unavailable FROM device_status"
_ENTRIES = "SELECT id, session_id, kind, t, recorded_at, initials, payload, action, target_id, reason FROM entries"


def new_samples(conn: sqlite3.Connection, after: Cursors, upto: Cursors) -> list[SampleAt]:
    rows = conn.execute(f"{_SAMPLES} WHERE rowid > ? AND rowid <= ? ORDER BY rowid", (after.sample, upto.sample))
    return [_sample(r) for r in rows]


def new_statuses(conn: sqlite3.Connection, after: Cursors, upto: Cursors) -> list[StatusAt]:
    rows = conn.execute(f"{_STATUSES} WHERE id > ? AND id <= ? ORDER BY id", (after.status, upto.status))
    return [_status(r) for r in rows]


def new_entries(conn: sqlite3.Connection, after: Cursors, upto: Cursors) -> list[EntryRow]:
    rows = conn.execute(f"{_ENTRIES} WHERE id > ? AND id <= ? ORDER BY id", (after.entry, upto.entry))
    return [_entry(r) for r in rows]


def changed_sessions(conn: sqlite3.Connection, after: Cursors, upto: Cursors) -> set[int]:
    """Sessions opened, ended, discharged or assigned to a course since `after`."""
    changed = conn.execute(
        "SELECT session_id FROM session_changes WHERE id > ? AND id <= ?", (after.change, upto.change)
    ).fetchall()
    opened = conn.execute("SELECT id FROM sessions WHERE id > ? AND id <= ?", (after.session, upto.session)).fetchall()
    return {r[0] for r in changed} | {r[0] for r in opened}


def session_samples(conn: sqlite3.Connection, session_id: int, upto: Cursors) -> list[SampleAt]:
    rows = conn.execute(f"{_SAMPLES} WHERE session_id = ? AND rowid <= ? ORDER BY rowid", (session_id, upto.sample))
    return [_sample(r) for r in rows]


def session_statuses(conn: sqlite3.Connection, session_id: int, upto: Cursors) -> list[StatusAt]:
    rows = conn.execute(f"{_STATUSES} WHERE session_id = ? AND id <= ? ORDER BY id", (session_id, upto.status))
    return [_status(r) for r in rows]


def session_entries(conn: sqlite3.Connection, session_id: int, upto: Cursors) -> list[EntryRow]:
    rows = conn.execute(f"{_ENTRIES} WHERE session_id = ? AND id <= ? ORDER BY id", (session_id, upto.entry))
    return [_entry(r) for r in rows]


def session_row(conn: sqlite3.Connection, session_id: int) -> tuple[SessionRow, bool] | None:
    """The session and whether it is assigned to a patient's course."""
    row = conn.execute(f"SELECT {_SESSION}, course_id IS NOT NULL FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return None if row is None else (SessionRow(*row[:-1]), bool(row[-1]))


def recent_sessions(conn: sqlite3.Connection, ended_after: float) -> list[int]:
    """Sessions still open, or ended (or discharged) after `ended_after`."""
    rows = conn.execute(
        "SELECT id FROM sessions WHERE coalesce(ended_at, discharged_at) IS NULL"
        " OR coalesce(ended_at, discharged_at) > ? ORDER BY id",
        (ended_after,),
    )
    return [r[0] for r in rows]


def enqueued_keys(conn: sqlite3.Connection, session_id: int, prefix: str) -> set[str]:
    """The outbox keys of the session that start with `prefix` (storage.hl7_outbox: keys are what a message covers)."""
    rows = conn.execute(
        "SELECT key FROM hl7_outbox WHERE session_id = ? AND substr(key, 1, ?) = ?", (session_id, len(prefix), prefix)
    )
    return {r[0] for r in rows}
