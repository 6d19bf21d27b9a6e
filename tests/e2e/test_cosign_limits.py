"""A limit outside the clinic's defaults needs a charge nurse or prescriber (issue 18 point 4): a nurse's change is
refused without a co-signer and records nothing; co-signed, the limit change's alarm event names the co-signer on
disk. Tightening a limit needs nobody else; the hard bounds stay absolute whoever signs. Real simulator on a pty,
real acquisition, alarm service and SQLite writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.clinical.alarm_limits import DEFAULT_LIMITS
from monitor.clinical.alarms import AlarmAction
from monitor.clinical.errors import EntryError
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.db import connect, read_alarm_events
from monitor.storage.writer import SessionWriter


@pytest.fixture
def nurse_alarms(tmp_path: Path):
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=1, link_dir=tmp_path / "link")
    port = sim.start()
    clock = SessionClock(sim.device_now, use_device_time=True)
    db = tmp_path / "s.sqlite3"
    with SessionWriter(db) as writer:
        acq = Acquisition(AcquisitionConfig(port, "datex-s5", silence_timeout=3.0), writer, clock=clock.now)
        alarms = AlarmService(acq, writer, clock)
        alarms.require_cosign(lambda: False)  # the signed-in user is a nurse
        sid = acq.start()
        alarms.start()
        try:
            yield alarms, writer, db, sid
        finally:
            alarms.stop()
            acq.stop()
            sim.stop()


def _limit_events(writer: SessionWriter, db: Path, sid: int):
    writer.flush()
    return [e for e in read_alarm_events(connect(db), sid) if e.action == AlarmAction.LIMIT_CHANGED.value]


def test_a_nurse_widening_a_limit_needs_a_cosigner_and_the_event_names_them(nurse_alarms) -> None:
    alarms, writer, db, sid = nurse_alarms
    spo2 = DEFAULT_LIMITS["SPO2"]
    wider = spo2.low - 3
    with pytest.raises(EntryError, match="An alarm limit outside the clinic's defaults needs a charge nurse"):
        alarms.set_limit("SPO2", wider, spo2.high, "AB", "COPD: lives at 88 %")
    assert alarms.engine.limits["SPO2"].low == spo2.low
    with pytest.raises(EntryError, match="A second person co-signs"):
        alarms.set_limit("SPO2", wider, spo2.high, "AB", "COPD: lives at 88 %", cosigned_by="AB")
    event = alarms.set_limit("SPO2", wider, spo2.high, "AB", "COPD: lives at 88 %", cosigned_by="CD")
    assert event.who == "AB" and "(co-signed CD)" in event.message
    (stored,) = _limit_events(writer, db, sid)
    assert stored.who == "AB" and "(co-signed CD)" in stored.message and stored.value == wider


def test_tightening_needs_nobody_else_and_the_hard_bounds_stay_absolute(nurse_alarms) -> None:
    alarms, *_ = nurse_alarms
    spo2 = DEFAULT_LIMITS["SPO2"]
    event = alarms.set_limit("SPO2", spo2.low + 2, spo2.high, "AB", "alarm earlier for this patient")
    assert "co-signed" not in event.message
    assert spo2.bounds_low is not None
    with pytest.raises(EntryError, match="outside the allowed"):
        alarms.set_limit("SPO2", spo2.bounds_low[0] - 1, spo2.high, "AB", "beyond the hard bound", cosigned_by="CD")
