"""Issue 21 point 2: every numeric the monitor sends is kept. The ones no canonical parameter maps (OtherValue) are
stored as sent (local migration 18, append-only), and the live model judges them by the tiles' one rule."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.latest_values import LatestValues
from monitor.clinical.currency import Currency
from monitor.devices.events import MeasurementState, OtherValue, Sample
from monitor.storage.db import connect
from monitor.storage.writer import SessionWriter

T0 = 1_700_000_000.0
PERF = 0x4BB0  # NOM_PULS_OXIM_PERF_REL: a perfusion index no monitor.params name maps for IntelliVue
PVC = 0x4261


def _perf(value: float | None, t: float = T0, state: int = 0) -> OtherValue:
    return OtherValue(PERF, "NOM_PULS_OXIM_PERF_REL (0x4BB0)", "", value, t, t + 0.1, state)


def _rows(db: Path) -> list[tuple]:
    conn = connect(db)
    try:
        return conn.execute(
            "SELECT session_id, code, label, unit, t, host_t, value, state FROM other_values ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def test_the_acquisition_stores_every_other_value_as_the_monitor_sent_it(tmp_path: Path) -> None:
    """Through the acquisition's event path (what the link's worker calls with a decoder's events): the samples
    and the other values of one batch are both on disk, an other value without a number as NULL with its state."""
    db = tmp_path / "m.sqlite3"
    with SessionWriter(db) as writer:
        # any protocol: the events are given as a driver would hand them on
        acquisition = Acquisition(AcquisitionConfig("/dev/pts/9", "datex-s5"), writer)
        acquisition.session_id = writer.open_session("/dev/pts/9", "intellivue-mib")
        events = [
            Sample("HR", 72.0, T0, T0 + 0.1),
            _perf(2.5),
            OtherValue(PVC, "NOM_ECG_V_P_C_CNT (0x4261)", "/min", 0.0, T0, T0 + 0.1),
            _perf(None, T0 + 1, int(MeasurementState.INVALID | MeasurementState.UNAVAILABLE)),
        ]
        acquisition._on_events(events, T0 + 0.1)
        assert writer.flush()
        sid = acquisition.session_id
    assert _rows(db) == [
        (sid, PERF, "NOM_PULS_OXIM_PERF_REL (0x4BB0)", "", T0, T0 + 0.1, 2.5, 0),
        (sid, PVC, "NOM_ECG_V_P_C_CNT (0x4261)", "/min", T0, T0 + 0.1, 0.0, 0),
        (sid, PERF, "NOM_PULS_OXIM_PERF_REL (0x4BB0)", "", T0 + 1, T0 + 1.1, None, 0xA000),
    ]
    conn = connect(db)
    assert conn.execute("SELECT param, value FROM samples").fetchall() == [("HR", 72.0)]
    conn.close()


def test_an_infinite_other_value_is_quarantined_and_the_rest_written(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/pts/9", "intellivue-mib")
        writer.add_other_values(sid, [_perf(1.0), _perf(float("inf"), T0 + 1), _perf(3.0, T0 + 2)])
        assert writer.flush()
        assert writer.quarantined == 1 and "not a finite number" in (writer.last_quarantine or "")
    assert [r[6] for r in _rows(db)] == [1.0, 3.0]
    conn = connect(db)
    assert conn.execute("SELECT target FROM quarantine").fetchall() == [("other_values",)]
    conn.close()


def test_a_stored_other_value_is_never_changed_or_deleted(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/pts/9", "intellivue-mib")
        writer.add_other_values(sid, [_perf(1.0)])
        assert writer.flush()
    conn = connect(db)
    for statement in ("UPDATE other_values SET value = 2", "DELETE FROM other_values"):
        with pytest.raises(sqlite3.IntegrityError, match="never changed"):
            conn.execute(statement)
    conn.close()


def test_other_values_follow_the_tiles_rule_current_stale_invalid() -> None:
    values = LatestValues()
    values.on_link(True)
    values.on_other_values([_perf(2.5), OtherValue(PVC, "NOM_ECG_V_P_C_CNT (0x4261)", "/min", 3.0, T0, T0)])
    shown = values.others(T0 + 1)
    assert [(o.label, o.text, o.unit, o.shown.currency) for o in shown] == [
        ("NOM_ECG_V_P_C_CNT (0x4261)", "3", "/min", Currency.CURRENT),
        ("NOM_PULS_OXIM_PERF_REL (0x4BB0)", "2.5", "", Currency.CURRENT),
    ]
    # stale after 30 s, like a tile's continuous value: still the number, with its age
    perf = next(o for o in values.others(T0 + 31) if o.code == PERF)
    assert perf.shown.currency is Currency.STALE and perf.text == "2.5" and perf.shown.note == "31 s ago"
    # flagged by the monitor: "--" with why, at once (never the last good number)
    values.on_other_values([_perf(2.4, T0 + 2, int(MeasurementState.QUESTIONABLE))])
    perf = next(o for o in values.others(T0 + 2) if o.code == PERF)
    assert (perf.text, perf.shown.currency, perf.shown.note) == ("--", Currency.INVALID, "questionable")
    values.on_other_values([_perf(None, T0 + 3)])
    perf = next(o for o in values.others(T0 + 3) if o.code == PERF)
    assert (perf.text, perf.shown.note) == ("--", "no valid value")
    values.on_other_values([_perf(2.6, T0 + 4, int(MeasurementState.VALIDATED))])  # a harmless bit: current
    perf = next(o for o in values.others(T0 + 4) if o.code == PERF)
    assert perf.text == "2.6" and perf.shown.current
    # the link down: none is current
    values.on_link(False, "no data from the monitor")
    assert {(o.text, o.shown.note) for o in values.others(T0 + 5)} == {("--", "no data from the monitor")}


def test_what_makes_an_other_value_not_a_reading() -> None:
    assert _perf(1.0).problem() == ""
    assert _perf(float("nan")).problem() == "no valid value"
    assert _perf(1.0, state=int(MeasurementState.DEMO_DATA)).problem() == "demo data"
    both = MeasurementState.INVALID | MeasurementState.TEST_DATA
    assert _perf(1.0, state=int(both)).problem() == "invalid, test data"
    assert _perf(1.0, state=int(MeasurementState.IN_ALARM | MeasurementState.MEASUREMENT_ONGOING)).problem() == ""
