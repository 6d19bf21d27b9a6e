"""The alarm engine at its exact edges (limits from shared/clinical.md "Default alarm limits"; delays, hysteresis,
escalation and audio pause as documented in session.alarm_limits / session.alarms). Found by benchmarks/mutation.py:
these edges were what its surviving mutants changed."""

from __future__ import annotations

from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import AlarmAction, AlarmEngine, AlarmStatus
from monitor.clinical.nibp import NibpReading
from monitor.devices.events import DeviceStatus, Sample, ValueState


def feed(engine: AlarmEngine, param: str, values: list[float], t0: float = 0.0) -> list:
    events = []
    for i, v in enumerate(values):
        events += engine.on_samples([(Sample(param, v, t0 + i, t0 + i), t0 + i)])
    return events


def test_a_value_at_its_limit_is_inside() -> None:
    """clinical.md: HR 50 / 120; alarms are for values beyond the limit."""
    engine = AlarmEngine()
    assert feed(engine, "HR", [120.0] * 20) == [] and feed(engine, "HR", [50.0] * 20, 20) == []
    assert [e.key for e in feed(engine, "HR", [121.0] * 11, 40)] == ["HR high"]


def test_an_alarm_clears_only_inside_by_its_margin() -> None:
    """HR clears 5 below the high limit (hysteresis margin), held for 30 s."""
    engine = AlarmEngine()
    feed(engine, "HR", [130.0] * 11)
    assert feed(engine, "HR", [116.0] * 40, 11) == [], "inside, but not by the margin"
    (clear,) = feed(engine, "HR", [115.0] * 31, 51)
    assert clear.action is AlarmAction.CLEAR


def test_nibp_goes_only_through_readings_and_a_missing_value_is_not_judged() -> None:
    engine = AlarmEngine()
    assert feed(engine, "NIBP_SYS", [250.0] * 5) == [], "cuff values alarm per reading, not as samples"
    assert engine.on_nibp([(NibpReading(10, 10, None, 40, None), 10)])[0].key == "NIBP_DIA low"
    assert engine.on_nibp([(NibpReading(20, 20, 190, None, None), 20)])[0].key == "NIBP_SYS high"


def test_a_technical_alarm_takes_the_latest_message_and_a_clinical_one_keeps_its_own() -> None:
    engine = AlarmEngine()
    engine.on_link("disconnected", 1, "since 10:00")
    assert engine.on_link("disconnected", 2, "since 10:01") == []
    assert engine.alarms["monitor disconnected"].message == "Monitor disconnected since 10:01"


def test_discharge_ends_the_patients_alarms_but_not_the_links() -> None:
    engine = AlarmEngine()
    feed(engine, "SPO2", [85.0] * 16)
    engine.on_link("silent", 20)
    ended = engine.end_patient(21)
    assert [e.key for e in ended] == ["SPO2 low"] and set(engine.alarms) == {"no data"}


def test_a_latched_alarm_whose_condition_returns_is_active_again() -> None:
    engine = AlarmEngine()
    feed(engine, "SPO2", [85.0] * 16)
    feed(engine, "SPO2", [97.0] * 31, 16)
    assert engine.alarms["SPO2 low"].status is AlarmStatus.LATCHED
    feed(engine, "SPO2", [86.0] * 2, 47)
    assert engine.alarms["SPO2 low"].status is AlarmStatus.ACTIVE


def test_a_deep_sedation_score_again_before_acknowledgement_reactivates_the_latched_alarm() -> None:
    engine = AlarmEngine()
    engine.on_sedation(("moaas", 2), 1)
    engine.on_sedation(("moaas", 4), 2)
    assert engine.alarms["sedation"].status is AlarmStatus.LATCHED
    assert engine.on_sedation(("moaas", 1), 3) == []
    assert engine.alarms["sedation"].status is AlarmStatus.ACTIVE and engine.alarms["sedation"].value == 1


def test_the_audio_pause_ends_at_exactly_two_minutes() -> None:
    """clinical.md: the audio pause is time-limited, commonly 2 min."""
    engine = AlarmEngine()
    feed(engine, "HR", [130.0] * 11)
    engine.pause_audio(20, "AB")
    assert engine.audio_priority(139.9) is None
    assert engine.audio_priority(140) is AlarmPriority.MEDIUM
    assert not [e for e in engine.tick(139.9) if e.action is AlarmAction.AUDIO_RESUMED]
    assert any(e.action is AlarmAction.AUDIO_RESUMED for e in engine.tick(140))


def test_escalation_after_exactly_its_wait() -> None:
    """session.alarms: medium escalates after 120 s unacknowledged, low after 300 s (this program's defaults)."""
    engine = AlarmEngine()
    feed(engine, "HR", [130.0] * 11)  # medium onset at t = 10
    assert engine.tick(129.9) == []
    assert [e.action for e in engine.tick(130)] == [AlarmAction.ESCALATE]
    low = AlarmEngine()
    feed(low, "RR", [35.0] * 16)  # RR high: low priority, onset at t = 15
    assert low.tick(314.9) == [] and [e.priority for e in low.tick(315)] == [AlarmPriority.MEDIUM]


def test_persistent_invalid_values_alarm_after_exactly_10_s() -> None:
    engine = AlarmEngine()
    engine.on_device_status(DeviceStatus(0, 0, unavailable=(("SPO2", ValueState.INVALID),)), 0)
    engine.on_device_status(DeviceStatus(5, 5, unavailable=(("SPO2", ValueState.INVALID),)), 5)
    assert engine.tick(9.9) == []
    (invalid,) = engine.tick(10)
    assert invalid.key == "invalid values" and invalid.message == "No valid value: SpO₂"
