"""The port picker saves station.json only through the administrator check (issue 18 point 9): a nurse is refused
in the dialog and nothing is saved; an administrator's save leaves a settings_changes row."""

from __future__ import annotations

from pathlib import Path

from accounts import signed_in

from monitor.app.chair import ChairConfig
from monitor.app.desk_settings import STATION, DeskSettings
from monitor.clinical.roles import Role
from monitor.storage.db import connect
from monitor.storage.settings_changes import read_changes
from monitor.ui.station_window import StationPortsDialog


def test_the_port_picker_saves_through_the_administrator_check(qtbot, tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    settings = DeskSettings(db)
    path = tmp_path / "station.json"
    chairs = [ChairConfig("Chair 1", None)]
    for who, saved in ((signed_in(db, "KM", Role.NURSE), False), (signed_in(db, "ZA", Role.ADMIN), True)):
        dialog = StationPortsDialog(chairs, save=lambda chosen, by=who: settings.save_station(chosen, path, by))
        qtbot.addWidget(dialog)
        dialog.accept()
        assert path.exists() is saved
        assert ("Only an administrator may change the station's ports" in dialog.note.text()) is not saved
    assert [c.by_initials for c in read_changes(connect(db), STATION)] == ["ZA"]
