"""Changing ports (station.json) or installing a clinic protocol (clinic.json) needs an administrator and leaves an
append-only audit row with the file's sha256 (issue 18 point 9). Real accounts (tests/accounts.py), real SQLite."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from accounts import signed_in

from monitor.app.chair import ChairConfig
from monitor.app.desk_settings import CLINIC, STATION, DeskSettings, SettingsRefused
from monitor.app.station import load_station
from monitor.clinical.clinic_protocol import ProtocolError
from monitor.clinical.roles import Role
from monitor.storage.db import connect
from monitor.storage.settings_changes import read_changes


@pytest.fixture
def desk(tmp_path: Path):
    db = tmp_path / "desk.sqlite3"
    return DeskSettings(db, clock=lambda: 1_767_225_600.0), db


def _protocol(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_an_administrator_installs_a_clinic_protocol_and_the_row_names_who_and_which(desk, tmp_path) -> None:
    settings, db = desk
    admin = signed_in(db, "ZA", Role.ADMIN)
    source = _protocol(tmp_path, "new.json", {"max_rate_mg_kg_h": 1.0, "alarm_limits": {"SPO2": {"low": 93}}})
    target = tmp_path / "data" / "clinic.json"
    protocol = settings.install_clinic_file(source, target, admin)
    assert protocol.infusion.max_rate_mg_kg_h == 1.0 and target.read_bytes() == source.read_bytes()
    (row,) = read_changes(connect(db), CLINIC)
    assert (row.by_initials, row.sha256) == ("ZA", hashlib.sha256(source.read_bytes()).hexdigest())
    assert not settings.unapproved(target, CLINIC)
    target.write_text(json.dumps({"max_rate_mg_kg_h": 3.0}), encoding="utf-8")  # edited outside the program
    assert settings.unapproved(target, CLINIC)
    settings.approve(target, CLINIC, admin)
    assert not settings.unapproved(target, CLINIC) and len(read_changes(connect(db), CLINIC)) == 2


@pytest.mark.parametrize("role", [Role.NURSE, Role.CHARGE])
def test_a_nurse_or_charge_nurse_may_not_install_a_protocol_or_change_ports(desk, tmp_path, role) -> None:
    settings, db = desk
    someone = signed_in(db, "KM", role)
    target = tmp_path / "clinic.json"
    with pytest.raises(SettingsRefused, match="Only an administrator may install a clinic protocol"):
        settings.install_clinic_file(_protocol(tmp_path, "new.json", {}), target, someone)
    with pytest.raises(SettingsRefused, match="Only an administrator may change the station's ports"):
        settings.save_station([ChairConfig("Chair 1", "/dev/ttyUSB0")], tmp_path / "station.json", someone)
    assert not target.exists() and not (tmp_path / "station.json").exists()
    assert read_changes(connect(db)) == []


def test_a_bad_protocol_file_changes_nothing(desk, tmp_path) -> None:
    settings, db = desk
    admin = signed_in(db, "ZA", Role.ADMIN)
    bad = _protocol(tmp_path, "bad.json", {"max_rate_mg_kg_h": 50})
    with pytest.raises(ProtocolError, match="max_rate_mg_kg_h"):
        settings.install_clinic_file(bad, tmp_path / "c.json", admin)
    assert not (tmp_path / "c.json").exists() and read_changes(connect(db)) == []


def test_saving_the_ports_is_recorded_and_the_rows_are_append_only(desk, tmp_path) -> None:
    settings, db = desk
    admin = signed_in(db, "ZA", Role.ADMIN)
    path = settings.save_station([ChairConfig("Chair 1", "/dev/ttyUSB0")], tmp_path / "station.json", admin)
    assert load_station(path)[0].port == "/dev/ttyUSB0"
    (row,) = read_changes(connect(db), STATION)
    assert row.by_initials == "ZA" and "Chair 1: /dev/ttyUSB0" in row.detail
    conn = connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="never changed"):
        conn.execute("UPDATE settings_changes SET by_initials = 'XX'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM settings_changes")
