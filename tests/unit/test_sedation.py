"""Issue 19 point 3, sedation the [PI] way: any MOAA/S below the pre-dose score (recorded with the screening) is
sedation, from the first lower score until the score is back to the pre-dose one; MOAA/S 0 is loss of
consciousness; without a pre-dose score nothing is guessed; the stop threshold is labelled a clinic default.
Pure functions over entries, corrections applied; without Qt or a database."""

from __future__ import annotations

from monitor.clinical.entries import Entry, EntryAction, EntryKind
from monitor.clinical.sedation import (
    LOSS_OF_CONSCIOUSNESS,
    SEDATION,
    Episode,
    pre_dose_moaas,
    score_marks,
    sedation_episodes,
)

T0 = 1_000_000.0


def _entry(eid: int, kind: EntryKind, t: float, payload: dict, **kw) -> Entry:
    return Entry(eid, 1, kind, T0 + t, T0 + t, "AB", payload, **kw)


def _screening(eid: int, pre: int | None) -> Entry:
    return _entry(eid, EntryKind.SCREENING, 0, {"consent": True} | ({} if pre is None else {"pre_dose_moaas": pre}))


def _moaas(eid: int, minute: float, score: int) -> Entry:
    return _entry(eid, EntryKind.SCORE, 60 * minute, {"scale": "moaas", "score": score})


def test_a_fall_below_the_pre_dose_score_is_sedation_until_back_to_it() -> None:
    entries = [_screening(1, 5), _moaas(2, 10, 5), _moaas(3, 20, 4), _moaas(4, 30, 3), _moaas(5, 40, 5)]
    assert pre_dose_moaas(entries) == 5
    assert sedation_episodes(entries, 5) == [Episode(SEDATION, T0 + 1200, T0 + 2400, "MOAA/S fell to 3 (pre-dose 5)")]
    marks = score_marks(entries)
    assert marks[3] == ["sedation began (pre-dose 5)"] and marks[5] == ["sedation resolved"]
    assert 4 not in marks, "a deeper score within the episode begins nothing new"


def test_a_pre_dose_score_of_4_makes_4_not_sedation_and_an_unresolved_episode_stays_open() -> None:
    entries = [_screening(1, 4), _moaas(2, 10, 4), _moaas(3, 20, 3)]
    assert sedation_episodes(entries, 4) == [Episode(SEDATION, T0 + 1200, None, "MOAA/S fell to 3 (pre-dose 4)")]


def test_moaas_0_is_loss_of_consciousness() -> None:
    entries = [_screening(1, 5), _moaas(2, 10, 3), _moaas(3, 20, 0), _moaas(4, 30, 2), _moaas(5, 50, 5)]
    episodes = sedation_episodes(entries, 5)
    assert [(e.kind, e.began, e.resolved) for e in episodes] == [
        (SEDATION, T0 + 600, T0 + 3000),
        (LOSS_OF_CONSCIOUSNESS, T0 + 1200, T0 + 1800),
    ]
    marks = score_marks(entries)
    assert "loss of consciousness" in marks[3] and "consciousness regained" in marks[4]


def test_without_a_pre_dose_score_no_sedation_is_guessed_and_the_list_says_so() -> None:
    entries = [_screening(1, None), _moaas(2, 10, 3), _moaas(3, 20, 0), _moaas(4, 30, 4)]
    assert pre_dose_moaas(entries) is None
    assert [e.kind for e in sedation_episodes(entries, None)] == [LOSS_OF_CONSCIOUSNESS], "MOAA/S 0 needs no baseline"
    marks = score_marks(entries)
    assert all("no pre-dose MOAA/S: sedation not marked" in marks[eid] for eid in (2, 3, 4))
    assert pre_dose_moaas([_moaas(2, 10, 3)]) is None, "no screening at all"


def test_a_struck_score_does_not_count_and_the_latest_live_screening_gives_the_pre_dose_score() -> None:
    strike = _entry(9, EntryKind.SCORE, 25, {}, action=EntryAction.STRIKE, target_id=3, reason="wrong chair")
    entries = [_screening(1, 5), _moaas(3, 20, 3), strike, _moaas(4, 30, 5)]
    assert sedation_episodes(entries, 5) == []
    amended = _entry(
        8, EntryKind.SCREENING, 1, {"pre_dose_moaas": 4}, action=EntryAction.AMEND, target_id=1, reason="x"
    )
    assert pre_dose_moaas([_screening(1, 5), amended]) == 4


def test_the_stop_threshold_is_labelled_a_clinic_default() -> None:
    rass = _entry(5, EntryKind.SCORE, 30, {"scale": "rass", "score": -3})
    marks = score_marks([_screening(1, 5), _moaas(2, 10, 2), rass])
    assert "stop threshold (clinic default MOAA/S ≤ 2)" in marks[2]
    assert marks[5] == ["stop threshold (clinic default RASS ≤ -3)"]
