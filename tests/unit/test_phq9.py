"""PHQ-9 (clinical/phq9.py): its public wording, scoring, every severity band edge [Kroenke 2001], the item-9 flag,
and refusal of incomplete answers; and the standing of each default alarm-limit number (clinical/limit_standing.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.clinical.alarm_limits import DEFAULT_LIMITS
from monitor.clinical.entries import EntryKind, describe, validate_payload
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits
from monitor.clinical.limit_standing import STANDINGS, standing_text
from monitor.clinical.phq9 import ANSWERS, DIFFICULTIES, ITEMS, Phq9Band, band, score, validate_phq9

README = Path(__file__).resolve().parents[2] / "README.md"


def items_for(total: int, item9: int | None = None) -> list[int]:
    """Nine answers 0-3 adding up to `total`; item 9 as given, else whatever the first eight leave."""
    rest, answers = total - (item9 or 0), []
    for _ in range(8):
        answers.append(min(3, rest))
        rest -= answers[-1]
    assert (rest == 0) if item9 is not None else 0 <= rest <= 3
    return [*answers, item9 if item9 is not None else rest]


def test_the_wording_is_the_forms() -> None:
    """Copied from the Pfizer form (cited in clinical/phq9.py): nine items, four answers, four difficulties."""
    assert len(ITEMS) == 9
    assert ITEMS[0] == "Little interest or pleasure in doing things"
    assert ITEMS[8] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert ANSWERS == ("Not at all", "Several days", "More than half the days", "Nearly every day")
    assert DIFFICULTIES == ("Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult")


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0, Phq9Band.MINIMAL),
        (4, Phq9Band.MINIMAL),
        (5, Phq9Band.MILD),
        (9, Phq9Band.MILD),
        (10, Phq9Band.MODERATE),
        (14, Phq9Band.MODERATE),
        (15, Phq9Band.MODERATELY_SEVERE),
        (19, Phq9Band.MODERATELY_SEVERE),
        (20, Phq9Band.SEVERE),
        (27, Phq9Band.SEVERE),
    ],
)
def test_every_band_edge_scored_from_the_answers(total: int, expected: Phq9Band) -> None:
    assert band(total) is expected
    clean = validate_phq9({"items": items_for(total), "difficulty": 1 if total else None})
    result = score(clean)
    assert (result.total, result.band) == (total, expected)


@pytest.mark.parametrize("total", [-1, 28])
def test_a_total_outside_0_to_27_has_no_band(total: int) -> None:
    with pytest.raises(ValueError, match="0 to 27"):
        band(total)


def test_item_9_above_not_at_all_is_flagged_whatever_the_total() -> None:
    assert score(validate_phq9({"items": items_for(1, item9=1), "difficulty": 0})).self_harm
    assert not score(validate_phq9({"items": items_for(24, item9=0), "difficulty": 3})).self_harm
    flagged = validate_payload(EntryKind.PHQ9, {"items": items_for(6, item9=2), "difficulty": 1}, InfusionLimits())
    text = describe(EntryKind.PHQ9, flagged)
    assert text.startswith("PHQ-9 6/27 (mild)") and "⚠ item 9" in text and "More than half the days" in text
    assert "⚠" not in describe(EntryKind.PHQ9, {"items": items_for(6), "difficulty": 1})


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"items": [None] * 9}, "answer question 1, 2, 3, 4, 5, 6, 7, 8, 9"),
        ({"items": [1, 1, 1, 1, 1, 1, 1, None, 0], "difficulty": 1}, "answer question 8 "),
        ({"items": [1] * 8, "difficulty": 1}, "has 9 questions"),
        ({"difficulty": 1}, "has 9 questions"),
        ({"items": [1, 0, 0, 0, 0, 0, 0, 0, 0]}, "answer the last question"),
        ({"items": [4, 0, 0, 0, 0, 0, 0, 0, 0], "difficulty": 0}, "question 1: choose one answer"),
        ({"items": [True, 0, 0, 0, 0, 0, 0, 0, 0], "difficulty": 0}, "question 1: choose one answer"),
        ({"items": ["2", 0, 0, 0, 0, 0, 0, 0, 0], "difficulty": 0}, "question 1: choose one answer"),
        ({"items": [1, 0, 0, 0, 0, 0, 0, 0, 0], "difficulty": 4}, "difficulty question: choose one answer"),
    ],
)
def test_incomplete_or_invalid_answers_are_refused(payload: dict, message: str) -> None:
    with pytest.raises(EntryError, match=message):
        validate_payload(EntryKind.PHQ9, payload, InfusionLimits())


def test_no_problem_checked_needs_no_difficulty_answer() -> None:
    """The form asks the difficulty question only 'if you checked off any problems'."""
    assert validate_phq9({"items": [0] * 9}) == {"items": [0] * 9}


def test_every_default_limit_number_has_its_standing() -> None:
    """clinical.md's standing column: HR 50/120 clinic default; NIBP diastolic 110 [PI], 50 clinic default; ..."""
    assert set(STANDINGS) == set(DEFAULT_LIMITS)
    assert standing_text("HR") == "Program defaults: low 50 (clinic default); high 120 (clinic default)"
    assert standing_text("NIBP_DIA") == "Program defaults: low 50 (clinic default); high 110 ([PI] tables)"
    assert standing_text("RR") == "Program defaults: low 8 (clinic default); high 30 (clinic default)"
    assert standing_text("ETCO2").startswith("Program defaults: low 25 (clinic default); high 50 (hypoventilation")
    assert standing_text("SPO2") == "Program defaults: low 92 (hypoxaemia definitions, [ALDRETE] room-air item)"


def test_the_readme_alarm_table_marks_clinic_defaults() -> None:
    rows = {line.split("|")[1].strip(): line for line in README.read_text().splitlines() if line.startswith("| ")}
    assert "clinic default" in rows["Heart rate (/min)"] and "clinic default" in rows["Respiratory rate (/min)"]
    diastolic = rows["NIBP diastolic (mmHg)"]
    assert "50 **clinic default**" in diastolic and "110 as in the [PI]" in diastolic
    assert "25 **clinic default**" in rows["EtCO₂ (mmHg)"]
