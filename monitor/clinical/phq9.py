"""PHQ-9 (Patient Health Questionnaire-9): an optional pre-infusion measure of depression severity across a course.

Wording [PHQ-9]: the nine items, the answer columns and the difficulty question are copied exactly from the PHQ-9
form "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational
grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute." (the Pfizer form as
distributed at phqscreeners.com; the copy read was the public printable form at
https://therandomtandem.com/mood-screening-questionnaire-printable-4892, checked item by item against
https://centralmedicalcentre-morden.nhs.uk/form/phq-9/). Scoring and severity bands: Kroenke K, Spitzer RL,
Williams JBW. The PHQ-9: validity of a brief depression severity measure. J Gen Intern Med 2001;16:606-613.

Item 9 (thoughts of being better off dead or of self-harm) answered above "Not at all" is flagged for the clinician
at once, as a visible notice: it is the patient's own report of the last two weeks, to be asked about by a
clinician now, not a physiological condition at the chair; an alarm sound would spend the alarm system's urgency
(IEC 60601-1-8 alarms call for a response to the equipment) and tell the room what the patient answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from monitor.clinical.errors import EntryError

# [PHQ-9] form wording, exactly as printed (see the module docstring for where it was taken from).
STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
ITEMS: tuple[str, ...] = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or "
    "restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
ANSWERS: tuple[str, ...] = ("Not at all", "Several days", "More than half the days", "Nearly every day")  # 0-3
DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do your work, take care "
    "of things at home, or get along with other people?"
)
DIFFICULTIES: tuple[str, ...] = ("Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult")
SELF_HARM_ITEM = 9  # [PHQ-9] item 9, counted from 1 as on the form
MAX_TOTAL = 27  # 9 items x 3 [Kroenke 2001]


class Phq9Band(StrEnum):
    """Depression severity by the PHQ-9 total [Kroenke 2001]."""

    MINIMAL = "minimal"
    MILD = "mild"
    MODERATE = "moderate"
    MODERATELY_SEVERE = "moderately severe"
    SEVERE = "severe"


# The lowest total of each band [Kroenke 2001]: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe,
# 20-27 severe.
BAND_FLOORS: tuple[tuple[int, Phq9Band], ...] = (
    (20, Phq9Band.SEVERE),
    (15, Phq9Band.MODERATELY_SEVERE),
    (10, Phq9Band.MODERATE),
    (5, Phq9Band.MILD),
    (0, Phq9Band.MINIMAL),
)
SELF_HARM_NOTICE = (
    "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered above 'Not at all': "
    "tell the clinician now, before the infusion"
)


@dataclass(frozen=True, slots=True)
class Phq9Result:
    total: int
    band: Phq9Band
    self_harm: bool  # item 9 above 0: flagged for the clinician at once


def band(total: int) -> Phq9Band:
    if not 0 <= total <= MAX_TOTAL:
        raise ValueError(f"a PHQ-9 total runs from 0 to {MAX_TOTAL}, got {total}")
    return next(b for floor, b in BAND_FLOORS if total >= floor)


def _answer(value: Any, what: str, top: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise EntryError(f"{what}: choose one answer")
    return value


def validate_phq9(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A clean copy of a PHQ-9 entry's payload: `items`, nine answers 0-3 (every one required: a total of a part
    is not a PHQ-9 total), and `difficulty` 0-3, required once any problem is checked (as the form asks it)."""
    items = payload.get("items")
    if not isinstance(items, list | tuple) or len(items) != len(ITEMS):
        raise EntryError(f"The PHQ-9 has {len(ITEMS)} questions: answer every one")
    missing = [str(n) for n, v in enumerate(items, start=1) if v is None]
    if missing:
        raise EntryError(f"PHQ-9 not recorded: answer question {', '.join(missing)} (nothing is filled in for you)")
    answers = [_answer(v, f"PHQ-9 question {n}", len(ANSWERS) - 1) for n, v in enumerate(items, start=1)]
    out: dict[str, Any] = {"items": answers}
    difficulty = payload.get("difficulty")
    if difficulty is None:
        if any(answers):
            raise EntryError("PHQ-9 not recorded: answer the last question (how difficult these problems made things)")
    else:
        out["difficulty"] = _answer(difficulty, "PHQ-9 difficulty question", len(DIFFICULTIES) - 1)
    return out


def score(payload: Mapping[str, Any]) -> Phq9Result:
    """The total, its band and the item-9 flag of a validated payload."""
    items = [int(v) for v in payload["items"]]
    total = sum(items)
    return Phq9Result(total, band(total), items[SELF_HARM_ITEM - 1] > 0)


def describe_phq9(payload: Mapping[str, Any]) -> str:
    result = score(payload)
    text = f"PHQ-9 {result.total}/{MAX_TOTAL} ({result.band.value})"
    if not result.self_harm:
        return text
    answer = ANSWERS[int(payload["items"][SELF_HARM_ITEM - 1])]
    return f"{text}; ⚠ item 9: {answer}"  # short: the message line shows two lines; the form says what to do
