"""Recovery after the infusion: the modified Aldrete score and the discharge criteria.

Items, wording and the threshold follow shared/clinical.md "Recovery and discharge — modified Aldrete"
[ALDRETE]: five items scored 0-2, discharge from monitored recovery at a total of 9 or more; plus a minimum
observation time after the infusion ends (typical 30-60 min; a clinic setting), an escort, no driving until
the next day, and the end-of-session pain score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.session.errors import EntryError

DISCHARGE_ALDRETE_AT_LEAST = 9  # [ALDRETE]
MIN_OBSERVATION_S = 60 * 60.0  # clinical.md: typical 30-60 min after the infusion ends; a clinic setting
# The Aldrete score discharge rests on must describe the patient now: at most one check interval old (clinical.md
# "Monitoring during infusion": assessments typically every 15 min). The service passes the clinic's interval.
ALDRETE_VALID_S = 15 * 60.0

# [ALDRETE] items: key, name, wording for 2, 1, 0 points.
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
        ("maintains SpO2 > 92 % on room air", "needs oxygen to keep SpO2 > 90 %", "SpO2 < 90 % even with oxygen"),
    ),
)

DISCHARGE_CHECKLIST: tuple[tuple[str, str], ...] = (
    ("escort_present", "Responsible adult escort present"),
    ("no_driving_advised", "Advised: no driving until the next day"),
    ("instructions_given", "Discharge instructions given"),
)


def validate_aldrete(payload: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, name, _wording in ALDRETE_ITEMS:
        value = payload.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value not in (0, 1, 2):
            raise EntryError(f"Aldrete '{name}' must be scored 0, 1 or 2")
        out[key] = value
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


def discharge_refusals(
    facts: DischargeFacts,
    checklist: Mapping[str, bool],
    now: float,
    min_observation_s: float = MIN_OBSERVATION_S,
    aldrete_valid_s: float = ALDRETE_VALID_S,
) -> list[str]:
    """Why discharge is not possible yet; empty when it is."""
    missing = []
    if facts.infusion_stopped_at is None:
        return ["the infusion has not been stopped"]
    observed = now - facts.infusion_stopped_at
    if observed < min_observation_s:
        missing.append(
            f"observed {observed / 60:.0f} of the minimum {min_observation_s / 60:.0f} min after the infusion"
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
    if not facts.end_pain_recorded:
        missing.append("no end-of-session pain score")
    missing += [f"not done: {label}" for key, label in DISCHARGE_CHECKLIST if not checklist.get(key)]
    return missing
