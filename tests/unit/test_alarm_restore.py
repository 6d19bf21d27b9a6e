"""The alarm state a resumed session continues, folded from its alarm record: a real AlarmEngine is driven through
a history, its events stored as the writer stores them (AlarmEventRow), and the fold must agree with the engine
about every latching alarm nobody acknowledged -- and about the session's limits."""

from __future__ import annotations

from monitor.app.alarm_restore import restored_alarms, restored_engine, restored_limits
from monitor.clinical.alarm_limits import DEFAULT_LIMITS
from monitor.clinical.alarms import AlarmEngine, AlarmEvent, AlarmStatus
from monitor.devices.events import Sample
from monitor.storage.db import AlarmEventRow


def _row(e: AlarmEvent) -> AlarmEventRow:
    """As AlarmService records it."""
    priority = e.priority.name.lower() if e.priority else None
    category = e.category.value if e.category else None
    return AlarmEventRow(e.t, e.action.value, e.key, e.message, priority, category, e.value, e.limit, e.who)


def _feed(engine: AlarmEngine, param: str, values: list[float], t0: float) -> list[AlarmEvent]:
    out: list[AlarmEvent] = []
    for i, v in enumerate(values):
        out += engine.on_samples([(Sample(param, v, t0 + i, t0 + i), t0 + i)])
    return out


def _unanswered_latching(engine: AlarmEngine) -> dict[str, AlarmStatus]:
    return {k: a.status for k, a in engine.alarms.items() if a.latching and a.status is not AlarmStatus.ACKNOWLEDGED}


def _restored(events: list[AlarmEvent]) -> dict[str, AlarmStatus]:
    return {k: a.status for k, a in restored_alarms([_row(e) for e in events]).items()}


def test_an_active_high_alarm_is_restored_active_and_a_cleared_one_latched() -> None:
    engine = AlarmEngine()
    events = _feed(engine, "SPO2", [85.0] * 20, 0)  # high priority after 15 s
    assert _restored(events) == _unanswered_latching(engine) == {"SPO2 low": AlarmStatus.ACTIVE}
    events += _feed(engine, "SPO2", [97.0] * 40, 20)  # back inside by the margin for 30 s: latched
    assert _restored(events) == _unanswered_latching(engine) == {"SPO2 low": AlarmStatus.LATCHED}
    (alarm,) = restored_alarms([_row(e) for e in events]).values()
    assert alarm.param == "SPO2" and alarm.latching and alarm.onset == 15.0, "on its tile, from its onset"


def test_acknowledged_and_medium_alarms_are_not_restored() -> None:
    engine = AlarmEngine()
    events = _feed(engine, "SPO2", [85.0] * 20, 0) + _feed(engine, "HR", [130.0] * 12, 0)  # HR high: medium
    events += engine.acknowledge(30, "AB")
    events += _feed(engine, "SPO2", [97.0] * 40, 31)
    assert _restored(events) == _unanswered_latching(engine) == {}


def test_a_latched_alarm_that_returns_and_clears_again_is_latched_again() -> None:
    engine = AlarmEngine()
    events = _feed(engine, "SPO2", [85.0] * 20, 0) + _feed(engine, "SPO2", [97.0] * 40, 20)
    events += _feed(engine, "SPO2", [86.0] * 5, 60)  # back before anyone acknowledged: active, no event
    events += _feed(engine, "SPO2", [97.0] * 40, 65)
    assert _restored(events) == _unanswered_latching(engine) == {"SPO2 low": AlarmStatus.LATCHED}
    events += engine.acknowledge(200, "AB") + _feed(engine, "SPO2", [85.0] * 20, 201)
    assert _restored(events) == _unanswered_latching(engine) == {"SPO2 low": AlarmStatus.ACTIVE}, "a new onset"


def test_limit_changes_are_restored_in_order() -> None:
    engine = AlarmEngine()
    events = [engine.set_limit("HR", 45, 110, 10, "AB"), engine.set_limit("HR", 40, 100, 20, "AB")]
    events.append(engine.set_limit("SPO2", 90, None, 30, "AB"))
    limits = restored_limits(DEFAULT_LIMITS, [_row(e) for e in events])
    assert limits == engine.limits
    assert (limits["HR"].low, limits["HR"].high, limits["SPO2"].low) == (40, 100, 90)
    assert limits["RR"] == DEFAULT_LIMITS["RR"], "unchanged limits stay the clinic's"


def test_a_limit_change_without_its_values_keeps_the_clinic_limit() -> None:
    """A record from before the new limits were stored with the change: nothing to restore, nothing invented."""
    old = AlarmEventRow(5.0, "limit changed", "HR", "HR limits 50–120 → 45–110", None, None, None, None, "AB")
    assert restored_limits(DEFAULT_LIMITS, [old])["HR"] == DEFAULT_LIMITS["HR"]


def test_a_discharged_session_restores_its_limits_but_no_alarm() -> None:
    engine = AlarmEngine()
    events = [engine.set_limit("HR", 45, 110, 1, "AB"), *_feed(engine, "SPO2", [85.0] * 20, 2)]
    rows = [_row(e) for e in events]
    assert restored_engine(DEFAULT_LIMITS, rows).alarms.keys() == {"SPO2 low"}
    discharged = restored_engine(DEFAULT_LIMITS, rows, discharged=True)
    assert discharged.alarms == {} and discharged.limits["HR"].high == 110
