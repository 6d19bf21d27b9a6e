"""The standing of each default alarm-limit number (shared/clinical.md, "Default alarm limits", its standing column):
which number a source sets and which is a clinic default. Shown beside the limits in the limits dialog and the
README's table, so nobody reads a clinic default as a sourced value.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.clinical.alarm_limits import DEFAULT_LIMITS

CLINIC_DEFAULT = "clinic default"


@dataclass(frozen=True, slots=True)
class Standing:
    low: str  # the standing of the default low limit ("" where there is none)
    high: str


STANDINGS: dict[str, Standing] = {
    # values used in ketamine protocols and the [PI]'s tables; "above 180: pause" is a clinic default action
    "NIBP_SYS": Standing("ketamine protocols, [PI] tables", "ketamine protocols, [PI] tables"),
    "NIBP_DIA": Standing(CLINIC_DEFAULT, "[PI] tables"),  # 50 clinic default; 110 as in the [PI]'s tables
    "HR": Standing(CLINIC_DEFAULT, CLINIC_DEFAULT),  # ED ketamine protocols use 50 / 150
    "SPO2": Standing("hypoxaemia definitions, [ALDRETE] room-air item", ""),
    "RR": Standing(CLINIC_DEFAULT, CLINIC_DEFAULT),  # some ED protocols use 10 / 30
    "ETCO2": Standing(CLINIC_DEFAULT, "hypoventilation in the sedation literature"),  # 25 clinic default; 50 sourced
}


def standing_text(param: str) -> str:
    """One line: this program's default limits of `param` and the standing of each, e.g.
    "Program defaults: low 50 (clinic default); high 120 (clinic default)". A clinic's clinic.json may set other
    numbers: those are that clinic's own."""
    limit, standing = DEFAULT_LIMITS[param], STANDINGS[param]
    parts = [
        f"{which} {value:g} ({source})"
        for which, value, source in (("low", limit.low, standing.low), ("high", limit.high, standing.high))
        if value is not None
    ]
    return "Program defaults: " + "; ".join(parts)
