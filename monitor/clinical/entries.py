"""Nurse entries on the session timeline, and corrections that never erase.

An entry is immutable once stored. A correction is a new entry that points at the original: an amendment
carries the corrected content, a strike says the original should not have been recorded. Both need a reason.
`resolve` turns the append-only list into what the timeline shows: each original with its current content,
and its history kept beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionAction, InfusionLimits, validate_infusion_payload
from monitor.clinical.phq9 import describe_phq9, validate_phq9
from monitor.clinical.recovery import (
    CIRCULATION_IN,
    CIRCULATION_SAID,
    Circulation,
    aldrete_total,
    validate_aldrete,
    validate_discharge,
)
from monitor.clinical.scales import MOAAS, SCALES, DissociationLevel, ScaleRole, Severity, SideEffect, scale_role
from monitor.clinical.screening import PRE_DOSE_MOAAS, validate_screening
from monitor.clinical.screening import evaluate as evaluate_screening
from monitor.timefmt import hm_text

MAX_NOTE_CHARS = 500
INITIALS_RE = re.compile(r"^[A-Za-z]{2,4}$")
SCORE_RE = re.compile(r"^[+\-−]?\d{1,2}$")
# Who recorded what the program itself puts on the record (a missed check). Never a nurse's: nurses' initials are
# 2 to 4 capital letters.
PROGRAM_INITIALS = "program"


class EntryKind(StrEnum):
    SIDE_EFFECT = "side_effect"
    SCORE = "score"  # pain NRS, RASS, MOAA/S
    DISSOCIATION = "dissociation"
    INFUSION = "infusion"
    NOTE = "note"
    SCREENING = "screening"  # pre-infusion screening form
    CHECK = "check"  # a scheduled side-effect review with nothing found
    ALDRETE = "aldrete"  # modified Aldrete score in recovery
    DISCHARGE = "discharge"  # the discharge record; closes the session
    MISSED_CHECK = "missed_check"  # a scheduled check not done in its window: recorded by the program, once
    PHQ9 = "phq9"  # the PHQ-9 questionnaire before the infusion (optional; clinical/phq9.py)


class EntryAction(StrEnum):
    CREATE = "create"
    AMEND = "amend"
    STRIKE = "strike"


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    session_id: int
    kind: EntryKind
    t: float  # when it happened (Unix s); the nurse may back-date it within the session
    recorded_at: float  # when it was typed
    initials: str
    payload: Mapping[str, Any]
    action: EntryAction = EntryAction.CREATE
    target_id: int | None = None  # the original entry an amendment or strike corrects
    reason: str = ""


@dataclass(frozen=True, slots=True)
class EntryView:
    """An original entry as the timeline shows it now."""

    original: Entry
    current: Entry  # the latest amendment, or the original
    struck_by: Entry | None = None
    corrections: tuple[Entry, ...] = field(default=())

    @property
    def id(self) -> int:
        return self.original.id

    @property
    def kind(self) -> EntryKind:
        return self.original.kind

    @property
    def t(self) -> float:
        return self.current.t

    @property
    def payload(self) -> Mapping[str, Any]:
        return self.current.payload

    @property
    def struck(self) -> bool:
        return self.struck_by is not None

    @property
    def amended(self) -> bool:
        return self.current is not self.original

    @property
    def live(self) -> bool:
        """Counts for the session (not struck through)."""
        return self.struck_by is None


def validate_initials(initials: str) -> str:
    initials = initials.strip().upper()
    if not INITIALS_RE.match(initials):
        raise EntryError("Enter your initials (2 to 4 letters) before recording")
    return initials


def validate_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < 3:
        raise EntryError("A correction needs a reason: say why the entry is amended or struck")
    if len(reason) > MAX_NOTE_CHARS:
        raise EntryError(f"The reason is too long ({len(reason)} characters; at most {MAX_NOTE_CHARS})")
    return reason


def _note(payload: Mapping[str, Any]) -> str:
    note = str(payload.get("note", "") or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise EntryError(f"The note is too long ({len(note)} characters; at most {MAX_NOTE_CHARS})")
    return note


def _choice(enum: type[StrEnum], value: Any, what: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise EntryError(f"{what} must be one of: {allowed}; got {value!r}") from None


def _whole_number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and SCORE_RE.match(value.strip()):
        return int(value.strip().replace("−", "-").lstrip("+"))
    return None


def validate_payload(kind: EntryKind, payload: Mapping[str, Any], limits: InfusionLimits) -> dict[str, Any]:
    """A clean copy of an entry's payload, or EntryError saying what is wrong. Pure: nothing is stored."""
    note = _note(payload)
    out: dict[str, Any]
    if kind is EntryKind.SIDE_EFFECT:
        out = {
            "effect": _choice(SideEffect, payload.get("effect"), "Side effect"),
            "severity": _choice(Severity, payload.get("severity"), "Severity"),
        }
        if out["effect"] == SideEffect.OTHER and not note:
            raise EntryError("'Other' side effect needs a note saying what was observed")
    elif kind is EntryKind.SCORE:
        scale = SCALES.get(str(payload.get("scale")))
        if scale is None:
            raise EntryError(f"unknown scale {payload.get('scale')!r}; known: {', '.join(SCALES)}")
        value = _whole_number(payload.get("score"))
        if value is None or not scale.low <= value <= scale.high:
            raise EntryError(
                f"{scale.name} score must be a whole number from {scale.low} to {scale.high}, "
                f"got {payload.get('score')!r}"
            )
        out = {"scale": scale.key, "score": value}
    elif kind is EntryKind.DISSOCIATION:
        out = {"level": _choice(DissociationLevel, payload.get("level"), "Dissociation")}
    elif kind is EntryKind.INFUSION:
        out = validate_infusion_payload(payload, limits)
    elif kind is EntryKind.NOTE:
        if not note:
            raise EntryError("The note is empty")
        out = {}
    elif kind is EntryKind.SCREENING:
        out = validate_screening(payload)
    elif kind is EntryKind.CHECK:
        out = {"finding": "no side effects"}
    elif kind is EntryKind.ALDRETE:
        out = validate_aldrete(payload)
    elif kind is EntryKind.DISCHARGE:
        out = validate_discharge(payload)
    elif kind is EntryKind.MISSED_CHECK:
        out = {"due_at": float(payload["due_at"]), "missing": [str(m) for m in payload["missing"]]}
        if payload.get("check"):  # a scheduled BP check of the esketamine-rems protocol (schedule.BP_AT_40_MIN...)
            out["check"] = str(payload["check"])
    elif kind is EntryKind.PHQ9:
        out = validate_phq9(payload)
    else:  # pragma: no cover - EntryKind is closed
        raise EntryError(f"unknown entry kind {kind!r}")
    if note:
        out["note"] = note
    return out


