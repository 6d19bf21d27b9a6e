"""Clinical rules read from a session's record (its resolved entries), so the session service only gathers the
entries, calls these and stores: the latest live entry of a kind, a discharged record is closed, the infusion
starts only after a screening that allows it, and the facts a discharge is judged on (monitor.clinical.recovery)."""

from __future__ import annotations

from monitor.clinical.entries import EntryKind, EntryView, is_score
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits, InfusionStatus, fold_infusion
from monitor.clinical.recovery import DischargeFacts, aldrete_total
from monitor.clinical.scales import ScaleRole
from monitor.clinical.screening import evaluate as evaluate_screening
from monitor.timefmt import hm_text


def latest(views: list[EntryView], kind: EntryKind, before: float = float("inf")) -> EntryView | None:
    """The latest live (not struck) entry of `kind` at or before `before`."""
    found = [v for v in views if v.kind is kind and v.live and v.t <= before]
    return found[-1] if found else None


def refuse_after_discharge(views: list[EntryView]) -> None:
    """A discharged session is closed for real: nothing more goes into its record, corrections included."""
    discharge = latest(views, EntryKind.DISCHARGE)
    if discharge is not None:
        raise EntryError(
            f"This session is closed: the patient was discharged at {hm_text(discharge.t)} by "
            f"{discharge.original.initials}. Nothing more is recorded in it; start the next patient "
            "(Session → Next patient)."
        )


def check_screening(views: list[EntryView], start_t: float, gate: tuple[float, float]) -> None:
    """The infusion may start at `start_t` only after a screening that allows it (EntryError with why not)."""
    screening = latest(views, EntryKind.SCREENING, start_t)
    if screening is None:
        raise EntryError("Record the pre-infusion screening before starting the infusion")
    result = evaluate_screening(screening.payload, gate)
    if not result.may_start:
        raise EntryError(result.refusal())


def discharge_facts(views: list[EntryView], now: float, limits: InfusionLimits) -> DischargeFacts:
    """What the record says for a discharge: when the infusion stopped, the latest Aldrete score after the stop
    and its time, and whether pain was scored after the stop (the alarms are added by the caller)."""
    stopped = infusion_status(views, now, limits).stopped_at
    after = [v for v in views if v.live and stopped is not None and v.t >= stopped]
    aldrete = [v for v in after if v.kind is EntryKind.ALDRETE]
    pain = any(is_score(v, ScaleRole.PAIN) for v in after)
    last = max(aldrete, key=lambda v: (v.t, v.id)) if aldrete else None
    return DischargeFacts(
        stopped, aldrete_total(last.payload) if last else None, pain, last.t if last else None, dosed_at=dosed_at(views)
    )


def dosed_at(views: list[EntryView]) -> float | None:
    """The last dose given: the infusion's start or a later bolus ([PI] "observe at least 2 h after dosing")."""
    infusion = [v for v in views if v.kind is EntryKind.INFUSION and v.live]
    doses = [v.t for v in infusion if v.payload["action"] in ("start", "bolus")]
    return max(doses, default=None)


def infusion_status(views: list[EntryView], now: float, limits: InfusionLimits) -> InfusionStatus:
    """The infusion as its live entries say at `now` (EntryError for an impossible order)."""
    events = [(v.t, v.payload) for v in views if v.kind is EntryKind.INFUSION and v.live]
    return fold_infusion(events, now, limits)
