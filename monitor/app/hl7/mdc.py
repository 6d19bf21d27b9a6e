"""What each observation is called in an ORU^R01: OBX-3 (what was observed) and OBX-6 (its unit).

Vital signs are coded with the IEEE 11073-10101 nomenclature (MDC, coding system "MDC" in HL7 v2), as IHE PCD-01
asks; units with the MDC dimension code and, as the alternate coding (CWE components 4-6), the UCUM unit. Each code
was checked against a public source, named beside it (looked up 2026-11-29):

 [MDC]  the ISO/IEEE 11073-10101 code system as the HL7 terminology server loads it from the IEEE tables (NIST
        RTMMS), urn:iso:std:iso:11073:10101 version 2020-06-18: its expansions cached by the build of the HL7
        Point-of-Care Device IG (github HL7/uv-pocd, input-cache/txcache/iso1107310101.cache, in the history),
        code, reference id and definition.
 [DK]   HL7 Denmark, DK Core IG, ValueSet dk-core-IEEEBasicObservation (github hl7dk/dk-core,
        input/fsh/valueSets.fsh): MDC codes with their reference ids and definitions.
 [POCD] HL7 Point-of-care Device FHIR IG 2018Sep, DeviceMetric 5b4b7dd2-... (hl7.org/fhir/uv/pocd/2018Sep/).
 [HAPI] the IHE PCD ORU^R01 sample in HAPI HL7v2's MessageValidatorTest (blood pressure, MDC_DIM_MMHG).
 [GE]   GE B40 monitor, "PCD-01 description" (manual 2062665-001, p. 15): IHE PCD-01 OBX examples.
 [VEND] device vendors' PCD-01 sample messages (Mindray, GE B1X5) found by code search; not an IEEE/HL7 table.

EtCO2: the issue listed "MDC_AWAY_CO2_ET 151708"; in [MDC] 151708 is MDC_CONC_AWAY_CO2_ET and MDC_AWAY_CO2_ET is
151728, both defined as the end-tidal partial pressure of CO2. 151708 is sent (the code devices send, e.g. [VEND]),
with the reference id [MDC] gives it; FiCO2 likewise as 151716 MDC_CONC_AWAY_CO2_INSP. An EHR maps by the number.

Parameters with no MDC code (the pleth variability index; invasive channels the monitor labels ICP, P1..P8, SP,
FEMV) go out with a local code of this program (coding system "99IMON", HL7 table 0396's "99zzz" local form), said
here so an interface analyst maps them deliberately. The nurse's scores reuse the LOINC codes of the FHIR export
(clinical/scales.py: pain 72514-3, clinical.md "Codes for export"); RASS, MOAA/S, the dissociation severity and the
side effects have no code in clinical.md and are sent with local codes, as the FHIR export does.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.clinical.scales import SCALES, SideEffect
from monitor.params import PARAMS

MDC = "MDC"
LOINC = "LN"
UCUM = "UCUM"
LOCAL = "99IMON"


@dataclass(frozen=True)
class Coded:
    """One CWE: identifier ^ text ^ coding system [^ alternate identifier ^ alternate text ^ alternate system]."""

    code: str
    text: str
    system: str
    alt_code: str = ""
    alt_text: str = ""
    alt_system: str = ""

    def components(self) -> list[str]:
        parts = [self.code, self.text, self.system]
        if self.alt_code:
            parts += [self.alt_code, self.alt_text, self.alt_system]
        return parts


# Units: MDC dimension code, UCUM as the alternate.
BEATS_PER_MIN = Coded("264864", "MDC_DIM_BEAT_PER_MIN", MDC, "/min", "/min", UCUM)  # [MDC] [POCD] [GE]
BREATHS_PER_MIN = Coded("264928", "MDC_DIM_RESP_PER_MIN", MDC, "/min", "/min", UCUM)  # [VEND] only
MMHG = Coded("266016", "MDC_DIM_MMHG", MDC, "mm[Hg]", "mm[Hg]", UCUM)  # [MDC] [HAPI] [GE]
PERCENT = Coded("262688", "MDC_DIM_PERCENT", MDC, "%", "%", UCUM)  # [VEND] (Mindray, GE B1X5) only
DEGC = Coded("268192", "MDC_DIM_DEGC", MDC, "Cel", "Cel", UCUM)  # [VEND] (Mindray, GE B1X5) only

UNITS_BY_DISPLAY = {"/min": BEATS_PER_MIN, "mmHg": MMHG, "%": PERCENT, "°C": DEGC}


def _mdc(code: int, ref_id: str) -> Coded:
    return Coded(str(code), ref_id, MDC)


# monitor.params name -> (OBX-3, OBX-6)
_VITALS: dict[str, tuple[Coded, Coded]] = {
    "HR": (_mdc(147842, "MDC_ECG_HEART_RATE"), BEATS_PER_MIN),  # [MDC] [DK] [POCD] [GE]
    "PR": (_mdc(149530, "MDC_PULS_OXIM_PULS_RATE"), BEATS_PER_MIN),  # [MDC] [DK]
    "SPO2": (_mdc(150456, "MDC_PULS_OXIM_SAT_O2"), PERCENT),  # [MDC] [DK]
    "NIBP_SYS": (_mdc(150021, "MDC_PRESS_BLD_NONINV_SYS"), MMHG),  # [MDC] [DK] [HAPI]
    "NIBP_DIA": (_mdc(150022, "MDC_PRESS_BLD_NONINV_DIA"), MMHG),  # [MDC] [DK] [HAPI]
    "NIBP_MEAN": (_mdc(150023, "MDC_PRESS_BLD_NONINV_MEAN"), MMHG),  # [MDC] [DK] [HAPI]
    "RR": (_mdc(151562, "MDC_RESP_RATE"), BREATHS_PER_MIN),  # [MDC] [DK] ("rate of breathing; method not specified")
    "ETCO2": (_mdc(151708, "MDC_CONC_AWAY_CO2_ET"), MMHG),  # [MDC]; see the module docstring
    "FICO2": (_mdc(151716, "MDC_CONC_AWAY_CO2_INSP"), MMHG),  # [MDC]
    "TEMP1": (_mdc(150344, "MDC_TEMP"), DEGC),  # [MDC] (site unspecified: the monitor does not say where the probe is)
    "TEMP2": (_mdc(150344, "MDC_TEMP"), DEGC),  # the channel is told apart by OBX-4
    "TEMP3": (_mdc(150344, "MDC_TEMP"), DEGC),
    "TEMP4": (_mdc(150344, "MDC_TEMP"), DEGC),
    "PI": (_mdc(150448, "MDC_PULS_OXIM_PERF_REL"), PERCENT),  # [MDC]
}

# Invasive pressures by the monitor's channel label: the MDC base code; systolic, diastolic, mean are base +1, +2, +3
# (each one checked in [MDC]). Labels that name no site (P1..P8, SP) or have no code there (ICP, FEMV) stay local.
_INVASIVE_SITES: dict[str, tuple[int, str]] = {
    "ART": (150032, "MDC_PRESS_BLD_ART"),  # [MDC] [GE]: 150033 MDC_PRESS_BLD_ART_SYS
    "ABP": (150036, "MDC_PRESS_BLD_ART_ABP"),
    "PA": (150044, "MDC_PRESS_BLD_ART_PULM"),
    "FEM": (150648, "MDC_PRESS_BLD_ART_FEMORAL"),
    "UAC": (150056, "MDC_PRESS_BLD_ART_UMB"),
    "LAP": (150064, "MDC_PRESS_BLD_ATR_LEFT"),
    "RAP": (150068, "MDC_PRESS_BLD_ATR_RIGHT"),
    "CVP": (150084, "MDC_PRESS_BLD_VEN_CENT"),
    "UVC": (150088, "MDC_PRESS_BLD_VEN_UMB"),
    "RVP": (150104, "MDC_PRESS_BLD_VENT_RIGHT"),
}
_PHASES = {"SYS": 1, "DIA": 2, "MEAN": 3}
for _label, (_base, _ref) in _INVASIVE_SITES.items():
    for _phase, _offset in _PHASES.items():
        _VITALS[f"{_label}_{_phase}"] = (_mdc(_base + _offset, f"{_ref}_{_phase}"), MMHG)


def vital_codes(name: str) -> tuple[Coded, Coded]:
    """OBX-3 and OBX-6 for a monitor.params parameter; KeyError for a name the parameter table does not know."""
    if name in _VITALS:
        return _VITALS[name]
    p = PARAMS[name]  # KeyError names an unknown parameter
    unit = UNITS_BY_DISPLAY.get(p.unit, Coded(p.unit, p.unit, UCUM))
    return Coded(name, p.label, LOCAL), unit


def score_code(key: str) -> Coded:
    """OBX-3 for a nurse's score: a scale key (clinical/scales.py) or "dissociation" (the quick severity)."""
    scale = SCALES.get(key)
    if scale is not None and scale.loinc is not None:
        return Coded(scale.loinc, scale.loinc_display, LOINC)
    if scale is not None:
        return Coded(scale.key, scale.name, LOCAL)  # no LOINC in clinical.md
    if key == "dissociation":
        return Coded("dissociation", "Dissociation severity", LOCAL)
    raise KeyError(f"unknown score {key!r}; known: {', '.join([*SCALES, 'dissociation'])}")


def side_effect(key: str) -> SideEffect:
    """The side effect a key names: its stored value ("nausea") or its enum name ("NAUSEA"); KeyError otherwise."""
    for effect in SideEffect:
        if key in (effect.value, effect.name, effect.name.lower()):
            return effect
    raise KeyError(f"unknown side effect {key!r}")


def side_effect_code(key: str) -> Coded:
    effect = side_effect(key)
    return Coded(f"side_effect_{effect.name.lower()}", f"Side effect: {effect.value}", LOCAL)
