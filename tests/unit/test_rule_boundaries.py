"""The clinical rules at their exact edges: each number of shared/clinical.md (or the documented clinic default) on
both sides, so a rule that drifts by one -- `<` for `<=`, 160 for 161 -- is caught. Found by benchmarks/mutation.py:
these edges were what its surviving mutants changed."""

from __future__ import annotations

import pytest
from forms import CHECKLIST, screening

from monitor.clinical.errors import EntryError
from monitor.clinical.recovery import (
    ALDRETE_VALID_S,
    Circulation,
    DischargeFacts,
    MonitorValues,
    aldrete_contradictions,
    circulation_points,
    discharge_refusals,
)
from monitor.clinical.screening import evaluate, validate_screening


def _baseline(**bp) -> dict:
    return screening(baseline={"sys": 128, "dia": 80, "hr": 72, "spo2": 98} | bp)


@pytest.mark.parametrize(
    ("field", "low", "high"), [("sys", 50, 280), ("dia", 20, 180), ("hr", 20, 250), ("spo2", 50, 100)]
)
def test_baseline_vitals_are_plausible_up_to_their_edges(field: str, low: float, high: float) -> None:
    other = {"sys": 200} if field == "dia" else {"dia": 20} if field == "sys" else {}  # diastolic below systolic
    assert validate_screening(_baseline(**other, **{field: low}))["baseline"][field] == low
    assert validate_screening(_baseline(**other, **{field: high}))["baseline"][field] == high
    for wrong in (low - 0.5, high + 0.5):
        with pytest.raises(EntryError, match="is not plausible"):
            validate_screening(_baseline(**other, **{field: wrong}))


def test_diastolic_must_be_below_systolic() -> None:
    with pytest.raises(EntryError, match="diastolic BP must be below"):
        validate_screening(_baseline(sys=100, dia=100))
    assert validate_screening(_baseline(sys=100, dia=99))["baseline"]["dia"] == 99


def test_baseline_pain_is_0_to_10() -> None:
    for score in (0, 10):
        assert validate_screening(screening(baseline_pain=score))["baseline_pain"] == score
    for wrong in (-1, 11, 5.0, True):
        with pytest.raises(EntryError, match="from 0 to 10"):
            validate_screening(screening(baseline_pain=wrong))


def test_texts_are_at_most_500_characters_and_an_override_needs_3() -> None:
    assert validate_screening(screening(notes="x" * 500))["notes"] == "x" * 500
    with pytest.raises(EntryError, match="at most 500"):
        validate_screening(screening(notes="x" * 501))
    assert validate_screening(screening(override_reason="abc"))["override_reason"] == "abc"
    with pytest.raises(EntryError, match="reason a colleague can read"):
        validate_screening(screening(override_reason="ab"))


def test_the_bp_gate_blocks_above_160_100_and_cautions_above_140_90() -> None:
    """clinical.md: the gate 160/100 (clinic default), a caution above 140/90 [REMS]."""

    def result(sys: float, dia: float):
        return evaluate(validate_screening(_baseline(sys=sys, dia=dia)))

    assert result(160, 100).blocks == () and result(160, 100).cautions
    assert result(161, 80).blocks and result(150, 101).blocks
    assert result(140, 90).cautions == () and result(140, 90).may_start
    assert result(141, 80).cautions and result(130, 91).cautions
    assert not result(161, 80).cautions, "above the gate it is a block, not also a caution"


def _facts(stopped: float, aldrete_at: float, total: int = 10) -> DischargeFacts:
    return DischargeFacts(stopped, total, True, aldrete_at)


def test_discharge_at_exactly_the_minimum_observation_and_the_aldrete_validity() -> None:
    """clinical.md: observation 60 min (clinic default); an Aldrete score counts for one check interval (15 min)."""
    now = 10_000.0
    assert discharge_refusals(_facts(now - 3600, now), CHECKLIST, now) == []
    (short,) = discharge_refusals(_facts(now - 3599, now), CHECKLIST, now)
    assert short == "observed 60 of the minimum 60 min after the infusion"
    assert ALDRETE_VALID_S == 15 * 60
    assert discharge_refusals(_facts(now - 7200, now - 900), CHECKLIST, now) == []
    (old,) = discharge_refusals(_facts(now - 7200, now - 960), CHECKLIST, now)
    assert old == "the modified Aldrete score is 16 min old (at most 15): score it again"
    (low,) = discharge_refusals(_facts(now - 7200, now, total=8), CHECKLIST, now)
    assert low == "modified Aldrete 8 is below 9"
    assert discharge_refusals(_facts(now - 7200, now, total=9), CHECKLIST, now) == []


@pytest.mark.parametrize("circulation", list(Circulation))
def test_circulation_bands_at_20_and_50(circulation: Circulation) -> None:
    """[ALDRETE]: within ±20 → 2, 20–49 → 1, ≥ 50 → 0; percent of the pre-infusion level, or mmHg."""
    base = (100.0, 60.0)
    assert circulation_points((119.0, 60.0), base, circulation) == 2
    assert circulation_points((120.0, 60.0), base, circulation) == 1
    assert circulation_points((149.0, 60.0), base, circulation) == 1
    assert circulation_points((150.0, 60.0), base, circulation) == 0
    assert circulation_points((80.0, 60.0), base, circulation) == 1, "below the baseline counts the same"


def test_circulation_in_percent_takes_the_larger_relative_difference() -> None:
    assert circulation_points((100.0, 72.0), (100.0, 60.0)) == 1, "diastolic +20 %: 1 point"
    assert circulation_points((100.0, 71.0), (100.0, 60.0)) == 2, "diastolic +18 %: 2 points"
    assert circulation_points((100.0, 71.0), (100.0, 60.0), Circulation.MMHG) == 2
    assert circulation_points((100.0, 80.0), (100.0, 60.0), Circulation.MMHG) == 1


def test_respiration_2_needs_rr_inside_its_limits_and_no_apnoea() -> None:
    def said(rr: float | None, apnoea: bool = False, respiration: int = 2) -> list[str]:
        values = MonitorValues(spo2=98.0, rr=rr, apnoea=apnoea)
        return aldrete_contradictions({"respiration": respiration, "oxygen": 2}, values, (8.0, 30.0))

    assert said(8.0) == [] and said(30.0) == [] and said(None) == []
    assert said(7.0) == ["respiration 2 (breathes deeply), but RR is 7 /min"]
    assert said(31.0) == ["respiration 2 (breathes deeply), but RR is 31 /min"]
    assert said(14.0, apnoea=True) == ["respiration 2, but the capnograph reports apnoea"]
    assert said(14.0, apnoea=True, respiration=1) == ["respiration 1, but the capnograph reports apnoea"]
    assert said(14.0, apnoea=True, respiration=0) == []
    only_high = aldrete_contradictions({"respiration": 2}, MonitorValues(rr=2.0), (None, 30.0))
    assert only_high == [], "no low limit: a low rate is not contradicted"


def test_circulation_is_judged_only_with_a_cuff_reading_and_a_baseline() -> None:
    scores = {"circulation": 2}
    assert aldrete_contradictions(scores, MonitorValues(cuff=(170.0, 90.0))) == []
    assert aldrete_contradictions(scores, MonitorValues(baseline=(120.0, 80.0))) == []
    (found,) = aldrete_contradictions(scores, MonitorValues(cuff=(170.0, 90.0), baseline=(120.0, 80.0)))
    assert found.startswith("circulation 2, but the cuff reading 170/90")
    assert aldrete_contradictions({}, MonitorValues(cuff=(170.0, 90.0), baseline=(120.0, 80.0))) == []
