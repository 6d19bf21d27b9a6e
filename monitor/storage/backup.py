"""A consistent copy of the live database with SQLite's online backup API (safe while recording)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from monitor.storage.private_files import new_file


def timestamped_backup_path(folder: Path, db_path: Path) -> Path:
    """A new file name in `folder` for a backup of `db_path` taken now."""
    return folder / f"{db_path.stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}{db_path.suffix}"


def backup(source: Path | str, dest: Path | str, force: bool = False) -> int:
    """Copy `source` to `dest`; returns the number of pages copied. Refuses a symlink at `dest`, and an existing
    file unless `force` (monitor.storage.private_files.new_file: no check-then-create race)."""
    dest = Path(dest)
    if Path(source).resolve() == dest.resolve():
        raise ValueError("the backup must be a different file from the database")
    src = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True)
    try:
        with new_file(dest, force) as tmp:
            out = sqlite3.connect(tmp)
            try:
                src.backup(out, pages=1024)  # in steps, so the recorder's writes are not held up for long
                pages = out.execute("PRAGMA page_count").fetchone()[0]
            finally:
                out.close()
    finally:
        src.close()
    return int(pages)
