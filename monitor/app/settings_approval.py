"""The desk's settings files in the window (issue 18 point 9): who may save the station's ports, and the settings
files in use that no administrator approved. Qt-free.

At start the program uses clinic.json (or `run --clinic FILE`) and station.json as they are; one that differs from
what an administrator last installed or approved (DeskSettings.unapproved: copied in or edited outside the program,
or a `--clinic` file never installed) is a standing notice on the window until an administrator approves it. The
window is not signed in at start, so a `--clinic FILE` is used for the run but flagged; an administrator's approval
installs it as this desk's clinic.json (DeskSettings.install_clinic_file), so the next start uses what was approved.
An approval is refused when the file changed again since the start: what was approved is what is in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.app.desk import Desk
from monitor.app.desk_settings import CLINIC, STATION, DeskSettings, SettingsRefused, file_sha256
from monitor.app.station import ChairConfig, station_file
from monitor.clinical.roles import Role
from monitor.storage.paths import clinic_file


@dataclass(frozen=True, slots=True)
class SettingsFile:
    """A settings file the program uses: which (CLINIC, STATION), where, its content's sha256 when the program read
    it, and where an approval installs it (None: approved where it is)."""

    what: str
    path: Path
    sha256: str
    install_to: Path | None = None

    @classmethod
    def in_use(cls, what: str, path: Path, desk_copy: Path | None = None) -> SettingsFile:
        install_to = desk_copy if desk_copy is not None and Path(path).resolve() != Path(desk_copy).resolve() else None
        return cls(what, Path(path), file_sha256(path), install_to)


class DeskAdmin:
    """The administrator's checks at a signed-in desk: saving station.json, approving the settings files in use."""

    def __init__(self, settings: DeskSettings, desk: Desk, station_path: Path, in_use: list[SettingsFile]) -> None:
        self.settings = settings
        self.desk = desk
        self.station_path = Path(station_path)
        self._pending = [f for f in in_use if settings.unapproved(f.path, f.what)]

    # --- who may ----------------------------------------------------------------------------------------------

    def refusal(self, action: str) -> str:
        """Why the signed-in account may not `action` (settings need an administrator); "" when it may."""
        account = self.desk.account
        if account is None:
            return f"The desk is locked: an administrator signs in to {action}"
        role = getattr(account, "role", None)
        if role is not Role.ADMIN:
            label = role.label if isinstance(role, Role) else "not an administrator"
            return f"Only an administrator may {action}: {account.initials} is a {label}. You can look, not save."
        return ""

    def _admin(self, action: str):  # -> Account
        why = self.refusal(action)
        if why:
            raise SettingsRefused(why)
        return self.desk.account

    # --- the station's ports ----------------------------------------------------------------------------------

    def save_station(self, chairs: list[ChairConfig]) -> Path:
        """station.json saved by the signed-in administrator (a settings_changes row), or SettingsRefused."""
        return self.settings.save_station(chairs, self.station_path, self._admin("change the station's ports"))

    # --- files in use that no administrator approved ---------------------------------------------------------

    def pending(self) -> list[SettingsFile]:
        return list(self._pending)

    def notice(self) -> str:
        """The standing notice while a settings file in use is unapproved; "" when none is."""
        if not self._pending:
            return ""
        files = ", ".join(f"{f.what} ({f.path})" for f in self._pending)
        return (
            f"SETTINGS NOT APPROVED — {files} is in use, not as an administrator last installed or approved it. "
            "An administrator signs in and approves it: Desk → Approve settings files…"
        )

    def question(self) -> str:
        """What approving records, to confirm."""
        lines = []
        for f in self._pending:
            then = f"; it becomes this desk's {f.what} ({f.install_to})" if f.install_to else ""
            lines.append(f"Approve {f.path} as in use now (sha256 {f.sha256[:12]}…){then}.")
        return "\n".join(lines) + "\n\nYour initials are recorded with the approval (settings changes)."

    def approve(self) -> list[str]:
        """The signed-in administrator approves every pending file as it was read at start (installing a `--clinic`
        file as this desk's clinic.json); SettingsRefused when not an administrator or a file changed since."""
        by = self._admin("approve the desk's settings files")
        done = []
        for f in list(self._pending):
            if not f.path.is_file() or file_sha256(f.path) != f.sha256:
                raise SettingsRefused(
                    f"{f.what} ({f.path}) changed since the program started: restart the program to use it, then "
                    "approve it"
                )
            if f.install_to is not None and f.what == CLINIC:
                self.settings.install_clinic_file(f.path, f.install_to, by)
            else:
                self.settings.approve(f.path, f.what, by)
            self._pending.remove(f)
            done.append(f.what)
        return done


def desk_admin(db_path: Path, desk: Desk, clinic_path: Path | None, station_used: bool) -> DeskAdmin:
    """The program's DeskAdmin: the clinic protocol file in use (`run --clinic FILE`, else the desk's clinic.json,
    None: the built-in defaults) and station.json when the station runs from it (`--station 0`)."""
    in_use = []
    if clinic_path is not None and Path(clinic_path).is_file():
        in_use.append(SettingsFile.in_use(CLINIC, Path(clinic_path), clinic_file()))
    if station_used and station_file().is_file():
        in_use.append(SettingsFile.in_use(STATION, station_file()))
    return DeskAdmin(DeskSettings(db_path), desk, station_file(), in_use)
