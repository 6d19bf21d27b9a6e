"""Scales declare their role and code; the rules ask for the role, so a new scale for the same job needs no change
in them (shown with a made-up second pain scale and a made-up third sedation scale)."""

from __future__ import annotations

import pytest

from monitor.clinical import scales
from monitor.clinical.entries import Entry, EntryAction, EntryKind, describe, is_score, latest_sedation, resolve
from monitor.clinical.scales import MOAAS, PAIN_NRS, RASS, SCALES, Scale, ScaleLevel, ScaleRole, scale_role
from monitor.clinical.schedule import checks

VAS = Scale("vas", "Pain VAS", tuple(ScaleLevel(n, "") for n in range(11)), ScaleRole.PAIN)
RAMSAY = Scale("ramsay", "Ramsay", tuple(ScaleLevel(n, f"level {n}") for n in range(1, 7)), ScaleRole.SEDATION)


def _score(eid: int, t: float, scale: str, score: int) -> Entry:
    return Entry(eid, 1, EntryKind.SCORE, t, t, "AB", {"scale": scale, "score": score}, EntryAction.CREATE, None, "")


@pytest.fixture
def more_scales(monkeypatch):
    monkeypatch.setitem(scales.SCALES, VAS.key, VAS)
    monkeypatch.setitem(scales.SCALES, RAMSAY.key, RAMSAY)


def test_each_scale_declares_its_role_and_the_pain_nrs_its_loinc() -> None:
    assert {s.key: s.role for s in SCALES.values()} == {
        "pain": ScaleRole.PAIN,
        "rass": ScaleRole.SEDATION,
        "moaas": ScaleRole.SEDATION,
    }
    assert (PAIN_NRS.loinc, PAIN_NRS.loinc_display) == ("72514-3", "Pain severity 0-10")  # clinical.md [LOINC]
    assert RASS.loinc is None and MOAAS.loinc is None, "clinical.md names no LOINC for them"
    assert scale_role("rass") is ScaleRole.SEDATION and scale_role("nope") is None and scale_role(None) is None


def test_sedation_is_found_by_role_not_by_key(more_scales) -> None:
    views = resolve([_score(1, 100.0, "rass", -1), _score(2, 200.0, "ramsay", 5), _score(3, 300.0, "vas", 4)])
    assert latest_sedation(views) == ("ramsay", 5)
    assert [is_score(v, ScaleRole.PAIN) for v in views] == [False, False, True]
    (check,) = checks(0.0, None, 400.0, views[1:], [], interval_s=900.0)
    assert "sedation score" not in check.missing, "a Ramsay score counts as the check's sedation score"


def test_a_pain_score_reads_as_pain_whatever_the_scale(more_scales) -> None:
    assert describe(EntryKind.SCORE, {"scale": "vas", "score": 4}) == "Pain 4/10"
    assert describe(EntryKind.SCORE, {"scale": "ramsay", "score": 2}) == "Ramsay 2 level 2"
