"""Entry validation, clinical scale wording and corrections that keep the original."""

from __future__ import annotations

import pytest

from monitor.clinical.entries import (
    Entry,
    EntryAction,
    EntryKind,
    describe,
    resolve,
    validate_initials,
    validate_payload,
    validate_reason,
)
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits
from monitor.clinical.scales import MOAAS, RASS, SideEffect, sedation_needs_action

LIMITS = InfusionLimits()


def test_scales_follow_clinical_reference() -> None:
    assert [lv.score for lv in RASS.levels] == [4, 3, 2, 1, 0, -1, -2, -3, -4, -5]
    assert RASS.text(-5) == "unarousable" and RASS.label(-1) == "-1 drowsy" and RASS.label(2) == "+2 agitated"
    assert [lv.score for lv in MOAAS.levels] == [5, 4, 3, 2, 1, 0]
    assert MOAAS.text(2) == "responds only after mild prodding or shaking"
    assert sedation_needs_action("moaas", 2) and not sedation_needs_action("moaas", 3)
    assert sedation_needs_action("rass", -3) and not sedation_needs_action("rass", -2)
    assert len(SideEffect) == 13


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        (EntryKind.SCORE, {"scale": "pain", "score": 11}, "Pain NRS score must be a whole number from 0 to 10"),
        (EntryKind.SCORE, {"scale": "pain", "score": "6.5"}, "whole number"),
        (EntryKind.SCORE, {"scale": "rass", "score": -6}, "from -5 to 4"),
        (EntryKind.SCORE, {"scale": "moaas", "score": True}, "whole number"),
        (EntryKind.SCORE, {"scale": "cadss", "score": 3}, "unknown scale"),
        (EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "awful"}, "Severity must be one of: mild"),
        (EntryKind.SIDE_EFFECT, {"effect": "other", "severity": "mild"}, "needs a note"),
        (EntryKind.DISSOCIATION, {"level": "lots"}, "Dissociation must be one of"),
        (EntryKind.NOTE, {"note": "   "}, "The note is empty"),
        (EntryKind.NOTE, {"note": "x" * 501}, "too long"),
    ],
)
def test_invalid_payloads_are_refused(kind, payload, message) -> None:
    with pytest.raises(EntryError, match=message):
        validate_payload(kind, payload, LIMITS)


def test_valid_payloads_are_normalised() -> None:
    assert validate_payload(EntryKind.SCORE, {"scale": "rass", "score": "+2"}, LIMITS) == {"scale": "rass", "score": 2}
    assert validate_payload(EntryKind.SCORE, {"scale": "rass", "score": "−3"}, LIMITS)["score"] == -3
    clean = validate_payload(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild", "note": " pale "}, LIMITS)
    assert clean == {"effect": "nausea", "severity": "mild", "note": "pale"}
    assert describe(EntryKind.SIDE_EFFECT, clean) == "Nausea (mild) — pale"
    assert describe(EntryKind.SCORE, {"scale": "pain", "score": 6}) == "Pain 6/10"
    assert describe(EntryKind.SCORE, {"scale": "moaas", "score": 4}).startswith("MOAA/S 4 lethargic")


def test_initials_and_reasons() -> None:
    assert validate_initials(" ab ") == "AB"
    for bad in ("", "A", "ABCDE", "A1"):
        with pytest.raises(EntryError, match="initials"):
            validate_initials(bad)
    with pytest.raises(EntryError, match="needs a reason"):
        validate_reason("  ")


def _e(eid, t, payload, action=EntryAction.CREATE, target=None, reason=""):
    return Entry(eid, 1, EntryKind.SCORE, t, t, "AB", payload, action, target, reason)


def test_resolve_applies_amendments_and_strikes_but_keeps_history() -> None:
    entries = [
        _e(1, 100.0, {"scale": "pain", "score": 7}),
        _e(2, 200.0, {"scale": "pain", "score": 5}),
        _e(3, 150.0, {"scale": "pain", "score": 6}, EntryAction.AMEND, 1, "wrong patient answer"),
        _e(4, 300.0, {"scale": "pain", "score": 5}, EntryAction.STRIKE, 2, "duplicate"),
    ]
    views = resolve(entries)
    assert [v.id for v in views] == [1, 2], "only originals are listed, ordered by current time"
    first, second = views
    assert first.amended and first.payload["score"] == 6 and first.t == 150.0
    assert first.original.payload["score"] == 7, "the original content is kept"
    assert second.struck and not second.live and second.struck_by.reason == "duplicate"
    assert first.corrections == (entries[2],)


def test_latest_at_picks_the_most_recent_time_of_day() -> None:
    from datetime import datetime

    from monitor.timefmt import latest_at

    now = datetime(2026, 11, 25, 0, 20).timestamp()
    assert datetime.fromtimestamp(latest_at(0, 5, now)) == datetime(2026, 11, 25, 0, 5)
    assert datetime.fromtimestamp(latest_at(23, 50, now)) == datetime(2026, 11, 24, 23, 50)