def resolve(entries: Iterable[Entry]) -> list[EntryView]:
    """Originals with their corrections applied, in time order (ties by id)."""
    originals: dict[int, Entry] = {}
    corrections: dict[int, list[Entry]] = {}
    for e in sorted(entries, key=lambda e: e.id):
        if e.action is EntryAction.CREATE:
            originals[e.id] = e
        elif e.target_id is not None:
            corrections.setdefault(e.target_id, []).append(e)
    views = []
    for eid, original in originals.items():
        current, struck = original, None
        history = tuple(corrections.get(eid, ()))
        for c in history:
            if c.action is EntryAction.AMEND:
                current = c
            elif c.action is EntryAction.STRIKE:
                struck = c
        views.append(EntryView(original, current, struck, history))
    views.sort(key=lambda v: (v.t, v.id))
    return views


# Set in the payload of an entry restored from the unsaved-entries file at start-up (storage.unsaved.RESTORED).
RESTORED = "restored"


def describe(kind: EntryKind, payload: Mapping[str, Any]) -> str:
    """One line for the timeline list and reports."""
    text = _describe(kind, payload)
    note = payload.get("note")
    text = f"{text} — {note}" if note and kind is not EntryKind.NOTE else text
    return f"{text} (restored after a database failure)" if payload.get(RESTORED) is True else text


