"""The canonical parameter table: every vital sign the program knows, by one name used everywhere.

Names appear in decoder output, the database, charts, alarms and exports. LOINC codes are those of the
FHIR R4 vital-signs profile listed in shared/clinical.md [LOINC]; parameters without a vital-signs LOINC
code carry None and are exported with the device's own label.

Each parameter has a physical range: a decoded value outside it (or not a finite number) is not a measurement
but a fault of the device, the line or the decoder, and never enters the record (decoders report it as an
invalid value; the writer quarantines it). Where each range comes from is said beside it: a percentage by
definition, or a "clinic default" physiological bound chosen wider than any monitor's display range, so a real
reading, however alarming, is never refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Param:
    name: str  # the code: database, decoders, export column headers
    label: str  # what a nurse reads: screen, alarm texts, PDF (monitor.wording.param_label)
    unit: str  # UCUM-style display unit
    precision: int  # decimals shown on screen
    loinc: str | None
    low: float  # the physical range (inclusive); where it comes from: the constants below
    high: float
    loinc_also: tuple[str, ...] = ()  # further codings, after `loinc` (clinical.md "Codes for export")

    def problem(self, value: float) -> str | None:
        """Why `value` cannot be a reading of this parameter, or None when it can."""
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            return f"{self.name}: not a finite number"
        if value < self.low:
            return f"{self.name}: below the physical range {self.low:g}..{self.high:g} {self.unit}"
        if value > self.high:
            return f"{self.name}: above the physical range {self.low:g}..{self.high:g} {self.unit}"
        return None


# Physical ranges (low, high), inclusive, and where they come from.
PERCENT = (0.0, 100.0)  # a percentage, by definition (SpO2, perfusion index, pleth variability index)
RATE = (0.0, 350.0)  # clinic default: heart/pulse rate; 0 (asystole) is a real, alarming reading
BREATHS = (0.0, 200.0)  # clinic default: respiratory rate; 0 (apnoea) is a real reading
BLOOD_PRESSURE = (0.0, 400.0)  # clinic default: non-invasive cuff pressures
INVASIVE = (-50.0, 400.0)  # clinic default: invasive pressures (CVP, ICP, PA may read slightly negative)
GAS = (0.0, 150.0)  # clinic default: CO2 in mmHg (about 20 % of an atmosphere)
TEMPERATURE = (0.0, 50.0)  # clinic default: a probe off the patient reads room temperature, not a fault


def _p(
    name: str,
    label: str,
    unit: str,
    precision: int,
    loinc: str | None,
    bounds: tuple[float, float],
    loinc_also: tuple[str, ...] = (),
) -> Param:
    return Param(name, label, unit, precision, loinc, *bounds, loinc_also)


# Invasive pressure channels are named by their monitor label (ART, CVP, ...); see INVASIVE_LABELS.
INVASIVE_LABELS: tuple[str, ...] = (
    "ART",
    "CVP",
    "PA",
    "RAP",
    "RVP",
    "LAP",
    "ICP",
    "ABP",
    "P1",
    "P2",
    "P3",
    "P4",
    "P5",
    "P6",
    "SP",
    "FEM",
    "UAC",
    "UVC",
    "ICP2",
    "P7",
    "P8",
    "FEMV",
)

_BASE: tuple[Param, ...] = (
    _p("HR", "Heart rate", "/min", 0, "8867-4", RATE),
    _p("PR", "Pulse rate", "/min", 0, "8889-8", RATE),
    # [LOINC] 2708-6 as the FHIR R4 vital-signs profile requires, 59408-5 (by pulse oximetry) as a second coding
    _p("SPO2", "SpO₂", "%", 0, "2708-6", PERCENT, ("59408-5",)),
    _p("NIBP_SYS", "NIBP systolic", "mmHg", 0, "8480-6", BLOOD_PRESSURE),
    _p("NIBP_DIA", "NIBP diastolic", "mmHg", 0, "8462-4", BLOOD_PRESSURE),
    _p("NIBP_MEAN", "NIBP mean", "mmHg", 0, "8478-0", BLOOD_PRESSURE),
    _p("RR", "Respiratory rate", "/min", 0, "9279-1", BREATHS),
    _p("ETCO2", "EtCO₂", "mmHg", 0, "19889-5", GAS),
    _p("FICO2", "FiCO₂", "mmHg", 0, None, GAS),
    _p("TEMP1", "Temperature 1", "°C", 1, "8310-5", TEMPERATURE),
    _p("TEMP2", "Temperature 2", "°C", 1, "8310-5", TEMPERATURE),
    _p("TEMP3", "Temperature 3", "°C", 1, "8310-5", TEMPERATURE),
    _p("TEMP4", "Temperature 4", "°C", 1, "8310-5", TEMPERATURE),
    _p("PI", "Perfusion index", "%", 2, None, PERCENT),
    _p("PVI", "Pleth variability index", "%", 0, None, PERCENT),
)


def _invasive() -> tuple[Param, ...]:
    params: list[Param] = []
    for label in INVASIVE_LABELS:
        for suffix, what, loinc in (
            ("SYS", "systolic", None),
            ("DIA", "diastolic", None),
            ("MEAN", "mean", None),
        ):
            params.append(_p(f"{label}_{suffix}", f"{label} {what}", "mmHg", 0, loinc, INVASIVE))
    return tuple(params)


PARAMS: dict[str, Param] = {p.name: p for p in (*_BASE, *_invasive())}


def param(name: str) -> Param:
    """The table entry for `name`; KeyError names the unknown parameter."""
    try:
        return PARAMS[name]
    except KeyError:
        raise KeyError(f"unknown parameter {name!r}") from None


def format_value(name: str, value: float) -> str:
    """The value as a nurse sees it: the parameter's display precision."""
    return f"{value:.{PARAMS[name].precision}f}"


def value_problem(name: str, value: float) -> str | None:
    """Why `value` cannot be a reading of parameter `name` (unknown name, not finite, outside its physical range),
    or None when it can. The one check decoders and the writer share."""
    p = PARAMS.get(name)
    if p is None:
        return f"unknown parameter {name!r}"
    return p.problem(value)
