"""Recovery after the infusion: the modified Aldrete score and the discharge criteria.

Items, wording and the threshold follow shared/clinical.md "Recovery and discharge — modified Aldrete"
[ALDRETE]: five items scored 0-2, discharge from monitored recovery at a total of 9 or more; plus a minimum
observation time (60 min after the infusion ends, clinic default; or [PI] at least 2 h after dosing for the
esketamine-rems protocol), an escort, no driving until
the next day, and the end-of-session pain score.

The record never contradicts the monitor: discharge is refused while a high-priority clinical alarm is indicated,
and an Aldrete item the monitor can judge (oxygen saturation, respiration, circulation) may not claim more than
the monitor's values allow (`aldrete_contradictions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from monitor.clinical.errors import EntryError

DISCHARGE_ALDRETE_AT_LEAST = 9  # [ALDRETE]
MIN_OBSERVATION_S = 60 * 60.0  # clinic default: 60 min after the infusion ends (clinical.md, as in ED protocols)
REMS_OBSERVATION_S = 2 * 60 * 60.0  # [PI]: observe at least 2 h after dosing (the esketamine-rems protocol)
# The Aldrete score discharge rests on must describe the patient now: at most one check interval old (clinical.md
# "Monitoring during infusion": assessments typically every 15 min). The service passes the clinic's interval.
ALDRETE_VALID_S = 15 * 60.0


class ObserveFrom(StrEnum):
    """Where the minimum observation time is measured from (the clinic's protocol decides): after the infusion ends
    (iv-ketamine, clinic default) or after dosing ([PI] for esketamine-rems: the infusion's start, or a later bolus --
    every dose is followed by the whole observation time)."""

    INFUSION_END = "the infusion"
    DOSING = "dosing"


class Circulation(StrEnum):
    """clinical.md [ALDRETE] Circulation: two published variants; the % one (the original) is the default, the
    clinic may choose the mmHg one (clinic.json "aldrete_circulation")."""

    PERCENT = "percent"
    MMHG = "mmHg"


# [ALDRETE] items: key, name, wording for 2, 1, 0 points (circulation: the mmHg variant; see aldrete_items).
ALDRETE_ITEMS: tuple[tuple[str, str, tuple[str, str, str]], ...] = (
    (
        "activity",
        "Activity",
        ("moves four extremities voluntarily or on command", "moves two extremities", "moves no extremity"),
    ),
    ("respiration", "Respiration", ("breathes deeply and coughs freely", "dyspnoea or limited breathing", "apnoeic")),
    (
        "circulation",
        "Circulation",
        ("BP within ±20 mmHg of pre-infusion level", "BP within ±20–49 mmHg", "BP differs by ≥ 50 mmHg"),
    ),
    ("consciousness", "Consciousness", ("fully awake", "arousable on calling", "not responding")),
    (
        "oxygen",
        "Oxygen saturation",
        ("maintains SpO₂ > 92 % on room air", "needs oxygen to keep SpO₂ > 90 %", "SpO₂ < 90 % even with oxygen"),
    ),
)

CIRCULATION_WORDING = {
    Circulation.PERCENT: (
        "BP within ±20 % of pre-infusion level",
        "BP within ±20–49 % of pre-infusion level",
        "BP differs by ≥ 50 %",
    ),
    Circulation.MMHG: ALDRETE_ITEMS[2][2],
}


CIRCULATION_IN = "circulation_in"  # an Aldrete entry's key: the variant its circulation item was scored in
CIRCULATION_SAID = {
    Circulation.PERCENT: "circulation in % of the pre-infusion BP",
    Circulation.MMHG: "circulation in mmHg",
}


def aldrete_items(circulation: Circulation = Circulation.PERCENT) -> tuple[tuple[str, str, tuple[str, str, str]], ...]:
    """The items with the clinic's circulation variant."""
    return tuple(
        (key, name, CIRCULATION_WORDING[circulation] if key == "circulation" else wording)
        for key, name, wording in ALDRETE_ITEMS
    )


DISCHARGE_CHECKLIST: tuple[tuple[str, str], ...] = (
    ("escort_present", "Responsible adult escort present"),
    ("no_driving_advised", "Advised: no driving until the next day"),
    ("instructions_given", "Discharge instructions given"),
)


def validate_aldrete(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The five item scores, and the nurse's reason for keeping a score that contradicts the monitor (the service
    adds what it contradicts, `contradicts`, after checking it against the monitor itself)."""
    out: dict[str, Any] = {}
    for key, name, _wording in ALDRETE_ITEMS:
        value = payload.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value not in (0, 1, 2):
            raise EntryError(f"Aldrete '{name}' must be scored 0, 1 or 2")
        out[key] = value
    reason = payload.get("override_reason") or ""
    if not isinstance(reason, str):
        raise EntryError("The reason for keeping the Aldrete score must be text")
    if reason.strip():
        out["override_reason"] = reason.strip()
    return out


def aldrete_total(payload: Mapping[str, Any]) -> int:
    return sum(int(payload[key]) for key, _name, _wording in ALDRETE_ITEMS)


def validate_discharge(payload: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, label in DISCHARGE_CHECKLIST:
        value = payload.get(key)
        if not isinstance(value, bool):
            raise EntryError(f"Discharge checklist: answer '{label}'")
        out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class DischargeFacts:
    """What the session holds that discharge depends on (gathered by the service from live entries)."""

    infusion_stopped_at: float | None
    latest_aldrete: int | None  # total of the latest Aldrete score recorded after the stop
    end_pain_recorded: bool  # a pain score after the stop
    latest_aldrete_at: float | None = None  # when that score was taken
    high_alarms: tuple[str, ...] = ()  # high-priority clinical alarms indicated now (acknowledged or not)
    dosed_at: float | None = None  # the last dose: the infusion's start or a later bolus (ObserveFrom.DOSING)
    last_cuff_at: float | None = None  # the monitor's latest cuff reading (NIBP), when it was taken


def discharge_refusals(
    facts: DischargeFacts,
    checklist: Mapping[str, bool],
    now: float,
    min_observation_s: float = MIN_OBSERVATION_S,
    aldrete_valid_s: float = ALDRETE_VALID_S,
    observe_from: ObserveFrom = ObserveFrom.INFUSION_END,
    bp_before_end: bool = False,
) -> list[str]:
    """Why discharge is not possible yet; empty when it is. `min_observation_s` counts from `observe_from`;
    `bp_before_end` ([PI]/[REMS] "BP ... before the session ends"): a cuff reading at most `aldrete_valid_s` (one
    check interval) old is needed too."""
    # A high-priority clinical alarm (IEC 60601-1-8 as in clinical.md) means the patient needs attention now:
    # acknowledging it silences it, it does not make the patient fit to leave.
    missing = [f"high-priority alarm: {message}" for message in facts.high_alarms]
    if facts.infusion_stopped_at is None:
        return [*missing, "the infusion has not been stopped"]
    since = facts.infusion_stopped_at
    if observe_from is ObserveFrom.DOSING and facts.dosed_at is not None:
        since = facts.dosed_at
    observed = now - since
    if observed < min_observation_s:
        missing.append(
            f"observed {observed / 60:.0f} of the minimum {min_observation_s / 60:.0f} min after {observe_from.value}"
        )
    if facts.latest_aldrete is None:
        missing.append("no modified Aldrete score since the infusion stopped")
    elif facts.latest_aldrete < DISCHARGE_ALDRETE_AT_LEAST:
        missing.append(f"modified Aldrete {facts.latest_aldrete} is below {DISCHARGE_ALDRETE_AT_LEAST}")
    elif facts.latest_aldrete_at is not None and now - facts.latest_aldrete_at > aldrete_valid_s:
        age = (now - facts.latest_aldrete_at) / 60
        missing.append(
            f"the modified Aldrete score is {age:.0f} min old (at most {aldrete_valid_s / 60:.0f}): score it again"
        )
    if bp_before_end and (facts.last_cuff_at is None or now - facts.last_cuff_at > aldrete_valid_s):
        last = facts.last_cuff_at
        age = "none yet" if last is None else f"the latest is {(now - last) / 60:.0f} min old"
        missing.append(
            f"no cuff reading (NIBP) in the last {aldrete_valid_s / 60:.0f} min ({age}): "
            "[PI] BP before the session ends"
        )
    if not facts.end_pain_recorded:
        missing.append("no end-of-session pain score")
    missing += [f"not done: {label}" for key, label in DISCHARGE_CHECKLIST if not checklist.get(key)]
    return missing


# --- the Aldrete score against the monitor ------------------------------------------------------------------------

SPO2_ROOM_AIR_ABOVE = 92.0  # [ALDRETE] oxygen 2: "maintains SpO2 > 92 % on room air"
SPO2_WITH_OXYGEN_ABOVE = 90.0  # [ALDRETE] oxygen 1: "needs oxygen to keep SpO2 > 90 %"
CIRCULATION_BANDS = (20.0, 50.0)  # [ALDRETE] circulation: within ±20 → 2, 20–49 → 1, ≥ 50 → 0 (% or mmHg)


@dataclass(frozen=True, slots=True)
class MonitorValues:
    """What the monitor shows now, as judged for the screen (a value that is not current is None, with why)."""

    spo2: float | None = None
    spo2_not_current: str = ""  # why there is no current SpO2 ("invalid", "30 s old", "no value yet")
    rr: float | None = None  # current respiratory rate, None when not current
    apnoea: bool = False  # the capnograph reports apnoea now
    cuff: tuple[float, float] | None = None  # the latest cuff reading (sys, dia)
    cuff_at: str = ""  # its time, for the message
    cuff_taken_at: float | None = None  # its time, for the rule ([PI]/[REMS]: BP before the session ends)
    baseline: tuple[float, float] | None = None  # the pre-infusion BP: the screening's that the start rested on

    def describe(self) -> str:
        spo2 = f"SpO₂ {self.spo2:.0f} %" if self.spo2 is not None else f"SpO₂ not current ({self.spo2_not_current})"
        parts = [spo2, "apnoea flagged" if self.apnoea else f"RR {self.rr:.0f} /min" if self.rr is not None else ""]
        if self.cuff is not None:
            parts.append(f"cuff {self.cuff[0]:g}/{self.cuff[1]:g} at {self.cuff_at}".strip())
        if self.baseline is not None:
            parts.append(f"pre-infusion {self.baseline[0]:g}/{self.baseline[1]:g}")
        return ", ".join(p for p in parts if p)


def circulation_points(
    cuff: tuple[float, float], baseline: tuple[float, float], circulation: Circulation = Circulation.PERCENT
) -> int:
    """[ALDRETE] circulation from the cuff reading against the pre-infusion level. This program compares systolic
    and diastolic and takes the larger difference (a pressure "within ±20" only when both are)."""
    diffs = [abs(now - before) for now, before in zip(cuff, baseline, strict=True)]
    if circulation is Circulation.PERCENT:
        diffs = [100.0 * d / before for d, before in zip(diffs, baseline, strict=True)]
    worst = max(diffs)
    return 2 if worst < CIRCULATION_BANDS[0] else 1 if worst < CIRCULATION_BANDS[1] else 0


def aldrete_contradictions(
    scores: Mapping[str, Any],
    values: MonitorValues,
    rr_limits: tuple[float | None, float | None] = (8.0, 30.0),
    circulation: Circulation = Circulation.PERCENT,
) -> list[str]:
    """Items scored higher than the monitor's values allow; empty when none is.

    Only a claim the monitor refutes counts: a lower score than the values suggest is the nurse's judgement (the
    monitor cannot see oxygen being given, nor how deep a breath is). `rr_limits`: the session's RR alarm limits
    (clinical.md limits table, 8 / 30 clinic default) -- outside them breathing is not "deep and free"."""
    out = []
    oxygen = scores.get("oxygen")
    if oxygen in (1, 2):
        above = SPO2_ROOM_AIR_ABOVE if oxygen == 2 else SPO2_WITH_OXYGEN_ABOVE
        if values.spo2 is None:
            out.append(f"oxygen {oxygen} needs SpO₂ > {above:g} %, but SpO₂ is not current ({values.spo2_not_current})")
        elif values.spo2 <= above:
            out.append(f"oxygen {oxygen} needs SpO₂ > {above:g} %, the monitor shows {values.spo2:.0f} %")
    respiration = scores.get("respiration")
    if respiration in (1, 2) and values.apnoea:
        out.append(f"respiration {respiration}, but the capnograph reports apnoea")
    elif respiration == 2 and values.rr is not None:
        low, high = rr_limits
        if (low is not None and values.rr < low) or (high is not None and values.rr > high):
            out.append(f"respiration 2 (breathes deeply), but RR is {values.rr:.0f} /min")
    if values.cuff is not None and values.baseline is not None:
        allowed = circulation_points(values.cuff, values.baseline, circulation)
        if scores.get("circulation", 0) > allowed:
            out.append(
                f"circulation {scores['circulation']}, but the cuff reading {values.cuff[0]:g}/{values.cuff[1]:g} "
                f"against the pre-infusion {values.baseline[0]:g}/{values.baseline[1]:g} gives {allowed}"
            )
    return out
