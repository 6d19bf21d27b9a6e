"""Opening the database and reading it back. Any thread may open its own connection; never share one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from monitor.devices.events import Sample, SampleFlag
from monitor.storage import audit, record_chain
from monitor.storage.schema import migrate


def connect(path: Path | str) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)  # explicit transactions only
    conn.execute("PRAGMA journal_mode=WAL")
    # WAL with synchronous=NORMAL survives a crash of the program; a power cut may lose the last commits
    # (about a second of samples). Nurse entries will commit with FULL.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    record_chain.install(conn)  # every covered row this connection writes is chained in its transaction
    return conn


class SessionState(StrEnum):
    """Where a session is in its life. OPEN: recording, or left by a close or a crash: resumable. DISCHARGED:
    closed for real by a discharge entry. ENDED: closed without a discharge (a bare recording, an empty session)."""

    OPEN = "open"
    DISCHARGED = "discharged"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    started_at: float
    ended_at: float | None
    source: str
    protocol: str
    capture_path: str | None
    timebase: str = "host"
    chair: str | None = None  # the station chair it was recorded at (None: a headless recording, or older)
    discharged_at: float | None = None
    discharged_by: str = ""

    @property
    def state(self) -> SessionState:
        if self.discharged_at is not None:
            return SessionState.DISCHARGED
        return SessionState.OPEN if self.ended_at is None else SessionState.ENDED


DISCHARGE_KIND = "discharge"  # monitor.clinical.entries.EntryKind.DISCHARGE (storage does not import session)


@dataclass(frozen=True, slots=True)
class LinkEventRow:
    t: float
    state: str
    detail: str


@dataclass(frozen=True, slots=True)
class StatusRow:
    t: float
    host_t: float
    conditions: list[str]
    unavailable: dict[str, str]


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A nurse entry as stored; monitor.clinical.entries.Entry is its domain twin."""

    session_id: int
    kind: str
    t: float
    recorded_at: float
    initials: str
    payload: dict[str, Any]
    action: str = "create"
    target_id: int | None = None
    reason: str = ""
    id: int | None = None


def _entry_values(row: EntryRow) -> tuple:
    return (
        row.session_id,
        row.kind,
        row.t,
        row.recorded_at,
        row.initials,
        json.dumps(row.payload, sort_keys=True),
        row.action,
        row.target_id,
        row.reason,
    )


def insert_entry(conn: sqlite3.Connection, row: EntryRow) -> int:
    """Insert one nurse entry with its audit row, inside the caller's transaction; returns its id. A discharge
    marks its session discharged in the same transaction: the entry and the closed state never disagree."""
    cur = conn.execute(
        "INSERT INTO entries (session_id, kind, t, recorded_at, initials, payload, action, target_id, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _entry_values(row),
    )
    entry_id = int(cur.lastrowid)
    audit.append(conn, entry_id)  # same transaction: never an entry without its audit row
    if row.kind == DISCHARGE_KIND and row.action == "create":
        conn.execute(
            "UPDATE sessions SET discharged_at = ?, discharged_by = ? WHERE id = ? AND discharged_at IS NULL",
            (row.t, row.initials, row.session_id),
        )
    return entry_id


def find_entry(conn: sqlite3.Connection, row: EntryRow) -> int | None:
    """The id of a stored entry identical to `row` in every field (a second import finds the first), else None."""
    found = conn.execute(
        "SELECT id FROM entries WHERE session_id = ? AND kind = ? AND t = ? AND recorded_at = ? AND initials = ?"
        " AND payload = ? AND action = ? AND target_id IS ? AND reason = ?",
        _entry_values(row),
    ).fetchone()
    return found[0] if found else None


def list_sessions(conn: sqlite3.Connection) -> list[SessionRow]:
    rows = conn.execute(
        "SELECT id, started_at, ended_at, source, protocol, capture_path, timebase, chair, discharged_at,"
        " coalesce(discharged_by, '') FROM sessions ORDER BY started_at"
    )
    return [SessionRow(*row) for row in rows]


