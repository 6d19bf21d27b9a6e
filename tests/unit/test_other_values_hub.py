"""Issue 21 point 2 on the clinic database (real PostgreSQL): the other values a desk stored ship with its record
(hub migration 9), each exactly as stored, a missing number as NULL."""

from __future__ import annotations

import psycopg

from monitor.devices.events import MeasurementState, OtherValue, Sample
from monitor.storage import hub_schema
from monitor.storage.db import connect
from monitor.storage.replicator import ship_pending
from monitor.storage.writer import SessionWriter

T0 = 1_767_225_600.0
COLUMNS = "id, session_id, code, label, unit, t, host_t, value, state"


def test_other_values_ship_to_the_clinic_database_as_stored(pg_dsn: str, tmp_path) -> None:
    db = tmp_path / "m.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("sim", "intellivue-mib", started_at=T0)
        writer.add_samples(sid, [Sample("HR", 70.0, T0, T0)])
        writer.add_other_values(sid, [
            OtherValue(0x4BB0, "NOM_PULS_OXIM_PERF_REL (0x4BB0)", "", 2.5, T0, T0 + 0.1),
            OtherValue(0x4261, "NOM_ECG_V_P_C_CNT (0x4261)", "/min", None, T0 + 1, T0 + 1.1,
                       int(MeasurementState.UNAVAILABLE)),
        ])
        assert writer.flush()
    hub_schema.init(pg_dsn)
    local = connect(db)
    try:
        with psycopg.connect(pg_dsn, autocommit=True) as hub:
            report = ship_pending(local, hub, "desk-a")
            shipped = hub.execute(f"SELECT {COLUMNS} FROM other_values WHERE desk = 'desk-a' ORDER BY id").fetchall()
        stored = local.execute(f"SELECT {COLUMNS} FROM other_values ORDER BY id").fetchall()
    finally:
        local.close()
    assert report.shipped["other_values"] == 2 and report.pending == 0
    assert [tuple(r) for r in shipped] == stored
    assert stored[1][7] is None and stored[1][8] == 0x2000