def _describe(kind: EntryKind, p: Mapping[str, Any]) -> str:
    if kind is EntryKind.SIDE_EFFECT:
        return f"{str(p['effect']).capitalize()} ({p['severity']})"
    if kind is EntryKind.SCORE:
        scale = SCALES[p["scale"]]
        if scale.role is ScaleRole.PAIN:
            return f"Pain {p['score']}/{scale.high}"
        return f"{scale.name} {scale.label(int(p['score']))}"
    if kind is EntryKind.DISSOCIATION:
        return f"Dissociation: {p['level']}"
    if kind is EntryKind.NOTE:
        return f"Note: {p.get('note', '')}"
    if kind is EntryKind.SCREENING:
        result = evaluate_screening(p)
        verdict = "may start" if result.may_start else "start blocked"
        if result.overridden and result.blocks:
            verdict = f"override: {p['override_reason']}"
            if p.get("cosigned_by"):
                verdict += f" (co-signed {p['cosigned_by']})"
        b = p["baseline"]
        text = (
            f"Screening: {verdict}; baseline {b['sys']:g}/{b['dia']:g}, HR {b['hr']:g}, SpO₂ {b['spo2']:g}, "
            f"pain {p['baseline_pain']}/10"
        )
        if isinstance(p.get(PRE_DOSE_MOAAS), int):  # a screening recorded before issue 19 has none
            text += f"; pre-dose MOAA/S {MOAAS.label(p[PRE_DOSE_MOAAS])}"
        for what, items in (("cautions", result.cautions), ("tests", result.tests)):
            text += f"; {what}: {', '.join(items)}" if items else ""
        return text
    if kind is EntryKind.CHECK:
        return "Side-effect review: none observed"
    if kind is EntryKind.ALDRETE:
        kept = f" — kept against the monitor: {p['override_reason']}" if p.get("contradicts") else ""
        variant = f" ({CIRCULATION_SAID[Circulation(p[CIRCULATION_IN])]})" if p.get(CIRCULATION_IN) else ""
        return f"Modified Aldrete {aldrete_total(p)}/10{variant}{kept}"
    if kind is EntryKind.DISCHARGE:
        return "Discharged"
    if kind is EntryKind.MISSED_CHECK:
        what = f"{p['check']} check" if p.get("check") else "Check"
        return f"{what} due {hm_text(p['due_at'])} missed (not done: {', '.join(p['missing'])})"
        return f"Check due {hm_text(p['due_at'])} missed (not done: {', '.join(p['missing'])})"
    if kind is EntryKind.PHQ9:
        return describe_phq9(p)
    action = InfusionAction(p["action"])
    if action is InfusionAction.START:
        return (
            f"Infusion started: {p['drug']} {p['concentration_mg_ml']:g} mg/mL at {p['rate_mg_kg_h']:g} mg/kg/h "
            f"({p['weight_kg']:g} kg)"
        )
    if action is InfusionAction.RATE:
        return f"Rate changed to {p['rate_mg_kg_h']:g} mg/kg/h"
    if action is InfusionAction.BOLUS:
        return f"Bolus {p['dose_mg']:g} mg"
    return {"pause": "Infusion paused", "resume": "Infusion resumed", "stop": "Infusion stopped"}[action.value]


def is_score(view: EntryView, role: ScaleRole) -> bool:
    """A score entry on a scale with this role (pain, sedation, ...)."""
    return view.kind is EntryKind.SCORE and scale_role(view.payload.get("scale")) is role


def latest_sedation(views: Iterable[EntryView]) -> tuple[str, int] | None:
    """The most recent live sedation score, RASS or MOAA/S (scale key, score), corrections applied; None when none."""
    scores = [
        (v.t, v.id, v.payload["scale"], int(v.payload["score"]))
        for v in views
        if v.live and is_score(v, ScaleRole.SEDATION)
    ]
    if not scores:
        return None
    _t, _id, scale, score = max(scores)
    return scale, score
