"""Clinical scales and the side-effect vocabulary a nurse records, with their exact wording.

Items, scores and wording follow shared/clinical.md and the sources it names. The CADSS full form is not here:
clinical.md does not give its item wording and says not to invent it, so dissociation is the quick severity
(none / mild / moderate / severe) it asks for at each check.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class SideEffect(StrEnum):
    """Side effects of ketamine a nurse records with one click (the workspace issue's list)."""

    DISSOCIATION = "dissociation"
    HALLUCINATIONS = "hallucinations or perceptual change"
    SEDATION = "sedation"
    NAUSEA = "nausea"
    VOMITING = "vomiting"
    DIZZINESS = "dizziness"
    HEADACHE = "headache"
    ANXIETY = "anxiety or agitation"
    VISION = "blurred or double vision"
    NYSTAGMUS = "nystagmus"
    HYPERSALIVATION = "hypersalivation"
    PALPITATIONS = "palpitations"
    OTHER = "other"


class ScaleRole(StrEnum):
    """What a scale measures. Rules ask for a role (the pain score at discharge, the latest sedation score), never
    for one scale's key, so a new scale for the same job needs no change there."""

    PAIN = "pain"
    SEDATION = "sedation"
    DISSOCIATION = (
        "dissociation"  # today the quick severity below (its own entry kind); CADSS if its wording is sourced
    )


class DissociationLevel(StrEnum):
    """Quick dissociation severity at each check [CADSS] (clinical.md: "Dissociation")."""

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


@dataclass(frozen=True, slots=True)
class ScaleLevel:
    score: int
    text: str


@dataclass(frozen=True, slots=True)
class Scale:
    key: str  # stored in each score entry's payload: never renamed
    name: str
    levels: tuple[ScaleLevel, ...]  # in the order a form lists them
    role: ScaleRole
    loinc: str | None = None  # [LOINC] code for export, where clinical.md names one; else exported under `key`
    loinc_display: str = ""

    @property
    def low(self) -> int:
        return min(level.score for level in self.levels)

    @property
    def high(self) -> int:
        return max(level.score for level in self.levels)

    def text(self, score: int) -> str:
        for level in self.levels:
            if level.score == score:
                return level.text
        raise ValueError(f"{self.name} has no score {score}; it runs from {self.low} to {self.high}")

    def label(self, score: int) -> str:
        return f"{score:+d} {self.text(score)}" if self.low < 0 else f"{score} {self.text(score)}"


def _levels(*pairs: tuple[int, str]) -> tuple[ScaleLevel, ...]:
    return tuple(ScaleLevel(score, text) for score, text in pairs)


# [RASS] Sessler CN et al. 2002, wording as in clinical.md.
RASS = Scale(
    "rass",
    "RASS",
    _levels(
        (4, "combative"),
        (3, "very agitated"),
        (2, "agitated"),
        (1, "restless"),
        (0, "alert and calm"),
        (-1, "drowsy"),
        (-2, "light sedation"),
        (-3, "moderate sedation"),
        (-4, "deep sedation"),
        (-5, "unarousable"),
    ),
    ScaleRole.SEDATION,
)

# [MOAA/S] Chernik DA et al. 1990, wording as in clinical.md.
MOAAS = Scale(
    "moaas",
    "MOAA/S",
    _levels(
        (5, "responds readily to name spoken in normal tone"),
        (4, "lethargic response to name spoken in normal tone"),
        (3, "responds only after name is called loudly and/or repeatedly"),
        (2, "responds only after mild prodding or shaking"),
        (1, "responds only after painful trapezius squeeze"),
        (0, "no response after painful trapezius squeeze"),
    ),
    ScaleRole.SEDATION,
)

# Numeric rating scale (clinical.md "Pain"): 0 no pain, 10 worst imaginable.
PAIN_NRS = Scale(
    "pain",
    "Pain NRS",
    _levels(*((n, {0: "no pain", 10: "worst imaginable"}.get(n, "")) for n in range(11))),
    ScaleRole.PAIN,
    loinc="72514-3",  # clinical.md "Codes for export" [LOINC]: pain severity 0-10
    loinc_display="Pain severity 0-10",
)

SCALES: dict[str, Scale] = {s.key: s for s in (PAIN_NRS, RASS, MOAAS)}


def scale_role(key: object) -> ScaleRole | None:
    """The role of the scale a score entry names (its payload's "scale"); None for a key no scale has."""
    scale = SCALES.get(str(key))
    return scale.role if scale is not None else None


# clinical.md "Sedation scales": action threshold MOAA/S <= 2 or RASS <= -3 -> stop infusion, call for help. A clinic
# default (no source sets it; shown as such). [PI] sedation (any fall from the pre-dose MOAA/S): clinical/sedation.py.
MOAAS_ACTION_AT_OR_BELOW = 2  # clinic default
RASS_ACTION_AT_OR_BELOW = -3  # clinic default


def sedation_needs_action(scale_key: str, score: int) -> bool:
    """True when a sedation score reaches the typical 'stop the infusion, call for help' threshold."""
    if scale_key == MOAAS.key:
        return score <= MOAAS_ACTION_AT_OR_BELOW
    if scale_key == RASS.key:
        return score <= RASS_ACTION_AT_OR_BELOW
    return False
