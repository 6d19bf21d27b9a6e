"""Continuing a session after the program or the computer stopped while recording it.

Qt-free. Every entry committed before the crash is in the database (durable commits); samples reach the disk at
least every second, so at most about a second of them is missing. The time without data becomes a 'gap' link
event when the session is resumed, and the charts show it as a gap.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from monitor.app.alarm_restore import restored_engine
from monitor.app.lifecycle import unfinished
from monitor.app.session_service import FUTURE_SLACK_S, entries_from_rows
from monitor.clinical.alarm_limits import Limit
from monitor.clinical.alarms import AlarmEngine
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.entries import (
    Entry,
    EntryAction,
    EntryKind,
    validate_initials,
    validate_payload,
    validate_reason,
)
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits
from monitor.devices.events import Sample
from monitor.storage.db import (
    AlarmEventRow,
    EntryRow,
    SessionRow,
    connect,
    last_sample_time,
    open_sessions,
    read_alarm_events,
    read_entries,
    read_sample_events,
)
from monitor.storage.unsaved import EntryCheck, RestoreRefused, restore_unsaved, unsaved_path
from monitor.timefmt import clock_text, day_time_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResumePoint:
    session: SessionRow
    entries: list[Entry]
    last_sample: float | None
    alarm_events: list[AlarmEventRow] = field(default_factory=list)  # limits changed, alarms left unanswered

    def alarm_engine(self, clinic_limits: Mapping[str, Limit]) -> AlarmEngine:
        """The alarm engine that continues this session's (its own limits, its unacknowledged latching alarms)."""
        return restored_engine(clinic_limits, self.alarm_events, discharged=self.session.discharged_at is not None)

    def load_samples(self, db_path: Path, params: tuple[str, ...]) -> list[Sample]:
        conn = connect(db_path)
        try:
            return read_sample_events(conn, self.session.id, params)
        finally:
            conn.close()

    def describe(self) -> str:
        """What the resume question says about the session: where, when, and what was left unfinished."""
        s = self.session
        started = day_time_text(s.started_at)
        now = max([s.started_at, self.last_sample or 0.0, *(e.t for e in self.entries)])
        left = unfinished(self.entries, now) or ["nothing entered yet"]
        return f"session {s.id} ({s.chair or s.source}), started {started}: " + "; ".join(left)


def find_unfinished(db_path: Path, *, chair: str | None = None, port: str | None = None) -> ResumePoint | None:
    """The most recent OPEN session of `chair` (or, for the headless recorder, recorded from `port`), with what
    it holds; None when there is none. Without either, the most recent open session of any chair."""
    if not db_path.is_file():
        return None
    conn = connect(db_path)
    try:
        sessions = [
            s for s in open_sessions(conn) if (chair is None or s.chair == chair) and (port is None or s.source == port)
        ]
        if not sessions:
            return None
        session = sessions[-1]
        return ResumePoint(
            session,
            entries_from_rows(read_entries(conn, session.id)),
            last_sample_time(conn, session.id),
            read_alarm_events(conn, session.id),
        )
    finally:
        conn.close()


def restore_unsaved_entries(db_path: Path, limits: InfusionLimits = DEFAULT_PROTOCOL.infusion) -> str | None:
    """At start, before anything else writes: entries the database refused last time go back into it, each
    checked as a typed entry is (`limits`: the clinic's infusion limits); a line that fails is kept aside.

    Returns what the nurse should be told, or None when there was nothing to restore."""
    try:
        result = restore_unsaved(db_path, restore_check(limits))
    except (sqlite3.Error, OSError) as exc:
        log.error("cannot restore the entries saved in %s: %s", unsaved_path(db_path), exc)
        return (
            f"Nurse entries that could not be saved last time are in {unsaved_path(db_path)}; they could not be "
            f"added to the database now either ({exc}). They stay in that file: tell IT."
        )
    return result.message() if result is not None else None


def restore_check(limits: InfusionLimits, now: Callable[[], float] = time.time) -> EntryCheck:
    """The validation a typed entry goes through (SessionService.record/amend/strike), for a saved one: its
    content (validate_payload), the initials it was typed with, a reason for a correction of an entry of the same
    kind in the same session, and times inside the session. The author and times are kept, never replaced."""

    def check(conn: sqlite3.Connection, row: EntryRow) -> EntryRow:
        try:
            return _checked(conn, row, limits, now())
        except sqlite3.Error:
            raise  # the database, not the line: the restore stops and the file stays as it is
        except Exception as exc:  # any malformed content is a refusal with its reason, kept aside, never inserted
            raise RestoreRefused(f"refused as a typed entry would be: {exc}") from None

    return check


def _checked(conn: sqlite3.Connection, row: EntryRow, limits: InfusionLimits, now: float) -> EntryRow:
    kind, action = EntryKind(row.kind), EntryAction(row.action)
    session = conn.execute(
        "SELECT started_at, ended_at, timebase, discharged_at, discharged_by FROM sessions WHERE id = ?",
        (row.session_id,),
    ).fetchone()
    if session is None:
        raise EntryError(f"session {row.session_id} is not in this database")
    if session[3] is not None:  # closed for real, as for a typed entry (SessionService: nothing after discharge)
        raise EntryError(f"the session was closed: discharged at {clock_text(session[3])} by {session[4]}")
    if not isinstance(row.initials, str) or validate_initials(row.initials) != row.initials:
        raise EntryError(f"initials {row.initials!r} are not as the program records them")
    # A sped-up demo ('device' timebase) stamps entries on the simulated clock, which may run ahead of this one.
    _check_times(row, session[0], session[1], now if session[2] == "host" else math.inf)
    if not isinstance(row.payload, dict):
        raise EntryError("the content is not an object")
    payload = validate_payload(kind, row.payload, limits)
    if action is EntryAction.CREATE:
        if row.target_id is not None or row.reason:
            raise EntryError("a new entry carries no correction")
    else:
        validate_reason(str(row.reason))
        target = conn.execute(
            "SELECT kind FROM entries WHERE id = ? AND session_id = ? AND action = 'create'",
            (row.target_id, row.session_id),
        ).fetchone()
        if target is None or target[0] != kind.value:
            raise EntryError(f"the corrected entry {row.target_id} is not a {kind.value} entry of this session")
    return replace(row, payload=payload)


def _check_times(row: EntryRow, started_at: float, ended_at: float | None, now: float) -> None:
    t, recorded = float(row.t), float(row.recorded_at)
    if not (math.isfinite(t) and math.isfinite(recorded)):
        raise EntryError("the entry's time is not a number")
    if min(t, recorded) < started_at:
        when, start = clock_text(min(t, recorded)), clock_text(started_at)
        raise EntryError(f"time {when} is before the session started ({start})")
    latest = min(recorded, now) + FUTURE_SLACK_S
    if ended_at is not None:
        latest = min(latest, ended_at + FUTURE_SLACK_S)
    if t > latest or recorded > now + FUTURE_SLACK_S:
        raise EntryError(f"time {clock_text(t)} is after the entry was typed, the session ended, or now")
