"""Pre-infusion screening: contraindications and cautions, consent, fasting, escort, baseline vitals and pain.

Items follow shared/clinical.md "Contraindications and cautions (screening)" [ASRA-2018]. What blocks the start:
no consent (always); a contraindication answered yes, or a baseline blood pressure above the gate, unless an
override with a reason is recorded. Missing fasting or escort confirmation is shown as a caution.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from monitor.clinical.errors import EntryError, parse_number


class Contraindication(StrEnum):
    SUBSTANCE_MISUSE = "history of substance misuse"
    PSYCHOSIS = "active psychosis or history of schizophrenia"
    BIPOLAR = "bipolar disorder or mania"
    HYPERTENSION = "uncontrolled hypertension"
    HEPATIC = "severe hepatic disease or cirrhosis"
    PREGNANCY = "pregnancy or breastfeeding"
    PRESSURE = "raised intracranial or intraocular pressure"
    CARDIAC = "poorly controlled cardiovascular disease (unstable angina, recent myocardial infarction)"


# clinical.md "Default alarm limits", baseline BP gate: clinics commonly refuse to start above 160/100 without a
# documented reason ([REMS] flags > 140/90 as a risk to weigh).
BP_GATE_SYS = 160
BP_GATE_DIA = 100
BP_CAUTION_SYS = 140  # [REMS], via clinical.md: above 140/90 is a risk to weigh (a caution, not a block)
BP_CAUTION_DIA = 90


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    hard_blocks: tuple[str, ...]  # no override possible
    blocks: tuple[str, ...]  # need an override with a reason
    cautions: tuple[str, ...]
    overridden: bool

    @property
    def may_start(self) -> bool:
        return not self.hard_blocks and (not self.blocks or self.overridden)

    def refusal(self) -> str:
        if self.hard_blocks:
            return "Cannot start: " + "; ".join(self.hard_blocks)
        return "Cannot start without an override and its reason: " + "; ".join(self.blocks)


_COSIGNER_RE = re.compile(r"^[A-Z]{2,4}$")  # as entries.INITIALS_RE (which imports this module)


def _flag(payload: Mapping[str, Any], key: str) -> bool:
    value = payload.get(key)
    if not isinstance(value, bool):
        raise EntryError(f"Screening: answer '{key.replace('_', ' ')}' with yes or no")
    return value


def validate_screening(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A clean copy of a screening form, or EntryError naming what is missing or wrong."""
    answers = payload.get("answers") or {}
    clean_answers = {}
    for item in Contraindication:
        value = answers.get(item.name.lower())
        if not isinstance(value, bool):
            raise EntryError(f"Screening: answer '{item.value}' with yes or no")
        clean_answers[item.name.lower()] = value
    out: dict[str, Any] = {"answers": clean_answers}
    for key in ("consent", "fasting", "escort"):
        out[key] = _flag(payload, key)
    baseline = payload.get("baseline") or {}
    out["baseline"] = {
        "sys": _within(baseline.get("sys"), "Baseline systolic BP", "mmHg", 50, 280),
        "dia": _within(baseline.get("dia"), "Baseline diastolic BP", "mmHg", 20, 180),
        "hr": _within(baseline.get("hr"), "Baseline heart rate", "/min", 20, 250),
        "spo2": _within(baseline.get("spo2"), "Baseline SpO₂", "%", 50, 100),
    }
    if out["baseline"]["dia"] >= out["baseline"]["sys"]:
        raise EntryError("Baseline diastolic BP must be below the systolic")
    pain = payload.get("baseline_pain")
    if not isinstance(pain, int) or isinstance(pain, bool) or not 0 <= pain <= 10:
        raise EntryError("Baseline pain score must be a whole number from 0 to 10")
    out["baseline_pain"] = pain
    for key in ("medications", "notes", "override_reason"):
        text = str(payload.get(key, "") or "").strip()
        if len(text) > 500:
            raise EntryError(f"Screening: '{key}' is too long (at most 500 characters)")
        if text:
            out[key] = text
    if "override_reason" in out and len(out["override_reason"]) < 3:
        raise EntryError("An override needs a reason a colleague can read")
    cosigner = str(payload.get("cosigned_by", "") or "").strip().upper()
    if cosigner:  # the charge nurse / prescriber who co-signed the override (issue 18 point 4), audit-chained
        if not ("override_reason" in out and _COSIGNER_RE.match(cosigner)):
            raise EntryError("A co-signature belongs to an override, by initials of 2 to 4 letters")
        out["cosigned_by"] = cosigner
    return out


def _within(value: Any, what: str, unit: str, low: float, high: float) -> float:
    number = parse_number(value if value is not None else "", what, unit)
    if not low <= number <= high:
        raise EntryError(f"{what} {number:g} {unit} is not plausible (expected {low:g}–{high:g})")
    return number


def evaluate(screening: Mapping[str, Any], gate: tuple[float, float] = (BP_GATE_SYS, BP_GATE_DIA)) -> ScreeningResult:
    """What a (validated) screening means for the start; `gate`: the clinic's baseline BP gate (sys, dia)."""
    hard = [] if screening["consent"] else ["consent is not recorded"]
    blocks = [f"contraindication: {item.value}" for item in Contraindication if screening["answers"][item.name.lower()]]
    bp = screening["baseline"]
    above_gate = bp["sys"] > gate[0] or bp["dia"] > gate[1]
    if above_gate:
        blocks.append(f"baseline BP {bp['sys']:g}/{bp['dia']:g} is above {gate[0]:g}/{gate[1]:g}")
    cautions = []
    if not above_gate and (bp["sys"] > BP_CAUTION_SYS or bp["dia"] > BP_CAUTION_DIA):
        cautions.append(f"baseline BP {bp['sys']:g}/{bp['dia']:g} is above {BP_CAUTION_SYS}/{BP_CAUTION_DIA}")
    if not screening["fasting"]:
        cautions.append("fasting not confirmed")
    if not screening["escort"]:
        cautions.append("no escort arranged for discharge")
    return ScreeningResult(tuple(hard), tuple(blocks), tuple(cautions), bool(screening.get("override_reason")))
