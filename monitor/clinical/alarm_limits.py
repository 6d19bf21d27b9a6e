"""Alarm limits for a ketamine infusion: defaults, hard bounds a session may not leave, priorities and delays.

The limit numbers are the typical clinic defaults in shared/clinical.md ("Default alarm limits for a ketamine
infusion"), each cited below. clinical.md gives no priorities, hard bounds, persistence delays or clearing
hysteresis: those are this program's (clinic) defaults, chosen to be adjustable per clinic, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum

from monitor.clinical.errors import EntryError
from monitor.wording import param_label


class AlarmPriority(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3


@dataclass(frozen=True, slots=True)
class Limit:
    param: str
    low: float | None
    high: float | None
    low_priority: AlarmPriority
    high_priority: AlarmPriority
    delay_s: float  # the condition must hold this long (artifact rejection); 0 alarms on one value
    bounds_low: tuple[float, float] | None  # the range a session may set the low limit in
    bounds_high: tuple[float, float] | None
    # Hysteresis (clinic default, see CLEAR_HOLD_S): a limit alarm clears only once the value is back inside by
    # `clear_margin` (in the parameter's unit) and has stayed there `clear_hold_s`.
    clear_margin: float = 0.0
    clear_hold_s: float = 0.0


def _limit(
    param: str,
    low: float | None,
    high: float | None,
    *,
    low_priority: AlarmPriority = AlarmPriority.MEDIUM,
    high_priority: AlarmPriority = AlarmPriority.MEDIUM,
    delay_s: float = 10.0,
    bounds_low: tuple[float, float] | None = None,
    bounds_high: tuple[float, float] | None = None,
    clear_margin: float = 0.0,
    clear_hold_s: float = 0.0,
) -> Limit:
    return Limit(
        param, low, high, low_priority, high_priority, delay_s, bounds_low, bounds_high, clear_margin, clear_hold_s
    )


HIGH, MEDIUM, LOW = AlarmPriority.HIGH, AlarmPriority.MEDIUM, AlarmPriority.LOW
# Hysteresis on clearing, so a value hovering at a limit (RR 7-8 against a low limit of 8) is one alarm, not one
# every few minutes. Clinic default: neither clinical.md nor IEC 60601-1-8 gives numbers. A continuous value must be
# back inside by its margin for 30 s; a cuff reading (one deliberate measurement) clears on one reading inside by
# its margin.
CLEAR_HOLD_S = 30.0

DEFAULT_LIMITS: dict[str, Limit] = {
    limit.param: limit
    for limit in (
        # clinical.md defaults: NIBP systolic 90 / 180 mmHg (above 180: pause infusion and reassess).
        # A cuff reading is already a deliberate measurement: one reading alarms at once (delay 0).
        _limit("NIBP_SYS", 90, 180, delay_s=0, bounds_low=(70, 110), bounds_high=(140, 220), clear_margin=5),
        # clinical.md defaults: NIBP diastolic 50 / 110 mmHg (above 110: pause infusion).
        _limit("NIBP_DIA", 50, 110, delay_s=0, bounds_low=(35, 70), bounds_high=(90, 130), clear_margin=5),
        # clinical.md defaults: heart rate 50 / 120 /min.
        _limit("HR", 50, 120, bounds_low=(30, 70), bounds_high=(90, 180), clear_margin=5, clear_hold_s=CLEAR_HOLD_S),
        # clinical.md defaults: SpO2 low 92 % (below 90: stop infusion, stimulate, oxygen). High priority: hypoxaemia.
        _limit(
            "SPO2",
            92,
            None,
            low_priority=HIGH,
            delay_s=15,
            bounds_low=(85, 96),
            clear_margin=2,
            clear_hold_s=CLEAR_HOLD_S,
        ),
        # clinical.md defaults: respiratory rate 8 / 30 /min. Low RR is respiratory depression: high priority.
        _limit(
            "RR",
            8,
            30,
            low_priority=HIGH,
            high_priority=LOW,
            delay_s=15,
            bounds_low=(4, 12),
            bounds_high=(20, 50),
            clear_margin=2,
            clear_hold_s=CLEAR_HOLD_S,
        ),
        # clinical.md defaults: EtCO2 25 / 50 mmHg.
        _limit(
            "ETCO2",
            25,
            50,
            delay_s=15,
            bounds_low=(15, 35),
            bounds_high=(40, 70),
            clear_margin=3,
            clear_hold_s=CLEAR_HOLD_S,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Action:
    threshold: float  # past this value (below for a low alarm, above for a high one) the protocol says what to do
    text: str


# clinical.md "Default alarm limits for a ketamine infusion", its notes column: what the protocol says to do past
# these values. They hold whatever limit a session sets, so they are not adjusted with the limits.
ACTIONS: dict[str, Action] = {
    "NIBP_SYS high": Action(180, "pause the infusion and reassess"),
    "NIBP_DIA high": Action(110, "pause the infusion"),
    "SPO2 low": Action(90, "stop the infusion, stimulate, give oxygen"),
}


def action_for(key: str, value: float) -> str | None:
    """What to do for the alarm `key` ("SPO2 low") at `value`, when the value is past its action threshold."""
    action = ACTIONS.get(key)
    if action is None:
        return None
    past = value < action.threshold if key.endswith(" low") else value > action.threshold
    return action.text if past else None


def adjust_limit(limit: Limit, low: float | None, high: float | None) -> Limit:
    """A session's own limit, refused with a message when it leaves the hard bounds or low >= high."""
    if (low is None) != (limit.low is None) or (high is None) != (limit.high is None):
        raise EntryError(
            f"{param_label(limit.param)} has {'a low' if limit.low is not None else 'no low'} and "
            f"{'a high' if limit.high is not None else 'no high'} limit; both cannot be added or removed"
        )
    for value, bounds, which in ((low, limit.bounds_low, "low"), (high, limit.bounds_high, "high")):
        if value is not None and bounds is not None and not bounds[0] <= value <= bounds[1]:
            raise EntryError(
                f"{param_label(limit.param)} {which} limit {value:g} is outside the allowed {bounds[0]:g}–{bounds[1]:g}"
            )
    if low is not None and high is not None and low >= high:
        raise EntryError(f"{param_label(limit.param)} low limit {low:g} must be below the high limit {high:g}")
    return replace(limit, low=low, high=high)
