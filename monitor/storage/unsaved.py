"""Nurse entries the database refused until the program closed: saved beside it, restored at the next start.

The writer holds a refused entry in memory and retries it; only when the program closes with entries still held
does it append them, one JSON object per line, to `<database>.unsaved-entries.jsonl` (and tells the nurse they
are NOT saved). `restore_unsaved` puts them into the database the next time it opens: each entry unchanged, with
its audit row, in the order they were typed. A restored file is kept, renamed with the time of the restore, so
the record of what happened stays; an entry already in the database (a restore cut short) is not added twice.
Entries the database still refuses (their session or amended entry is not in this database) stay in the file.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from monitor.storage.db import EntryRow, connect, find_entry, insert_entry

log = logging.getLogger(__name__)

_ROW_FIELDS = frozenset(f.name for f in fields(EntryRow)) - {"id"}


def unsaved_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.unsaved-entries.jsonl")


def save_unsaved(db_path: Path, records: list[dict[str, Any]]) -> Path:
    """Append entries (EntryRow fields) to the file beside the database, flushed to disk; returns its path."""
    path = unsaved_path(db_path)
    with open(path, "a", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return path


@dataclass(frozen=True, slots=True)
class Restored:
    restored: int  # added to the database now
    already: int  # found in the database already (an earlier restore that was cut short)
    refused: list[str] = field(default_factory=list)  # one reason per entry left in the file
    kept_as: Path | None = None  # the restored file, renamed

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
            parts.append(f"{len(self.refused)} could NOT be added ({self.refused[0]}) and stay in the file")
        return "; ".join(parts) + "."


def restore_unsaved(db_path: Path) -> Restored | None:
    """Add the entries saved beside the database back into it; None when there were none."""
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
        restored, already, left, reasons = 0, 0, [], []
        for line in lines:
            outcome = _restore_one(conn, line)
            if outcome == "restored":
                restored += 1
            elif outcome == "already":
                already += 1
            else:
                left.append(line)
                reasons.append(outcome)
        conn.execute("COMMIT")
    finally:
        conn.close()
    kept_as = None
    if restored or already:
        kept_as = path.with_name(f"{path.stem}.restored-{time.strftime('%Y%m%dT%H%M%S')}.jsonl")
        path.rename(kept_as)
        if left:
            path.write_text("".join(line + "\n" for line in left), encoding="utf-8")
    result = Restored(restored, already, reasons, kept_as)
    log.log(logging.ERROR if reasons else logging.WARNING, "%s", result.message())
    return result


def _restore_one(conn: sqlite3.Connection, line: str) -> str:
    """'restored', 'already', or why the entry cannot be added."""
    try:
        record = json.loads(line)
        row = EntryRow(**{k: v for k, v in record.items() if k in _ROW_FIELDS})
    except (json.JSONDecodeError, TypeError, AttributeError) as exc:
        return f"unreadable line: {exc}"
    if find_entry(conn, row) is not None:
        return "already"
    conn.execute("SAVEPOINT entry")
    try:
        insert_entry(conn, row)
    except sqlite3.IntegrityError as exc:
        conn.execute("ROLLBACK TO entry")
        conn.execute("RELEASE entry")
        return f"session {row.session_id} or entry {row.target_id} is not in this database: {exc}"
    conn.execute("RELEASE entry")
    return "restored"
