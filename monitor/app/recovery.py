"""Continuing a session after the program or the computer stopped while recording it.

Qt-free. Every entry committed before the crash is in the database (durable commits); samples reach the disk at
least every second, so at most about a second of them is missing. The time without data becomes a 'gap' link
event when the session is resumed, and the charts show it as a gap.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from monitor.app.lifecycle import unfinished
from monitor.app.session_service import entries_from_rows
from monitor.devices.events import Sample
from monitor.session.entries import Entry
from monitor.storage.db import SessionRow, connect, last_sample_time, open_sessions, read_entries, read_sample_events
from monitor.storage.unsaved import restore_unsaved, unsaved_path
from monitor.timefmt import day_time_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResumePoint:
    session: SessionRow
    entries: list[Entry]
    last_sample: float | None

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
            session, entries_from_rows(read_entries(conn, session.id)), last_sample_time(conn, session.id)
        )
    finally:
        conn.close()


def restore_unsaved_entries(db_path: Path) -> str | None:
    """At start, before anything else writes: entries the database refused last time go back into it.

    Returns what the nurse should be told, or None when there was nothing to restore."""
    try:
        result = restore_unsaved(db_path)
    except (sqlite3.Error, OSError) as exc:
        log.error("cannot restore the entries saved in %s: %s", unsaved_path(db_path), exc)
        return (
            f"Nurse entries that could not be saved last time are in {unsaved_path(db_path)}; they could not be "
            f"added to the database now either ({exc}). They stay in that file: tell IT."
        )
    return result.message() if result is not None else None
