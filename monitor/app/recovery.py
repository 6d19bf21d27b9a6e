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

from monitor.app.session_service import entries_from_rows
from monitor.devices.events import Sample
from monitor.session.entries import Entry
from monitor.storage.db import SessionRow, connect, last_sample_time, open_sessions, read_entries, read_sample_events
from monitor.storage.unsaved import restore_unsaved, unsaved_path

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


def find_unfinished(db_path: Path) -> ResumePoint | None:
    """The most recent session that was never ended, with what it holds; None when every session was closed."""
    if not db_path.is_file():
        return None
    conn = connect(db_path)
    try:
        sessions = open_sessions(conn)
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