def open_sessions(conn: sqlite3.Connection) -> list[SessionRow]:
    """Sessions neither ended nor discharged: closed with the work unfinished, or stopped by a crash."""
    return [s for s in list_sessions(conn) if s.state is SessionState.OPEN]


def entry_count(conn: sqlite3.Connection, session_id: int) -> int:
    return conn.execute("SELECT count(*) FROM entries WHERE session_id = ?", (session_id,)).fetchone()[0]


def last_sample_time(conn: sqlite3.Connection, session_id: int) -> float | None:
    """Time of the session's last stored sample on the session's own clock: the receive time, or the monitor's
    time for a session recorded on the device timebase (a simulated demo at N x runs ahead of this computer's clock,
    and its entries, gaps and resumed simulator must continue after its data, not before)."""
    row = conn.execute(
        "SELECT max(CASE sessions.timebase WHEN 'device' THEN samples.t ELSE samples.host_t END)"
        " FROM samples JOIN sessions ON sessions.id = samples.session_id WHERE samples.session_id = ?",
        (session_id,),
    ).fetchone()
    return row[0]


def read_samples(conn: sqlite3.Connection, session_id: int, param: str) -> tuple[np.ndarray, np.ndarray]:
    """Device times and values of one parameter, in time order."""
    rows = conn.execute(
        "SELECT t, value FROM samples WHERE session_id = ? AND param = ? ORDER BY t", (session_id, param)
    ).fetchall()
    if not rows:
        return np.empty(0), np.empty(0)
    data = np.asarray(rows, dtype=float)
    return data[:, 0], data[:, 1]


def read_sample_events(conn: sqlite3.Connection, session_id: int, params: Iterable[str]) -> list[Sample]:
    """Stored samples of `params` as the decoder produced them, in time order (to redraw a session)."""
    names = list(params)
    marks = ",".join("?" * len(names))
    rows = conn.execute(
        f"SELECT param, value, t, host_t, flags FROM samples WHERE session_id = ? AND param IN ({marks}) ORDER BY t",
        (session_id, *names),
    )
    return [Sample(param, value, t, host_t, SampleFlag(flags)) for param, value, t, host_t, flags in rows]


def read_link_events(conn: sqlite3.Connection, session_id: int) -> list[LinkEventRow]:
    rows = conn.execute("SELECT t, state, detail FROM link_events WHERE session_id = ? ORDER BY t, id", (session_id,))
    return [LinkEventRow(*row) for row in rows]


def read_device_status(conn: sqlite3.Connection, session_id: int) -> list[StatusRow]:
    rows = conn.execute(
        "SELECT t, host_t, conditions, unavailable FROM device_status WHERE session_id = ? ORDER BY id", (session_id,)
    )
    return [StatusRow(t, host_t, json.loads(c), json.loads(u)) for t, host_t, c, u in rows]


def read_entries(conn: sqlite3.Connection, session_id: int) -> list[EntryRow]:
    """Every entry of a session, corrections included, in the order they were stored."""
    rows = conn.execute(
        "SELECT id, session_id, kind, t, recorded_at, initials, payload, action, target_id, reason"
        " FROM entries WHERE session_id = ? ORDER BY id",
        (session_id,),
    )
    return [
        EntryRow(sid, kind, t, rec, ini, json.loads(payload), action, target, reason, id=eid)
        for eid, sid, kind, t, rec, ini, payload, action, target, reason in rows
    ]


@dataclass(frozen=True, slots=True)
class AlarmEventRow:
    t: float
    action: str
    key: str
    message: str
    priority: str | None
    category: str | None
    value: float | None
    limit_value: float | None
    who: str


def read_alarm_events(conn: sqlite3.Connection, session_id: int) -> list[AlarmEventRow]:
    rows = conn.execute(
        "SELECT t, action, key, message, priority, category, value, limit_value, who FROM alarm_events"
        " WHERE session_id = ? ORDER BY t, id",
        (session_id,),
    )
    return [AlarmEventRow(*row) for row in rows]
