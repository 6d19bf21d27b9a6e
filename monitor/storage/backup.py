"""A consistent copy of the live database with SQLite's online backup API (safe while recording)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path


def timestamped_backup_path(folder: Path, db_path: Path) -> Path:
    """A new file name in `folder` for a backup of `db_path` taken now."""
    return folder / f"{db_path.stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}{db_path.suffix}"


def backup(source: Path | str, dest: Path | str) -> int:
    """Copy `source` to `dest` (a new file); returns the number of pages copied. Refuses to overwrite."""
    dest = Path(dest)
    if dest.exists():
        raise ValueError(f"{dest} exists already: choose a new file name")
    if Path(source).resolve() == dest.resolve():
        raise ValueError("the backup must be a different file from the database")
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True)
    out = sqlite3.connect(dest)
    try:
        src.backup(out, pages=1024)  # in steps, so the recorder's writes are not held up for long
        pages = out.execute("PRAGMA page_count").fetchone()[0]
    finally:
        out.close()
        src.close()
    return int(pages)
