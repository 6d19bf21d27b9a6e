"""The one rule for a value on screen (monitor.clinical.currency) and the chair's LatestValues that feed it."""

from __future__ import annotations

from monitor.app.latest_values import LatestValues
from monitor.clinical.currency import NIBP_STALE_AFTER_S, STALE_AFTER_S, Currency, judge
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, SampleFlag, ValueState


def test_invalid_wins_at_once_then_age_decides() -> None:
    assert judge("HR", 72, 100.0, 101.0).currency is Currency.CURRENT
    stale = judge("HR", 72, 100.0, 100.0 + STALE_AFTER_S + 1)
    assert stale.currency is Currency.STALE and stale.text == "72" and stale.note == "31 s ago"
    invalid = judge("SPO2", 97, 100.0, 100.5, invalid="sensor off")
    assert invalid.currency is Currency.INVALID and invalid.text == "--" and invalid.note == "sensor off"
    assert judge("NIBP_SYS", 120, 0.0, NIBP_STALE_AFTER_S - 1).current, "a cuff reading counts for 15 min"
    assert not judge("NIBP_SYS", 120, 0.0, NIBP_STALE_AFTER_S + 1).current
    assert judge("RR", None, None, 5.0).currency is Currency.NONE


def _sample(param: str, value: float, t: float, flags: SampleFlag = SampleFlag.NONE) -> Sample:
    return Sample(param, value, t, t, flags)


def test_latest_values_follow_the_monitors_flags_and_the_link() -> None:
    values = LatestValues()
    values.on_link(True)
    values.on_samples([_sample("SPO2", 97, 10.0), _sample("HR", 72, 10.0)])
    assert values.shown("SPO2", 11.0).current
    # The DRI: SpO2 has no valid value. Invalid at once, not 30 s later.
    values.on_status(DeviceStatus(11.0, 11.0, unavailable=(("SPO2", ValueState.INVALID),)))
    shown = values.shown("SPO2", 11.0)
    assert shown.currency is Currency.INVALID and shown.text == "--" and shown.note == "no valid value"
    assert values.shown("HR", 11.0).current
    # Masimo: the probe is off (a sensor condition): the oximeter's values are invalid.
    values.on_status(DeviceStatus(12.0, 12.0, frozenset({DeviceCondition.SENSOR_OFF})))
    assert values.shown("SPO2", 12.0).note == "sensor off" and values.shown("PR", 12.0).currency is Currency.INVALID
    values.on_status(DeviceStatus(13.0, 13.0))
    values.on_samples([_sample("SPO2", 96, 13.0)])
    assert values.shown("SPO2", 13.0).current
    values.on_link(False, "monitor disconnected")
    assert values.shown("HR", 13.0).note == "monitor disconnected" and not values.shown("SPO2", 13.0).current


def test_a_cuff_reading_is_judged_from_its_own_time_and_survives_not_updated() -> None:
    values = LatestValues()
    values.on_link(True)
    values.on_samples([_sample("NIBP_SYS", 120, 100.0), _sample("NIBP_DIA", 80, 100.0)])
    values.on_status(DeviceStatus(105.0, 105.0, unavailable=(("NIBP_MEAN", ValueState.NOT_UPDATED),)))
    nibp = values.nibp(400.0)
    assert nibp.text == "120/80" and nibp.sys.current and nibp.sys.age_s == 300.0
    assert values.nibp_times == [100.0]
    assert values.shown("NIBP_DIA", 400.0).value == 80, "a cuff value asked for by name comes from the reading"
    assert not values.nibp(100.0 + NIBP_STALE_AFTER_S + 1).sys.current
