"""The administrator's checks in the window (issue 18 point 9): the station's *Assign ports to chairs…* saves
station.json only for a signed-in administrator (a nurse sees why, and may look); a clinic protocol in use that no
administrator approved (`run --clinic FILE`, or clinic.json edited outside the program) is a standing notice on the
window until an administrator approves it from the Desk menu, which installs it as this desk's clinic.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from accounts import LONG_SECRET, PIN, make_account, service

from monitor.app.chair import ChairConfig
from monitor.app.desk import Desk
from monitor.app.desk_settings import CLINIC, STATION, DeskSettings, SettingsRefused
from monitor.app.settings_approval import DeskAdmin, desk_admin
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.roles import Role
from monitor.storage.db import connect
from monitor.storage.paths import clinic_file
from monitor.storage.settings_changes import read_changes
from monitor.ui.settings_notice import SettingsNotice
from monitor.ui.station_window import StationWindow


def _desk(db: Path) -> Desk:
    """Accounts AB (nurse) and ZA (administrator); AB signed in."""
    make_account(db, "ZA", Role.ADMIN)
    make_account(db, "AB", Role.NURSE)
    desk = Desk(service(db), DEFAULT_PROTOCOL.lock_after_s)
    desk.sign_in("AB", PIN)
    return desk


def _changes(db: Path, what: str) -> list[str]:
    conn = connect(db)
    try:
        return [c.by_initials for c in read_changes(conn, what)]
    finally:
        conn.close()


def test_only_an_administrator_saves_the_stations_ports_from_the_window(qtbot, tmp_path) -> None:
    db = tmp_path / "desk.sqlite3"
    desk = _desk(db)
    station = StationWindow([], [])  # a viewing station: the ports dialog is what is tested
    qtbot.addWidget(station)
    station.configs = [ChairConfig("Chair 1", None)]
    path = tmp_path / "station.json"
    station.admin = DeskAdmin(DeskSettings(db), desk, path, [])
    dialog = station.open_ports()
    assert not dialog.save_button.isEnabled(), "a nurse may look, not save"
    assert "Only an administrator may change the station's ports: AB is a nurse" in dialog.note.text()
    assert dialog.table.rowCount() == 1 and dialog.port_boxes[0].isEnabled(), "the ports are there to look at"
    dialog.accept()  # pressed anyway (Enter): refused again, nothing saved
    assert not path.exists() and dialog.isVisible()
    dialog.reject()
    desk.sign_in("ZA", LONG_SECRET)
    dialog = station.open_ports()
    assert dialog.save_button.isEnabled()
    dialog.accept()
    assert path.exists() and not dialog.isVisible()
    assert _changes(db, STATION) == ["ZA"]
    station.configs = []  # as built (no chair windows): closing pairs each config with its chair's window


def test_a_clinic_file_nobody_approved_is_a_standing_notice_until_an_administrator_approves_it(
    qtbot, live_window, tmp_path, questions
) -> None:
    window = live_window("stable", speed=20, initials="")
    db = window.db_path
    desk = window.workspace.desk  # locked (initials="")
    make_account(db, "ZA", Role.ADMIN)
    make_account(db, "AB", Role.NURSE)
    desk.sign_in("AB", PIN)
    given = tmp_path / "protocol-2026.json"  # `run --clinic FILE`
    given.write_text(json.dumps({"lock_after_min": 3}))
    notice = SettingsNotice(desk_admin(db, desk, given, station_used=False))
    notice.show_on(window)
    assert notice.bar.isVisible() and "SETTINGS NOT APPROVED — clinic.json" in notice.notice.text()
    assert str(given) in notice.notice.text()
    assert not notice.approve_action.isVisible(), "the approval is an administrator's"
    desk.lock()
    assert notice.bar.isVisible(), "the notice stands on a locked desk too"
    desk.sign_in("ZA", LONG_SECRET)
    assert notice.approve_action.isVisible()
    notice.approve_action.trigger()
    assert questions and "it becomes this desk's clinic.json" in questions[-1][1], "it asks, saying what"
    assert not notice.bar.isVisible() and not notice.approve_action.isVisible()
    assert _changes(db, CLINIC) == ["ZA"] and clinic_file().read_bytes() == given.read_bytes()
    assert desk_admin(db, desk, clinic_file(), station_used=False).pending() == [], "approved at the next start"


def test_an_approval_refuses_a_file_changed_since_the_start_and_a_nurse(tmp_path) -> None:
    db = tmp_path / "desk.sqlite3"
    desk = _desk(db)
    clinic_file().write_text(json.dumps({"lock_after_min": 3}))  # put there outside the program
    admin = desk_admin(db, desk, clinic_file(), station_used=False)
    assert [f.what for f in admin.pending()] == [CLINIC]
    with pytest.raises(SettingsRefused, match="Only an administrator may approve"):
        admin.approve()
    desk.sign_in("ZA", LONG_SECRET)
    clinic_file().write_text(json.dumps({"lock_after_min": 4}))  # edited again while the program runs
    with pytest.raises(SettingsRefused, match="changed since the program started"):
        admin.approve()
    assert _changes(db, CLINIC) == [] and admin.pending()
