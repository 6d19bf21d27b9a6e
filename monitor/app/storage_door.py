"""What the ui may use of monitor.storage, through app (the door): the record's files, rows and writer.

The ui never imports monitor.storage itself (an import-linter contract checks it); it takes these names from here.
"""

from pathlib import Path

from monitor.storage.backup import backup, timestamped_backup_path
from monitor.storage.db import SessionRow, SessionState, connect, list_sessions
from monitor.storage.paths import backups_dir, captures_dir, default_db_path
from monitor.storage.patients import Patient
from monitor.storage.private_files import new_file
from monitor.storage.writer import SessionWriter

__all__ = [
    "Patient",
    "SessionRow",
    "SessionState",
    "SessionWriter",
    "backup_database",
    "backup_path",
    "captures_dir",
    "connect",
    "default_db_path",
    "list_sessions",
    "new_file",
]


def backup_path(db_path: Path) -> Path:
    """Where a backup of `db_path` taken now goes: a new timestamped file in the backups folder."""
    return timestamped_backup_path(backups_dir(), db_path)


def backup_database(db_path: Path, dest: Path) -> Path:
    """A consistent copy of the live database at `dest` (a new file); returns `dest`."""
    backup(db_path, dest)
    return dest
