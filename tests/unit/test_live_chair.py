"""The live model of a chair without Qt (monitor.app.live_chair): fed the chair's events, it answers what the
workspace, the station card and the Aldrete cross-check show. Real database, real services."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.app.live_chair import LiveChair
from monitor.app.session_service import SessionService
from monitor.clinical.currency import STALE_AFTER_S, Currency
from monitor.clinical.entries import EntryKind
from monitor.clinical.infusion import InfusionState
from monitor.clinical.schedule import CheckStatus
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample
from monitor.devices.link import LinkEvent, LinkState
from monitor.storage.patients import Patient
from monitor.storage.writer import SessionWriter

T0 = 1_767_225_600.0
START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 70, "rate_mg_kg_h": 0.5}


@pytest.fixture
def chair(tmp_path: Path):
    """A session service, an alarm service on an acquisition whose port is not needed, and the live model; the
    session clock is moved by the test (`clock.t`)."""
    clock = SimpleNamespace(t=T0)
    session_clock = SessionClock(lambda: clock.t, use_device_time=True)
    with SessionWriter(tmp_path / "live.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        service = SessionService(writer, sid, T0, clock=session_clock.now, initials="AB")
        acquisition = Acquisition(AcquisitionConfig("/dev/pts/9", "datex-s5"), writer, clock=session_clock.now)
        acquisition.session_id = sid  # as start() sets it
        alarms = AlarmService(acquisition, writer, session_clock)
        live = LiveChair(service, alarms, use_device_time=True)
        alarms.add_reading_listener(live.on_nibp)  # the facade does this through its queue
        samples: list[list[Sample]] = []

        def send(*batch: Sample) -> None:
            """What the link thread does with decoded samples: every listener, then the GUI gets them."""
            for listener in acquisition._event_listeners:
                listener(list(batch))
            live.on_samples(batch)
            samples.append(list(batch))

        yield live, service, clock, send


def _link(state: LinkState, t: float) -> LinkEvent:
    return LinkEvent(state, t, "/dev/pts/9", "", t)


def test_values_with_validity_and_age_follow_the_link_and_the_monitors_conditions(chair) -> None:
    live, _service, _clock, send = chair
    assert live.shown("SPO2", T0).note == "monitor not sending" and live.link_state is None
    assert live.on_link(_link(LinkState.RECEIVING, T0)), "the monitor starts sending"
    assert not live.on_link(_link(LinkState.RECEIVING, T0 + 1)), "no change"
    send(Sample("SPO2", 97.0, T0 + 10, T0 + 10), Sample("RR", 14.0, T0 + 10, T0 + 10))
    assert live.shown("SPO2", T0 + 11).current and live.current("SPO2", T0 + 11) == 97.0
    stale = live.shown("SPO2", T0 + 10 + STALE_AFTER_S + 1)
    assert stale.currency is Currency.STALE and live.current("SPO2", T0 + 10 + STALE_AFTER_S + 1) is None
    live.on_status(DeviceStatus(T0 + 12, T0 + 12, frozenset({DeviceCondition.SENSOR_OFF, DeviceCondition.APNEA})))
    assert live.conditions == {DeviceCondition.SENSOR_OFF, DeviceCondition.APNEA}
    assert live.shown("SPO2", T0 + 12).currency is Currency.INVALID, "invalid at once, not 30 s later"
    values = live.monitor_values(T0 + 12)
    assert values.spo2 is None and values.spo2_not_current == "sensor off" and values.apnoea
    assert live.on_link(_link(LinkState.DISCONNECTED, T0 + 13))
    assert live.shown("RR", T0 + 13).note == "monitor disconnected" and not live.receiving
    assert not live.monitor_values(T0 + 13).apnoea, "a condition from a monitor that is not sending is not now"
    assert live.link_state is LinkState.DISCONNECTED


def test_one_nibp_detector_the_alarm_services_feeds_the_model_and_the_schedule(chair) -> None:
    live, service, clock, send = chair
    live.on_link(_link(LinkState.RECEIVING, T0))
    clock.t = T0 + 60
    service.record(EntryKind.INFUSION, START).result(5)
    send(Sample("NIBP_SYS", 124.0, T0 + 100, T0 + 100), Sample("NIBP_DIA", 78.0, T0 + 100, T0 + 100))
    send(Sample("NIBP_SYS", 124.0, T0 + 105, T0 + 105), Sample("NIBP_DIA", 78.0, T0 + 105, T0 + 105))
    assert live.values.nibp_times == [T0 + 100], "each cuff reading once, from the alarm service's detector"
    nibp = live.values.nibp(T0 + 160)
    assert nibp.text == "124/78" and nibp.sys.current and nibp.sys.age_s == 60.0
    assert live.monitor_values(T0 + 160).cuff == (124.0, 78.0)
    assert "latest NIBP 124/78" in live.recovery_context(T0 + 160)
    check, gone = live.next_check(T0 + 160)
    assert check is not None and "vitals" not in check.missing, "the cuff reading counts for the check's vitals"
    assert gone == 0 and check.status is not CheckStatus.OVERDUE


def test_without_an_alarm_service_the_model_detects_the_cuff_readings_itself(chair) -> None:
    _live, service, _clock, _send = chair
    alone = LiveChair(service, None)
    readings = alone.on_samples([Sample("NIBP_SYS", 110.0, T0 + 5, T0 + 5), Sample("NIBP_DIA", 70.0, T0 + 5, T0 + 5)])
    assert [r.sys for r in readings] == [110.0] and alone.values.nibp_times == [T0 + 5]
    assert alone.alarms() == [] and alone.standing() == []


def test_patient_nurse_infusion_and_alarms_come_from_the_chairs_services(chair) -> None:
    live, service, clock, send = chair
    assert live.patient is None and live.nurse == "AB"
    patient = Patient(1, "Ada Lovelace", "H1", "1815-12-10", 54.0, "none")
    live.on_patient(patient)
    assert live.patient is patient
    clock.t = T0 + 60
    service.record(EntryKind.INFUSION, START).result(5)
    assert live.infusion(T0 + 120).state is InfusionState.RUNNING
    live.on_link(_link(LinkState.RECEIVING, T0))
    for t in (T0 + 130, T0 + 160):  # past the 15 s delay of a low SpO2 (clinical.md via alarm_limits)
        clock.t = t
        send(Sample("SPO2", 84.0, t, t))
    assert [a.key for a in live.alarms()] == ["SPO2 low"]
    live.alarm_service.sound_unavailable("no audio output device")
    assert [a.key for a in live.alarms()] == ["SPO2 low"], "a standing condition is not among the alarms"
    assert [a.key for a in live.standing()] == ["alarm sound"]
