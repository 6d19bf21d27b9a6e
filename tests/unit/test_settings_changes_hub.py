"""A settings change (who installed which clinic.json, its sha256) reaches the clinic database like the record
(hub migration 6, the replicator's SHIP_ORDER), and the desk's role may not rewrite it there. Real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import hub_desks
import psycopg
import pytest
from accounts import signed_in

from monitor.app.desk_settings import CLINIC, DeskSettings
from monitor.clinical.roles import Role
from monitor.storage import db as store
from monitor.storage.replicator import ship_pending


def test_a_protocol_install_is_shipped_to_the_clinic_database_append_only(pg_dsn: str, tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    admin = signed_in(tmp_path / "accounts.sqlite3", "ZA", Role.ADMIN)
    source = tmp_path / "new.json"
    source.write_text('{"max_rate_mg_kg_h": 1.0}', encoding="utf-8")
    DeskSettings(path, clock=lambda: 1_767_225_600.0).install_clinic_file(source, tmp_path / "clinic.json", admin)
    desk_dsn = hub_desks.desk_dsn(pg_dsn, "desk_a")
    local = store.connect(path)
    try:
        with psycopg.connect(desk_dsn, autocommit=True) as hub:
            report = ship_pending(local, hub, "desk-a", None)
            assert report.shipped["settings_changes"] == 1 and report.pending == 0
            assert hub.execute("SELECT by_initials, what FROM settings_changes").fetchall() == [("ZA", CLINIC)]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                hub.execute("UPDATE settings_changes SET by_initials = 'XX'")
    finally:
        local.close()
