"""Where the program keeps its data: the user data directory, or INFUSION_MONITOR_DATA_DIR when set."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "INFUSION_MONITOR_DATA_DIR"


def data_dir() -> Path:
    configured = os.environ.get(ENV_DATA_DIR)
    path = Path(configured) if configured else Path(platformdirs.user_data_dir("infusion-monitor", appauthor=False))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)  # patient data: owner only (private_files)
    return path


def default_db_path() -> Path:
    return data_dir() / "monitor.sqlite3"


def clinic_file() -> Path:
    """The clinic's protocol (monitor.clinical.clinic_protocol), if IT has put one there."""
    return data_dir() / "clinic.json"


def captures_dir() -> Path:
    return data_dir() / "captures"


def backups_dir() -> Path:
    return data_dir() / "backups"
