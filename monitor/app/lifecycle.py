"""The session lifecycle: OPEN (recording, or left by a close or a crash: resumable) -> DISCHARGED (closed for
real by a discharge entry) or ENDED (closed without one: a bare recording, or an empty session closed quietly).

Qt-free; the window, the station and the headless recorder all decide with these functions, so a close, a crash
and a next patient follow one rule (monitor.storage.db.SessionState holds the states):
- closing ends a session only when nothing can be lost: it was discharged, or nothing was ever entered in it;
  otherwise it stays OPEN and the next start at the same chair offers to resume it;
- the window asks before a close that leaves an unfinished session (what is running, what is missing);
- at start, open sessions with no entries (an empty orphan of a crash) are ended quietly, never offered.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.clinical.entries import Entry, EntryKind, EntryView, resolve
from monitor.clinical.infusion import InfusionLimits, InfusionState, fold_infusion
from monitor.storage.db import (
    SessionRow,
    SessionState,
    connect,
    entry_count,
    last_sample_time,
    list_sessions,
    open_sessions,
)
from monitor.storage.patients import session_course
from monitor.timefmt import day_time_text, hm_text
from monitor.wording import count

log = logging.getLogger(__name__)


def discharge_of(views: Sequence[EntryView]) -> EntryView | None:
    found = [v for v in views if v.kind is EntryKind.DISCHARGE and v.live]
    return found[-1] if found else None


def ends_on_close(entries: Sequence[Entry]) -> bool:
    """Whether closing ends the session (True) or leaves it OPEN to be resumed (False)."""
    return not entries or discharge_of(resolve(entries)) is not None


def unfinished(entries: Sequence[Entry], now: float, limits: InfusionLimits | None = None) -> list[str]:
    """What a close would leave unfinished, in words for the nurse; [] when closing loses nothing."""
    if ends_on_close(entries):
        return []
    views = resolve(entries)
    events = [(v.t, v.payload) for v in views if v.kind is EntryKind.INFUSION and v.live]
    infusion = fold_infusion(events, now, limits)
    out = []
    if infusion.state is InfusionState.RUNNING:
        out.append(f"the infusion is RUNNING at {infusion.rate_mg_kg_h:g} mg/kg/h ({infusion.total_mg:.0f} mg so far)")
    elif infusion.state is not InfusionState.NOT_STARTED:
        out.append(f"the infusion is {infusion.state.value} ({infusion.total_mg:.0f} mg given)")
    out.append(f"the patient is not discharged ({count(len(views), 'entry')} on the record)")
    return out


def close_question(unfinished_lines: Sequence[str]) -> str | None:
    """The question a close must ask first (one line per session left unfinished), or None: nothing to ask."""
    if not unfinished_lines:
        return None
    return (
        "Not finished:\n" + "\n".join(f"• {line}" for line in unfinished_lines) + "\n\n"
        "Close anyway? An unfinished session stays open: the next start at its chair offers to resume it, and the "
        "time without data is marked as a gap. No keeps the program running."
    )


def end_text(session: SessionRow) -> str:
    """How a session's end reads in the review list, the `sessions` command and the PDF."""
    state = session.state
    if state is SessionState.DISCHARGED:
        assert session.discharged_at is not None
        return f"discharged at {hm_text(session.discharged_at)} by {session.discharged_by}"
    if state is SessionState.ENDED:
        assert session.ended_at is not None
        return f"ended {day_time_text(session.ended_at)}"
    return "open (recording, or resumable)"


def close_empty_sessions(db_path: Path) -> list[int]:
    """At start, before anything records: open sessions nobody entered anything in are ended quietly (at their
    last sample), so only a session with something to lose is ever offered for resume. Returns their ids."""
    if not db_path.is_file():
        return []
    conn = connect(db_path)
    try:
        ended = []
        for s in open_sessions(conn):
            if entry_count(conn, s.id):
                continue
            last = last_sample_time(conn, s.id)
            conn.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (max(s.started_at, last or 0.0), s.id))
            ended.append(s.id)
    finally:
        conn.close()
    if ended:
        log.info("closed %d empty unfinished sessions quietly: %s", len(ended), ended)
    return ended


@dataclass(frozen=True, slots=True)
class SessionListing:
    """One line of `infusion-monitor sessions`: what IT needs to find the id `export --session` asks for."""

    id: int
    where: str  # the chair, or the port of a headless recording
    patient: str  # "name (MRN)" or "no patient"
    started_at: float
    end: str  # end_text()
    state: SessionState
    chair: str = ""  # "" for a headless recording
    monitor: str = ""  # the monitor's kind (its protocol): what the review list shows, never a temporary port
    port: str = ""  # the port or URL it was read from (a simulated monitor's is a temporary pty)
    name: str = ""  # the patient's, "" when none was assigned
    mrn: str = ""
    desk: str = ""  # the desk that recorded it, when listed from the clinic database

    @property
    def address(self) -> str:
        """What `export --session` takes: the id, or DESK:ID on the clinic database."""
        return f"{self.desk}:{self.id}" if self.desk else str(self.id)

    def as_json(self) -> dict[str, object]:
        return ({"desk": self.desk} if self.desk else {}) | {
            "id": self.id,
            "where": self.where,
            "patient": self.patient,
            "started_at": datetime.fromtimestamp(self.started_at).isoformat(timespec="seconds"),
            "end": self.end,
            "state": self.state.value,
        }


def session_listing(db_path: Path) -> list[SessionListing]:
    """Every session in the database, by id."""
    conn = connect(db_path)
    try:
        return listing_of(conn)
    finally:
        conn.close()


def listing_of(conn: sqlite3.Connection, desk: str = "") -> list[SessionListing]:
    """Every session of an open local-schema database (a desk's file, or one desk's rows of the clinic database
    copied into memory: app.hub_records), by id."""
    out = []
    for s in sorted(list_sessions(conn), key=lambda s: s.id):  # the order IT reads ids in
        found = session_course(conn, s.id)
        name, mrn = (found[0].name, found[0].mrn) if found else ("", "")
        patient = f"{name} ({mrn})" if found else "no patient"
        out.append(
            SessionListing(
                s.id, s.chair or s.source, patient, s.started_at, end_text(s), s.state,
                chair=s.chair or "", monitor=s.protocol, port=s.source, name=name, mrn=mrn, desk=desk,
            )
        )
    return out

