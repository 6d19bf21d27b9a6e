"""Desks on the test's clinic database (issue 17): a desk's login role and DSN, and shipping its local record the
program's way (storage.replicator.ship_pending)."""

from __future__ import annotations

from pathlib import Path

import pg
import psycopg
from psycopg.conninfo import conninfo_to_dict

from monitor.storage import hub_schema
from monitor.storage.db import connect
from monitor.storage.replicator import ship_pending


def desk_dsn(pg_dsn: str, role: str) -> str:
    """The clinic database (migrated) as desk `role` connects to it: a member of monitor_desk, INSERT+SELECT only."""
    hub_schema.init(pg_dsn, desk_role=role)
    return pg.with_dbname(pg_dsn, conninfo_to_dict(pg_dsn)["dbname"], role)


def ship(db_path: Path, dsn: str, desk: str) -> None:
    """Everything the local database at `db_path` holds that the hub has not, as desk `desk`."""
    local = connect(db_path)
    try:
        with psycopg.connect(dsn, autocommit=True) as hub:
            ship_pending(local, hub, desk)
    finally:
        local.close()
