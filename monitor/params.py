"""The canonical parameter table: every vital sign the program knows, by one name used everywhere.

Names appear in decoder output, the database, charts, alarms and exports. LOINC codes are those of the
FHIR R4 vital-signs profile listed in shared/clinical.md [LOINC]; parameters without a vital-signs LOINC
code carry None and are exported with the device's own label.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    label: str
    unit: str  # UCUM-style display unit
    precision: int  # decimals shown on screen
    loinc: str | None


def _p(name: str, label: str, unit: str, precision: int, loinc: str | None = None) -> Param:
    return Param(name, label, unit, precision, loinc)


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
    _p("HR", "Heart rate", "/min", 0, "8867-4"),
    _p("PR", "Pulse rate", "/min", 0, "8889-8"),
    _p("SPO2", "SpO2", "%", 0, "59408-5"),
    _p("NIBP_SYS", "NIBP systolic", "mmHg", 0, "8480-6"),
    _p("NIBP_DIA", "NIBP diastolic", "mmHg", 0, "8462-4"),
    _p("NIBP_MEAN", "NIBP mean", "mmHg", 0, "8478-0"),
    _p("RR", "Respiratory rate", "/min", 0, "9279-1"),
    _p("ETCO2", "EtCO2", "mmHg", 0, "19889-5"),
    _p("FICO2", "FiCO2", "mmHg", 0),
    _p("TEMP1", "Temperature 1", "°C", 1, "8310-5"),
    _p("TEMP2", "Temperature 2", "°C", 1, "8310-5"),
    _p("TEMP3", "Temperature 3", "°C", 1, "8310-5"),
    _p("TEMP4", "Temperature 4", "°C", 1, "8310-5"),
    _p("PI", "Perfusion index", "%", 2),
    _p("PVI", "Pleth variability index", "%", 0),
)


def _invasive() -> tuple[Param, ...]:
    params: list[Param] = []
    for label in INVASIVE_LABELS:
        for suffix, what, loinc in (
            ("SYS", "systolic", None),
            ("DIA", "diastolic", None),
            ("MEAN", "mean", None),
        ):
            params.append(_p(f"{label}_{suffix}", f"{label} {what}", "mmHg", 0, loinc))
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
