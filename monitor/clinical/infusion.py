"""The infusion: settings, the event sequence a nurse records, and the dose arithmetic.

Pure functions over the recorded infusion events. The running total is integrated from the events themselves,
so a corrected (amended or struck) event changes the totals the same way everywhere: on screen and in reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from monitor.clinical.cosign import above_ceiling
from monitor.clinical.dose_reference import ASRA_BOLUS_MAX_MG_KG, ASRA_RATE_MAX_MG_KG_H, CumulativeDose
from monitor.clinical.errors import EntryError, parse_number
from monitor.timefmt import clock_text


class InfusionAction(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RATE = "rate"
    STOP = "stop"
    BOLUS = "bolus"


class InfusionState(StrEnum):
    NOT_STARTED = "not started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class InfusionLimits:
    """Bounds a clinic configures (clinic.json max_rate_mg_kg_h, max_bolus_mg_kg). The dose ceilings default to
    [ASRA-2018]'s numbers (clinical.md "Dosing"); the weight and concentration bounds are this program's plausibility
    checks (clinic defaults)."""

    max_rate_mg_kg_h: float = ASRA_RATE_MAX_MG_KG_H  # [ASRA-2018] infusion 0.5–2 mg/kg/h
    max_bolus_mg_kg: float = ASRA_BOLUS_MAX_MG_KG  # [ASRA-2018] bolus up to 0.35 mg/kg
    min_weight_kg: float = 20.0
    max_weight_kg: float = 300.0
    max_concentration_mg_ml: float = 100.0  # ketamine is supplied at 10, 50 and 100 mg/mL
    # Whether a dose above the ceilings may be given at all: false (this program's clinic default) refuses it, as
    # before; true lets a charge nurse / prescriber (or a nurse with their co-signature, issue 18 point 4) exceed
    # it up to the absolute HARD_MAX_* below.
    allow_above_ceiling: bool = False


# The absolute ceilings no clinic file or co-signature passes (the upper bounds clinic_protocol accepts for the
# ceilings): clinic defaults, this program's outer bounds above [ASRA-2018]'s 2 mg/kg/h and 0.35 mg/kg.
HARD_MAX_RATE_MG_KG_H = 5.0
HARD_MAX_BOLUS_MG_KG = 2.0


@dataclass(frozen=True, slots=True)
class InfusionSettings:
    drug: str
    concentration_mg_ml: float
    weight_kg: float

    def pump_rate_ml_h(self, rate_mg_kg_h: float) -> float:
        """mL/h = mg/kg/h × kg ÷ mg/mL."""
        return rate_mg_kg_h * self.weight_kg / self.concentration_mg_ml


@dataclass(frozen=True, slots=True)
class InfusionStatus:
    state: InfusionState = InfusionState.NOT_STARTED
    settings: InfusionSettings | None = None
    rate_mg_kg_h: float = 0.0  # the set rate; still shown while paused, but nothing runs
    started_at: float | None = None
    stopped_at: float | None = None
    infused_s: float = 0.0  # time actually running (pauses excluded)
    infused_mg: float = 0.0  # continuous infusion only
    bolus_mg: float = 0.0
    boluses: int = 0

    @property
    def total_mg(self) -> float:
        return self.infused_mg + self.bolus_mg

    @property
    def total_mg_kg(self) -> float:
        return self.total_mg / self.settings.weight_kg if self.settings else 0.0

    @property
    def pump_rate_ml_h(self) -> float:
        if self.settings is None or self.state is not InfusionState.RUNNING:
            return 0.0
        return self.settings.pump_rate_ml_h(self.rate_mg_kg_h)

    def cumulative(self, now: float) -> CumulativeDose:
        """The session's dose so far against [ASRA-2018]'s "at least 80 mg over more than 2 h": information."""
        return CumulativeDose(self.total_mg, self.settings.weight_kg if self.settings else None, self.elapsed_s(now))

    def elapsed_s(self, now: float) -> float:
        """Time since the start, to the stop if stopped."""
        if self.started_at is None:
            return 0.0
        end = self.stopped_at if self.stopped_at is not None else now
        return max(0.0, end - self.started_at)


# --- payload validation -------------------------------------------------------------------------------------


def _rate(value: Any, limits: InfusionLimits) -> float:
    rate = parse_number(value, "Dose rate", "mg/kg/h")
    if rate <= 0:
        raise EntryError(f"Dose rate must be above 0 mg/kg/h, got {rate:g} (use Pause to stop the pump for a while)")
    if rate > (HARD_MAX_RATE_MG_KG_H if limits.allow_above_ceiling else limits.max_rate_mg_kg_h):
        raise EntryError(
            f"Dose rate {rate:g} mg/kg/h is above the clinic's ceiling of {limits.max_rate_mg_kg_h:g} mg/kg/h"
            + (f" and the absolute {HARD_MAX_RATE_MG_KG_H:g} mg/kg/h" if limits.allow_above_ceiling else "")
        )
    return rate


def validate_infusion_payload(payload: Mapping[str, Any], limits: InfusionLimits) -> dict[str, Any]:
    """A clean copy of an infusion event's payload, or EntryError saying what is wrong."""
    try:
        action = InfusionAction(payload.get("action"))
    except ValueError:
        raise EntryError(f"unknown infusion action {payload.get('action')!r}") from None
    out: dict[str, Any] = {"action": action.value}
    if action is InfusionAction.START:
        drug = str(payload.get("drug", "")).strip()
        if not drug:
            raise EntryError("Drug is empty: enter the drug being infused")
        conc = parse_number(payload.get("concentration_mg_ml", ""), "Concentration", "mg/mL")
        if not 0 < conc <= limits.max_concentration_mg_ml:
            raise EntryError(
                f"Concentration must be above 0 and at most {limits.max_concentration_mg_ml:g} mg/mL, got {conc:g}"
            )
        weight = parse_number(payload.get("weight_kg", ""), "Weight", "kg")
        if not limits.min_weight_kg <= weight <= limits.max_weight_kg:
            raise EntryError(
                f"Weight {weight:g} kg is outside {limits.min_weight_kg:g}–{limits.max_weight_kg:g} kg: "
                "check the patient's weight"
            )
        out |= {"drug": drug, "concentration_mg_ml": conc, "weight_kg": weight}
        out["rate_mg_kg_h"] = _rate(payload.get("rate_mg_kg_h", ""), limits)
    elif action is InfusionAction.RATE:
        out["rate_mg_kg_h"] = _rate(payload.get("rate_mg_kg_h", ""), limits)
    elif action is InfusionAction.BOLUS:
        dose = parse_number(payload.get("dose_mg", ""), "Bolus dose", "mg")
        if dose <= 0:
            raise EntryError(f"Bolus dose must be above 0 mg, got {dose:g}")
        out["dose_mg"] = dose
    cosigner = str(payload.get("cosigned_by", "") or "").strip().upper()
    if cosigner and action in (InfusionAction.START, InfusionAction.RATE, InfusionAction.BOLUS):
        if not (limits.allow_above_ceiling and 2 <= len(cosigner) <= 4 and cosigner.isalpha()):
            raise EntryError("A co-signature belongs to a dose above the ceiling the clinic allows exceeding")
        out["cosigned_by"] = cosigner  # the charge nurse / prescriber who co-signed (audit-chained payload)
    return out


