"""Changing the desk's settings needs an administrator and leaves an audit row (issue 18 point 9).

Qt-free. Installing a clinic protocol (clinic.json: alarm limits, dose ceilings) or saving the station's ports
(station.json) is refused (SettingsRefused) unless `by` is an active administrator; each change is a row of
settings_changes (who, which file, the sha256 of its content, when). A file on disk that is not what an
administrator last installed (copied in or edited outside the program) is found by `unapproved`, so the program
can ask an administrator to approve it (`approve`) before using it.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from monitor.app.station import ChairConfig, save_station
from monitor.clinical.clinic_protocol import ClinicProtocol, load_protocol
from monitor.clinical.roles import Account, Role
from monitor.storage.db import connect
from monitor.storage.private_files import new_file
from monitor.storage.settings_changes import SettingsChange, read_changes, record_change

CLINIC, STATION = "clinic.json", "station.json"


class SettingsRefused(Exception):
    """Why a settings change was refused (not an administrator)."""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class DeskSettings:
    def __init__(self, db_path: Path | str, clock: Callable[[], float] = time.time) -> None:
        self.db_path = db_path
        self.clock = clock

    def install_clinic_file(self, source: Path, target: Path, by: Account) -> ClinicProtocol:
        """Check `source` (ProtocolError naming the entry when unusable), copy it to `target`, record who."""
        _require_admin(by, "install a clinic protocol")
        protocol = load_protocol(source)  # a bad file is refused before anything changes
        with new_file(target, force=True) as tmp:
            shutil.copyfile(source, tmp)
        self._record(by, CLINIC, target, f"installed from {source}")
        return protocol

    def save_station(self, chairs: list[ChairConfig], path: Path, by: Account) -> Path:
        """Save the chairs' ports; `path` is station.json (app.station.station_file() in the program)."""
        _require_admin(by, "change the station's ports")
        save_station(chairs, path)
        self._record(by, STATION, path, "; ".join(f"{c.name}: {c.port or 'simulated'}" for c in chairs))
        return path

    def approve(self, path: Path, what: str, by: Account) -> None:
        """An administrator accepts the file as it is on disk (one put there outside the program)."""
        _require_admin(by, f"approve {what}")
        self._record(by, what, path, "approved as found on disk")

    def unapproved(self, path: Path, what: str) -> bool:
        """Whether the file on disk differs from what an administrator last installed or approved."""
        if not Path(path).is_file():
            return False
        conn = connect(self.db_path)
        try:
            changes = read_changes(conn, what)
        finally:
            conn.close()
        return not changes or changes[-1].sha256 != file_sha256(path)

    def _record(self, by: Account, what: str, path: Path, detail: str) -> None:
        conn = connect(self.db_path)
        try:
            record_change(conn, SettingsChange(self.clock(), by.initials, what, file_sha256(path), detail))
        finally:
            conn.close()


def _require_admin(by: Account, what: str) -> None:
    if not (by.active and by.role is Role.ADMIN):
        raise SettingsRefused(f"Only an administrator may {what}: {by.initials} is a {by.role.label}")
