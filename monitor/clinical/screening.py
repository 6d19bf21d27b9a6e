"""Pre-infusion screening: contraindications and cautions, tests prompts, the pre-dose MOAA/S, consent, fasting,
escort, baseline vitals and pain.

Items follow shared/clinical.md "Contraindications and cautions (screening)". What blocks the start: no consent
(always); a relative contraindication [ASRA-2018] answered yes, or a baseline blood pressure above the gate, unless
an override with a reason is recorded. Cautions (moderate hepatic disease [ASRA-2018], the items clinics add, and a
missing fasting or escort confirmation) are recorded with the screening and shown, never blocking. The tests
prompts [ASRA-2018] (baseline ECG, liver function tests) are answered "not indicated" or "indicated: done or
arranged": recorded as acknowledged, never blocking.

A screening recorded before issue 19 (payload "answers", the LegacyItem keys, no pre-dose MOAA/S) still reads and
shows as it was recorded: each of its items was a block then, and it is evaluated so (nothing recorded is
rewritten). A new screening is recorded in the current form only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from monitor.clinical.errors import EntryError, parse_number
from monitor.clinical.scales import MOAAS


class Contraindication(StrEnum):
    """The relative contraindications [ASRA-2018]: a yes blocks the start unless overridden with a reason."""

    CARDIOVASCULAR = "poorly controlled cardiovascular disease, incl. uncontrolled hypertension"
    PREGNANCY = "pregnancy"
    ACTIVE_PSYCHOSIS = "active psychosis"
    ACTIVE_SUBSTANCE_ABUSE = "active substance abuse"
    SEVERE_HEPATIC = "severe hepatic disease"
    RAISED_PRESSURE = "raised intracranial or intraocular pressure"


class Caution(StrEnum):
    """Cautions to weigh, recorded with the screening: moderate hepatic disease [ASRA-2018]; the others are the
    items clinics add (clinical.md: the seed article's "certain psychiatric conditions", "substance abuse"; [PI])."""

    MODERATE_HEPATIC = "moderate hepatic disease"
    PSYCHIATRIC_HISTORY = "history of schizophrenia, bipolar disorder or mania"
    SUBSTANCE_MISUSE_HISTORY = "history of substance misuse"
    BREASTFEEDING = "breastfeeding (not recommended)"  # [PI]


class Investigation(StrEnum):
    """The tests [ASRA-2018] names for some patients (none needed for healthy ones): prompts, not blocks."""

    ECG = "baseline ECG: where cardiovascular disease is suspected or the risk is high"
    LFT = (
        "liver function tests before and after infusions, to be considered: liver dysfunction, at risk (alcohol, "
        "chronic hepatitis), or high doses at frequent intervals (the course view shows the dose history)"
    )


SHORT_NAME = {Investigation.ECG: "baseline ECG", Investigation.LFT: "liver function tests"}


class InvestigationAnswer(StrEnum):
    NOT_INDICATED = "not indicated"
    INDICATED = "indicated: done or arranged"


class LegacyItem(StrEnum):
    """The items of a screening recorded before issue 19 (payload "answers"), worded as they were asked then; each
    blocked the start. Read only: kept so an old record shows as it was recorded."""

    SUBSTANCE_MISUSE = "history of substance misuse"
    PSYCHOSIS = "active psychosis or history of schizophrenia"
    BIPOLAR = "bipolar disorder or mania"
    HYPERTENSION = "uncontrolled hypertension"
    HEPATIC = "severe hepatic disease or cirrhosis"
    PREGNANCY = "pregnancy or breastfeeding"
    PRESSURE = "raised intracranial or intraocular pressure"
    CARDIAC = "poorly controlled cardiovascular disease (unstable angina, recent myocardial infarction)"


PRE_DOSE_MOAAS = "pre_dose_moaas"  # the payload key of the pre-dose MOAA/S ([PI]: a fall from it is sedation)


# clinical.md "Default alarm limits", baseline BP gate: clinics commonly refuse to start above 160/100 without a
# documented reason ([REMS] flags > 140/90 as a risk to weigh).
BP_GATE_SYS = 160  # clinic default
BP_GATE_DIA = 100  # clinic default
BP_CAUTION_SYS = 140  # clinic default (clinic practice, clinical.md): above 140/90 a risk to weigh, not a block
BP_CAUTION_DIA = 90


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    hard_blocks: tuple[str, ...]  # no override possible
    blocks: tuple[str, ...]  # need an override with a reason
    cautions: tuple[str, ...]
    overridden: bool
    tests: tuple[str, ...] = ()  # the tests prompts answered "indicated: done or arranged" [ASRA-2018]

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


def _yes_no_items(payload: Mapping[str, Any], group: str, items: type[StrEnum]) -> dict[str, bool]:
    answers = payload.get(group)
    answers = answers if isinstance(answers, Mapping) else {}
    clean = {}
    for item in items:
        value = answers.get(item.name.lower())
        if not isinstance(value, bool):
            raise EntryError(f"Screening: answer '{item.value}' with yes or no")
        clean[item.name.lower()] = value
    return clean


def _tests(payload: Mapping[str, Any]) -> dict[str, str]:
    answers = payload.get("tests")
    answers = answers if isinstance(answers, Mapping) else {}
    clean = {}
    for prompt in Investigation:
        value = answers.get(prompt.name.lower())
        if value not in set(InvestigationAnswer):
            raise EntryError(f"Screening: answer the prompt '{prompt.value}' ({' or '.join(InvestigationAnswer)})")
        clean[prompt.name.lower()] = str(value)
    return clean


def _pre_dose_moaas(payload: Mapping[str, Any]) -> int:
    value = payload.get(PRE_DOSE_MOAAS)
    if not isinstance(value, int) or isinstance(value, bool) or not MOAAS.low <= value <= MOAAS.high:
        raise EntryError(
            f"Screening: choose the pre-dose MOAA/S ({MOAAS.low}–{MOAAS.high}), the patient's response now"
        )
    return value


def validate_screening(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A clean copy of a screening form (the current one), or EntryError naming what is missing or wrong."""
    out: dict[str, Any] = {
        "contraindications": _yes_no_items(payload, "contraindications", Contraindication),
        "cautions": _yes_no_items(payload, "cautions", Caution),
        "tests": _tests(payload),
        PRE_DOSE_MOAAS: _pre_dose_moaas(payload),
    }
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


def is_legacy(screening: Mapping[str, Any]) -> bool:
    """Whether a stored screening is of the form recorded before issue 19 (its items under "answers")."""
    return "answers" in screening and "contraindications" not in screening


def evaluate(screening: Mapping[str, Any], gate: tuple[float, float] = (BP_GATE_SYS, BP_GATE_DIA)) -> ScreeningResult:
    """What a (validated, or stored older) screening means for the start; `gate`: the clinic's baseline BP gate
    (sys, dia)."""
    hard = [] if screening["consent"] else ["consent is not recorded"]
    if is_legacy(screening):  # as recorded then: every item a block (LegacyItem)
        answers = screening["answers"]
        blocks = [f"contraindication: {item.value}" for item in LegacyItem if answers.get(item.name.lower())]
        weighed: list[str] = []
        tests: list[str] = []
    else:
        answers, caution_answers = screening["contraindications"], screening["cautions"]
        blocks = [f"contraindication: {item.value}" for item in Contraindication if answers[item.name.lower()]]
        weighed = [f"caution: {item.value}" for item in Caution if caution_answers[item.name.lower()]]
        tests = [
            f"{SHORT_NAME[prompt]} {InvestigationAnswer.INDICATED.value}"
            for prompt in Investigation
            if screening["tests"][prompt.name.lower()] == InvestigationAnswer.INDICATED
        ]
    bp = screening["baseline"]
    above_gate = bp["sys"] > gate[0] or bp["dia"] > gate[1]
    if above_gate:
        blocks.append(f"baseline BP {bp['sys']:g}/{bp['dia']:g} is above {gate[0]:g}/{gate[1]:g}")
    cautions = weighed
    if not above_gate and (bp["sys"] > BP_CAUTION_SYS or bp["dia"] > BP_CAUTION_DIA):
        cautions.append(f"baseline BP {bp['sys']:g}/{bp['dia']:g} is above {BP_CAUTION_SYS}/{BP_CAUTION_DIA}")
    if not screening["fasting"]:
        cautions.append("fasting not confirmed")
    if not screening["escort"]:
        cautions.append("no escort arranged for discharge")
    overridden = bool(screening.get("override_reason"))
    return ScreeningResult(tuple(hard), tuple(blocks), tuple(cautions), overridden, tuple(tests))