# --- the event sequence -------------------------------------------------------------------------------------

_ALLOWED: dict[InfusionAction, tuple[InfusionState, ...]] = {
    InfusionAction.START: (InfusionState.NOT_STARTED,),
    InfusionAction.PAUSE: (InfusionState.RUNNING,),
    InfusionAction.RESUME: (InfusionState.PAUSED,),
    InfusionAction.RATE: (InfusionState.RUNNING, InfusionState.PAUSED),
    InfusionAction.STOP: (InfusionState.RUNNING, InfusionState.PAUSED),
    InfusionAction.BOLUS: (InfusionState.RUNNING, InfusionState.PAUSED),
}

_REFUSAL = {
    InfusionState.NOT_STARTED: "the infusion has not been started",
    InfusionState.RUNNING: "the infusion is running",
    InfusionState.PAUSED: "the infusion is paused",
    InfusionState.STOPPED: "the infusion was stopped",
}


def fold_infusion(
    events: Iterable[tuple[float, Mapping[str, Any]]], now: float, limits: InfusionLimits | None = None
) -> InfusionStatus:
    """The infusion's status at `now` from its events (time, validated payload) in time order.

    Raises EntryError when the sequence is impossible (a pause before the start, a bolus above the ceiling);
    the service folds the sequence with a new event in place before storing it, so a refused event is never saved.
    """
    limits = limits or InfusionLimits()
    s = InfusionStatus()
    running_since: float | None = None
    for t, payload in events:
        action = InfusionAction(payload["action"])
        if s.state not in _ALLOWED[action]:
            raise EntryError(f"Cannot {action.value} at {clock_text(t)}: {_REFUSAL[s.state]}")
        if running_since is not None:  # close the running segment at this event
            s = _accrue(s, running_since, t)
            running_since = None
        if action is InfusionAction.START:
            settings = InfusionSettings(payload["drug"], payload["concentration_mg_ml"], payload["weight_kg"])
            s = _replace(
                s, state=InfusionState.RUNNING, settings=settings, rate_mg_kg_h=payload["rate_mg_kg_h"], started_at=t
            )
        elif action is InfusionAction.PAUSE:
            s = _replace(s, state=InfusionState.PAUSED)
        elif action is InfusionAction.RESUME:
            s = _replace(s, state=InfusionState.RUNNING)
        elif action is InfusionAction.RATE:
            s = _replace(s, rate_mg_kg_h=payload["rate_mg_kg_h"])
        elif action is InfusionAction.STOP:
            s = _replace(s, state=InfusionState.STOPPED, stopped_at=t)
        elif action is InfusionAction.BOLUS:
            assert s.settings is not None
            ceiling = limits.max_bolus_mg_kg * s.settings.weight_kg
            # above the ceiling only where the clinic allowed it when recorded (co-signed or by a charge nurse)
            exceeding = limits.allow_above_ceiling or bool(payload.get("cosigned_by"))
            if above_ceiling(payload["dose_mg"], HARD_MAX_BOLUS_MG_KG * s.settings.weight_kg if exceeding else ceiling):
                raise EntryError(
                    f"Bolus {payload['dose_mg']:g} mg is above the clinic's ceiling of {limits.max_bolus_mg_kg:g} "
                    f"mg/kg ({ceiling:.1f} mg for {s.settings.weight_kg:g} kg)"
                )
            s = _replace(s, bolus_mg=s.bolus_mg + payload["dose_mg"], boluses=s.boluses + 1)
        if s.state is InfusionState.RUNNING:
            running_since = t
    if running_since is not None and now > running_since:
        s = _accrue(s, running_since, now)
    return s


def _accrue(s: InfusionStatus, t0: float, t1: float) -> InfusionStatus:
    assert s.settings is not None
    dt = max(0.0, t1 - t0)
    mg = s.rate_mg_kg_h * s.settings.weight_kg * dt / 3600.0
    return _replace(s, infused_s=s.infused_s + dt, infused_mg=s.infused_mg + mg)


def _replace(s: InfusionStatus, **changes: Any) -> InfusionStatus:
    return replace(s, **changes)
