"""Simulator scenarios end to end through a real pty, link, decoder and the alarm service: the right alarms, at the
right priority, in order -- and nothing at all in `stable`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import AlarmAction, AlarmCategory, AlarmEvent
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.devices.simulator.scenario import SCENARIO_DIR
from monitor.storage.db import connect, read_alarm_events
from monitor.storage.writer import SessionWriter


@pytest.fixture
def run_scenario(tmp_path: Path):
    def run(
        scenario: str, speed: float, until_s: float, setup=None, protocol: str = "datex-s5"
    ) -> tuple[list[AlarmEvent], float, Path, int]:
        name = Path(scenario).stem  # a scenario's name, or a scenario file of the test's own
        sim = SimulatedMonitor(protocol, load_scenario(scenario), speed=speed, link_dir=tmp_path / name / protocol)
        port = sim.start()
        clock = SessionClock(sim.device_now, use_device_time=True)
        db = tmp_path / f"{name}-{protocol}.sqlite3"
        events: list[AlarmEvent] = []
        with SessionWriter(db) as writer:
            acq = Acquisition(
                AcquisitionConfig(port, protocol, silence_timeout=3.0), writer, clock=clock.now, timebase="device"
            )
            alarms = AlarmService(acq, writer, clock)
            alarms.add_listener(events.extend)
            sid = acq.start()
            if setup is not None:
                setup(alarms)
            alarms.start()
            try:
                while sim.session_time() < until_s:
                    time.sleep(0.1)
            finally:
                alarms.stop()
                acq.stop()
                sim.stop()
        return events, acq.started_at, db, sid

    return run


def onsets(events: list[AlarmEvent]) -> list[AlarmEvent]:
    return [e for e in events if e.action is AlarmAction.ONSET]


def test_stable_raises_nothing(run_scenario) -> None:
    events, *_ = run_scenario("stable", speed=300, until_s=1800)
    assert events == []


def test_respiratory_depression_alarms_etco2_then_rr_and_spo2_at_high_priority(run_scenario) -> None:
    events, _t0, db, sid = run_scenario("respiratory-depression", speed=250, until_s=1500)
    found = {e.key: e for e in onsets(events)}
    assert set(found) == {"ETCO2 high", "RR low", "SPO2 low"}, [e.message for e in events]
    assert found["RR low"].priority is AlarmPriority.HIGH and found["SPO2 low"].priority is AlarmPriority.HIGH
    assert found["ETCO2 high"].priority is AlarmPriority.MEDIUM
    assert found["ETCO2 high"].t < found["SPO2 low"].t, "CO2 retention shows before desaturation"
    assert found["SPO2 low"].value < 92 and found["SPO2 low"].limit == 92
    assert all(e.category is AlarmCategory.CLINICAL for e in found.values())
    conn = connect(db)
    stored = read_alarm_events(conn, sid)
    conn.close()
    assert [(r.action, r.key) for r in stored if r.action == "onset"] == [("onset", e.key) for e in onsets(events)]


def test_ketamine_hypertension_alarms_on_the_nibp_reading_above_the_session_limit(run_scenario) -> None:
    # The scenario peaks at ~160/96 (baseline 128/80 + 32/16): under the 180 default. This patient's limit is set
    # at 150, within the hard bounds, with who and why -- as a nurse would for a patient with a low baseline.
    def lower_limit(alarms: AlarmService) -> None:
        alarms.set_limit("NIBP_SYS", 90, 150, "AB", "baseline 128: alarm at +20 mmHg")

    events, t0, *_ = run_scenario("ketamine-hypertension", speed=300, until_s=2400, setup=lower_limit)
    assert (
        events[0].action is AlarmAction.LIMIT_CHANGED and events[0].who == "AB" and "baseline 128" in events[0].message
    )
    (sbp,) = [e for e in onsets(events) if e.key == "NIBP_SYS high"]
    assert sbp.priority is AlarmPriority.MEDIUM and sbp.value > 150
    assert 300 < sbp.t - t0 < 2400, "during the ramp, on a cuff reading"
    assert {e.key for e in onsets(events)} == {"NIBP_SYS high"}


def test_sensor_off_and_cable_pull_are_technical_alarms_that_clear(run_scenario) -> None:
    # The DRI has no probe-off flag: SpO2 simply has no valid value. Masimo says "sensor off" itself.
    for protocol, key in (("masimo-ascii", "sensor"), ("datex-s5", "invalid values")):
        events, *_ = run_scenario("sensor-off", speed=40, until_s=200, protocol=protocol)
        assert [(e.action, e.key) for e in events] == [(AlarmAction.ONSET, key), (AlarmAction.CLEAR, key)], protocol
        assert events[0].category is AlarmCategory.TECHNICAL
    first_pull = load_scenario("cable-pull").cable_pull[0]
    events, *_ = run_scenario("cable-pull", speed=20, until_s=first_pull.end_s + 40)
    disc = [e for e in events if e.key == "monitor disconnected"]
    assert [e.action for e in disc][:2] == [AlarmAction.ONSET, AlarmAction.CLEAR]
    assert disc[0].category is AlarmCategory.TECHNICAL and disc[0].priority is AlarmPriority.MEDIUM


def test_the_capnograph_apnoea_flag_in_real_dri_records_is_a_high_alarm(run_scenario, tmp_path: Path) -> None:
    scenario = json.loads((SCENARIO_DIR / "stable.json").read_text()) | {"apnea": [{"start_s": 300, "end_s": 330}]}
    path = tmp_path / "scenarios" / "apnoea.json"
    path.parent.mkdir()
    path.write_text(json.dumps(scenario))
    events, t0, *_ = run_scenario(str(path), speed=100, until_s=450)
    apnoea = [e for e in events if e.key == "apnea"]
    assert [e.action for e in apnoea] == [AlarmAction.ONSET, AlarmAction.CLEAR], [e.message for e in events]
    assert apnoea[0].priority is AlarmPriority.HIGH and apnoea[0].category is AlarmCategory.CLINICAL
    # t0 is the session's start as recorded; at 100x a tenth of a second's scheduling delay at the start is 10 s of
    # device time (seen 287 s under load), so the window is checked to within 20 s, not 10.
    assert 280 <= apnoea[0].t - t0 < 340 and "latched" in apnoea[1].message, "at the window, on a record"
