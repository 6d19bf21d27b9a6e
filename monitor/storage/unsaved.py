"""Nurse entries the database refused until the program closed: saved beside it, restored at the next start.

The writer holds a refused entry in memory and retries it; only when the program closes with entries still held
does it append them, one JSON object per line with the SHA-256 of the entry, to
`<database>.unsaved-entries.jsonl` (and tells the nurse they are NOT saved). `restore_unsaved` puts them into
the database the next time it opens, in the order they were typed, each with its audit row, its original author
and times, and marked `"restored": true` in its payload (on the record, audited, and shown in the timeline).

Nothing goes in unchecked: a line whose checksum does not match (damaged, or edited by hand), that does not parse,
or that the caller's `check` refuses (the same validation as a typed entry: content, initials, time inside the
session) is never inserted; it is kept aside with its reason in `<database>.unsaved-entries.refused.jsonl`. A
restored file is kept, renamed with the time of the restore, so the record of what happened stays; an entry
already in the database (a restore cut short) is not added twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from monitor.storage.db import EntryRow, connect, find_entry, insert_entry

log = logging.getLogger(__name__)

_ROW_FIELDS = frozenset(f.name for f in fields(EntryRow)) - {"id"}


def unsaved_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.unsaved-entries.jsonl")


def refused_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.unsaved-entries.refused.jsonl")


# A restored entry carries this in its payload: on the record (audited) that it came back from the file.
RESTORED = "restored"


class RestoreRefused(ValueError):
    """A saved entry that must not go into the record; the message says why."""


# check(conn, row) -> the row to insert (cleaned), or RestoreRefused; run inside the restore's transaction.
EntryCheck = Callable[[sqlite3.Connection, EntryRow], EntryRow]


def _checksum(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def save_unsaved(db_path: Path, records: list[dict[str, Any]]) -> Path:
    """Append entries (EntryRow fields), each with its checksum, to the file beside the database, flushed to disk;
    returns its path."""
    path = unsaved_path(db_path)
    _append_lines(path, [json.dumps({"entry": r, "sha256": _checksum(r)}, sort_keys=True) for r in records])
    return path


def _append_lines(path: Path, lines: list[str]) -> None:
    with open(path, "a", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())


@dataclass(frozen=True, slots=True)
class Restored:
    restored: int  # added to the database now
    already: int  # found in the database already (an earlier restore that was cut short)
    refused: list[str] = field(default_factory=list)  # one reason per entry kept aside, never inserted
    kept_as: Path | None = None  # the restored file, renamed
    aside: Path | None = None  # where the refused lines are, each with its reason

    def message(self) -> str:
        entries = "1 nurse entry" if self.restored == 1 else f"{self.restored} nurse entries"
        verb = "was" if self.restored == 1 else "were"
        parts = [
            f"{entries} that could not be saved when the program last closed {verb} added to the session record now"
        ]
        if self.already:
            parts.append(f"{self.already} {'was' if self.already == 1 else 'were'} there already")
        if self.kept_as is not None:
            parts.append(f"the file they came from is kept as {self.kept_as}")
        if self.refused:
            parts.append(
                f"{len(self.refused)} could NOT be added ({self.refused[0]}): kept aside, with the reasons, in "
                f"{self.aside} — check them against the paper record"
            )
        return "; ".join(parts) + "."


def restore_unsaved(db_path: Path, check: EntryCheck | None = None) -> Restored | None:
    """Add the entries saved beside the database back into it, each checked by `check` (None: only the checksum
    and the database's own constraints); None when there were none."""
    path = unsaved_path(db_path)
    if not path.is_file() or not db_path.is_file():
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return None
    conn = connect(db_path)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        restored, already, aside, reasons = 0, 0, [], []
        for line in lines:
            outcome = _restore_one(conn, line, check)
            if outcome == "restored":
                restored += 1
            elif outcome == "already":
                already += 1
            else:
                aside.append(json.dumps({"reason": outcome, "line": line}, ensure_ascii=False))
                reasons.append(outcome)
        conn.execute("COMMIT")
    finally:
        conn.close()
    refused_file = refused_path(db_path) if aside else None
    if refused_file is not None:
        _append_lines(refused_file, aside)
    kept_as = path.with_name(f"{path.stem}.restored-{time.strftime('%Y%m%dT%H%M%S')}.jsonl")
    path.rename(kept_as)
    result = Restored(restored, already, reasons, kept_as, refused_file)
    # Counts and reasons only: the entries' texts stay out of the log (PHI in the system journal).
    log.log(logging.ERROR if reasons else logging.WARNING, "%s", result.message())
    return result


def _parse(line: str) -> EntryRow:
    """The entry of one saved line, or RestoreRefused when the line is unreadable or its checksum is wrong."""
    try:
        saved = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RestoreRefused(f"unreadable line: {exc}") from None
    record = saved.get("entry") if isinstance(saved, dict) else None
    if not isinstance(record, dict) or "sha256" not in saved:
        raise RestoreRefused("no checksum: not written by this program")
    if saved["sha256"] != _checksum(record):
        raise RestoreRefused("checksum does not match: the line was altered or damaged")
    try:
        return EntryRow(**{k: v for k, v in record.items() if k in _ROW_FIELDS})
    except TypeError as exc:
        raise RestoreRefused(f"unreadable entry: {exc}") from None


def _restore_one(conn: sqlite3.Connection, line: str, check: EntryCheck | None) -> str:
    """'restored', 'already', or why the entry is kept aside."""
    try:
        row = _parse(line)
        if check is not None:
            row = check(conn, row)
    except RestoreRefused as exc:
        return str(exc)
    if not isinstance(row.payload, dict):
        return "unreadable entry: the payload is not an object"
    row = replace(row, payload={**row.payload, RESTORED: True})
    if find_entry(conn, row) is not None:
        return "already"
    conn.execute("SAVEPOINT entry")
    try:
        insert_entry(conn, row)
    except (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError, OverflowError) as exc:
        conn.execute("ROLLBACK TO entry")
        conn.execute("RELEASE entry")
        return f"session {row.session_id} or entry {row.target_id} is not in this database: {exc}"
    conn.execute("RELEASE entry")
    return "restored"
