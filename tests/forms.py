"""What the clinical tests record again and again: a session's start time, a controllable clock, the infusion
start, a screening that allows the start, the discharge checklist. One home, imported by the test modules."""

from __future__ import annotations

from monitor.clinical.screening import Caution, Contraindication, Investigation, InvestigationAnswer

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 70, "rate_mg_kg_h": 0.5}
CHECKLIST = {"escort_present": True, "no_driving_advised": True, "instructions_given": True}


def screening(**changes) -> dict:
    """A screening that allows the start (no contraindication, no caution, no test indicated, pre-dose MOAA/S 5,
    consent, fasting, escort, a normal baseline)."""
    form = {
        "contraindications": {item.name.lower(): False for item in Contraindication},
        "cautions": {item.name.lower(): False for item in Caution},
        "tests": {prompt.name.lower(): InvestigationAnswer.NOT_INDICATED.value for prompt in Investigation},
        "pre_dose_moaas": 5,
        "consent": True,
        "fasting": True,
        "escort": True,
        "baseline": {"sys": 128, "dia": 80, "hr": 72, "spo2": 98},
        "baseline_pain": 7,
    }
    return form | changes


class Clock:
    """A clock the test sets: `clock.t = ...`; the services call it for "now"."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t
