"""The dosing numbers [ASRA-2018] gives, and the session's cumulative dose set against them as information.

clinical.md "Dosing — [ASRA-2018] (grade C, low certainty; clinic defaults may be lower)": bolus up to 0.35 mg/kg;
infusion 0.5–2 mg/kg/h; an infusion session for chronic pain: at least 80 mg over more than 2 h. The bolus and rate
ceilings are the defaults of InfusionLimits (clinic.json may change them: max_bolus_mg_kg, max_rate_mg_kg_h). The
session figure is a description of a typical chronic-pain session, never a rule: nothing is refused or alarmed on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.timefmt import minutes_text

ASRA_BOLUS_MAX_MG_KG = 0.35  # [ASRA-2018] bolus up to 0.35 mg/kg
ASRA_RATE_MIN_MG_KG_H = 0.5  # [ASRA-2018] infusion 0.5–2 mg/kg/h
ASRA_RATE_MAX_MG_KG_H = 2.0  # [ASRA-2018] infusion 0.5–2 mg/kg/h
ASRA_SESSION_MIN_MG = 80.0  # [ASRA-2018] a chronic-pain infusion session: at least 80 mg ...
ASRA_SESSION_MIN_S = 2 * 3600.0  # [ASRA-2018] ... over more than 2 h


@dataclass(frozen=True, slots=True)
class CumulativeDose:
    """The session's dose so far against [ASRA-2018]'s "at least 80 mg over more than 2 h" (information)."""

    total_mg: float
    weight_kg: float | None  # None: the weight is not known (mg/kg not shown)
    over_s: float  # from the start of the infusion to its stop, or to now while it runs

    @property
    def mg_kg(self) -> float | None:
        return self.total_mg / self.weight_kg if self.weight_kg else None

    @property
    def reaches_reference(self) -> bool:
        return self.total_mg >= ASRA_SESSION_MIN_MG and self.over_s > ASRA_SESSION_MIN_S

    def text(self) -> str:
        """e.g. "Session dose 45.0 mg (0.64 mg/kg) over 1 h 05 · ASRA-2018 chronic-pain session: ≥ 80 mg over
        > 2 h — not reached (information)"."""
        per_kg = f" ({self.mg_kg:.2f} mg/kg)" if self.mg_kg is not None else ""
        verdict = "reached" if self.reaches_reference else "not reached"
        return (
            f"Session dose {self.total_mg:.1f} mg{per_kg} over {minutes_text(self.over_s)} · "
            f"ASRA-2018 chronic-pain session: ≥ {ASRA_SESSION_MIN_MG:g} mg over > {ASRA_SESSION_MIN_S / 3600:g} h"
            f" — {verdict} (information)"
        )


def rate_remark(rate_mg_kg_h: float) -> str:
    """A word on a rate outside [ASRA-2018]'s 0.5–2 mg/kg/h (a lower rate is allowed: clinic defaults may be lower;
    a higher one is refused by the clinic's ceiling unless clinic.json allows exceeding it); "" inside it."""
    band = f"the ASRA-2018 range {ASRA_RATE_MIN_MG_KG_H:g}–{ASRA_RATE_MAX_MG_KG_H:g} mg/kg/h"
    if rate_mg_kg_h < ASRA_RATE_MIN_MG_KG_H:
        return f"below {band}"
    if rate_mg_kg_h > ASRA_RATE_MAX_MG_KG_H:
        return f"above {band}"
    return ""
