"""Sedation the [PI] way: any fall of MOAA/S below the pre-dose score is sedation; MOAA/S 0 is loss of consciousness.

clinical.md "Sedation scales": [PI] any decrease in MOAA/S from the pre-dose score is sedation (record a pre-dose
score); MOAA/S 0 is loss of consciousness. The pre-dose score is recorded with the screening (payload key
"pre_dose_moaas", the screening form's field). Pure functions over the session's entries (corrections applied:
a struck score does not count, an amended one counts as amended). The stop threshold (MOAA/S <= 2 or RASS <= -3,
scales.MOAAS_ACTION_AT_OR_BELOW) is a separate clinic default (it alarms, clinical/alarms.py); score_marks labels it
so in the entry list. NO_PRE_DOSE_TEXT: what a view says of a session without a pre-dose score (never guessed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from monitor.clinical.entries import Entry, EntryKind, EntryView, resolve
from monitor.clinical.scales import (
    MOAAS,
    MOAAS_ACTION_AT_OR_BELOW,
    RASS,
    RASS_ACTION_AT_OR_BELOW,
    sedation_needs_action,
)
from monitor.clinical.screening import PRE_DOSE_MOAAS  # the screening form owns the field

SEDATION = "sedation"  # [PI]: a MOAA/S below the pre-dose score
LOSS_OF_CONSCIOUSNESS = "loss of consciousness"  # [PI]: MOAA/S 0
NO_PRE_DOSE_TEXT = "no pre-dose MOAA/S recorded with the screening: falls from it cannot be marked as sedation"


@dataclass(frozen=True)
class Episode:
    kind: str  # SEDATION or LOSS_OF_CONSCIOUSNESS
    began: float  # the first score that met it (Unix s)
    resolved: float | None  # the first score after it that no longer meets it; None while it lasts
    detail: str  # e.g. "MOAA/S fell to 3 (pre-dose 5)"


def _views(entries: Iterable[Entry | EntryView]) -> list[EntryView]:
    items = list(entries)
    if any(isinstance(e, Entry) for e in items):
        return resolve(e for e in items if isinstance(e, Entry))
    return sorted((e for e in items if isinstance(e, EntryView)), key=lambda v: (v.t, v.id))


def pre_dose_moaas(entries: Iterable[Entry | EntryView]) -> int | None:
    """The pre-dose MOAA/S of the latest live screening; None when it has none (a screening before the field)."""
    screenings = [v for v in _views(entries) if v.live and v.kind is EntryKind.SCREENING]
    if not screenings:
        return None
    value = screenings[-1].payload.get(PRE_DOSE_MOAAS)
    if isinstance(value, int) and not isinstance(value, bool) and MOAAS.low <= value <= MOAAS.high:
        return value
    return None


def _moaas_views(entries: Iterable[Entry | EntryView]) -> list[EntryView]:
    return [v for v in _views(entries) if v.live and v.kind is EntryKind.SCORE and v.payload.get("scale") == MOAAS.key]


def moaas_scores(entries: Iterable[Entry | EntryView]) -> list[tuple[float, int]]:
    """Live MOAA/S scores (time, score) in time order."""
    return [(v.t, int(v.payload["score"])) for v in _moaas_views(entries)]


def sedation_episodes(entries: Iterable[Entry | EntryView], pre_dose_moaas: int | None) -> list[Episode]:
    """Sedation (MOAA/S below the pre-dose score; none marked without one) and loss of consciousness (MOAA/S 0)
    episodes, in the order they began."""
    scores = moaas_scores(entries)
    episodes: list[Episode] = []
    if pre_dose_moaas is not None:
        pre = pre_dose_moaas
        episodes += _runs(scores, lambda s: s < pre, SEDATION, lambda low: f"MOAA/S fell to {low} (pre-dose {pre})")
    episodes += _runs(scores, lambda s: s == 0, LOSS_OF_CONSCIOUSNESS, lambda _lowest: "MOAA/S 0")
    return sorted(episodes, key=lambda e: (e.began, e.kind != SEDATION))


def _runs(
    scores: Sequence[tuple[float, int]], meets: Callable[[int], bool], kind: str, detail: Callable[[int], str]
) -> list[Episode]:
    """Episodes of consecutive scores that meet the condition: from the first to the first that does not."""
    out: list[Episode] = []
    began: float | None = None
    lowest = MOAAS.high
    for t, score in scores:
        if meets(score):
            if began is None:
                began, lowest = t, score
            lowest = min(lowest, score)
        elif began is not None:
            out.append(Episode(kind, began, t, detail(lowest)))
            began = None
    if began is not None:
        out.append(Episode(kind, began, None, detail(lowest)))
    return out


# clinical.md "Sedation scales": the stop threshold is a clinic default, labelled so wherever it is shown.
THRESHOLD_TEXT = (
    f"stop threshold (clinic default): MOAA/S ≤ {MOAAS_ACTION_AT_OR_BELOW} or RASS ≤ {RASS_ACTION_AT_OR_BELOW:+d}"
)


def score_marks(entries: Iterable[Entry | EntryView]) -> dict[int, list[str]]:
    """What the entry list says beside each live sedation score: where a sedation episode or a loss of
    consciousness began and resolved (as sedation_episodes), the clinic-default stop threshold reached, and, on
    MOAA/S scores of a session whose screening has no pre-dose score, that falls cannot be marked."""
    views = _views(entries)
    pre = pre_dose_moaas(views)
    marks: dict[int, list[str]] = {}
    sedated = unconscious = False
    for v in views:
        scale = v.payload.get("scale")
        if not (v.live and v.kind is EntryKind.SCORE and scale in (MOAAS.key, RASS.key)):
            continue
        score = int(v.payload["score"])
        here = marks.setdefault(v.id, [])
        if scale == MOAAS.key:
            if pre is None:
                here.append("no pre-dose MOAA/S: sedation not marked")
            elif score < pre and not sedated:
                here.append(f"sedation began (pre-dose {pre})")
            elif score >= pre and sedated:
                here.append("sedation resolved")
            if score == 0 and not unconscious:
                here.append("loss of consciousness")
            elif score > 0 and unconscious:
                here.append("consciousness regained")
            sedated, unconscious = pre is not None and score < pre, score == 0
        if sedation_needs_action(str(scale), score):
            at = (
                f"MOAA/S ≤ {MOAAS_ACTION_AT_OR_BELOW}" if scale == MOAAS.key else f"RASS ≤ {RASS_ACTION_AT_OR_BELOW:+d}"
            )
            here.append(f"stop threshold (clinic default {at})")
        if not here:
            del marks[v.id]
    return marks
