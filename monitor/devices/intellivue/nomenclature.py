"""IntelliVue nomenclature: physio ids (SCADA partition) of the numerics, their canonical parameters, unit codes.

Codes restated from shared/protocols/README.md §3.4 and the ISO/IEEE 11073-10101 nomenclature the Data Export
interface uses (a pressure's numerics are its base code + 1 systolic, + 2 diastolic, + 3 mean; ST of a lead is
0x0300 + the lead code). Ids not in PARAM_OF are kept as "other values" (monitor.devices.events.OtherValue) under
label_of(); nothing the monitor sends is dropped for want of a mapping.
"""

from __future__ import annotations

NOM_ECG_CARD_BEAT_RATE = 0x4182
NOM_ECG_V_P_C_CNT = 0x4261
NOM_PLETH_PULS_RATE = 0x4822
NOM_PULS_OXIM_PERF_REL = 0x4BB0
NOM_PULS_OXIM_SAT_O2 = 0x4BB8
NOM_PRESS_BLD_NONINV = 0x4A04
NOM_PRESS_BLD_ART = 0x4A10
NOM_PRESS_BLD_ART_ABP = 0x4A14
NOM_PRESS_BLD_ART_PULM = 0x4A1C
NOM_PRESS_BLD_VEN_CENT = 0x4A44
NOM_RESP_RATE = 0x500A
NOM_AWAY_RESP_RATE = 0x5012
NOM_AWAY_CO2_ET = 0x50B0
AWAY_CO2_ET_ALT = 0x509C  # also end-tidal CO2 (shared/protocols/README.md §3.4)
NOM_AWAY_CO2_INSP_MIN = 0x50BA
NOM_TEMP = 0x4B48

_PRESSURES = {
    NOM_PRESS_BLD_NONINV: ("NIBP", "NOM_PRESS_BLD_NONINV"),
    NOM_PRESS_BLD_ART: ("ART", "NOM_PRESS_BLD_ART"),
    NOM_PRESS_BLD_ART_ABP: ("ABP", "NOM_PRESS_BLD_ART_ABP"),
    NOM_PRESS_BLD_ART_PULM: ("PA", "NOM_PRESS_BLD_ART_PULM"),
    NOM_PRESS_BLD_VEN_CENT: ("CVP", "NOM_PRESS_BLD_VEN_CENT"),
}
_PARTS = ((1, "SYS"), (2, "DIA"), (3, "MEAN"))

PARAM_OF: dict[int, str] = {
    NOM_ECG_CARD_BEAT_RATE: "HR",
    NOM_PLETH_PULS_RATE: "PR",
    NOM_PULS_OXIM_SAT_O2: "SPO2",
    NOM_RESP_RATE: "RR",  # thoracic impedance; the airway rate wins when both come (decoder)
    NOM_AWAY_RESP_RATE: "RR",
    NOM_AWAY_CO2_ET: "ETCO2",
    AWAY_CO2_ET_ALT: "ETCO2",
    NOM_AWAY_CO2_INSP_MIN: "FICO2",
    NOM_TEMP: "TEMP1",
    **{base + offset: f"{label}_{part}" for base, (label, _) in _PRESSURES.items() for offset, part in _PARTS},
}

# Respiration-rate sources, best first: a capnograph's breath count over the impedance estimate.
RR_PREFERENCE = (NOM_AWAY_RESP_RATE, NOM_RESP_RATE)

_NAMES: dict[int, str] = {
    NOM_ECG_CARD_BEAT_RATE: "NOM_ECG_CARD_BEAT_RATE",
    NOM_ECG_V_P_C_CNT: "NOM_ECG_V_P_C_CNT",
    NOM_PLETH_PULS_RATE: "NOM_PLETH_PULS_RATE",
    NOM_PULS_OXIM_PERF_REL: "NOM_PULS_OXIM_PERF_REL",
    NOM_PULS_OXIM_SAT_O2: "NOM_PULS_OXIM_SAT_O2",
    NOM_RESP_RATE: "NOM_RESP_RATE",
    NOM_AWAY_RESP_RATE: "NOM_AWAY_RESP_RATE",
    NOM_AWAY_CO2_ET: "NOM_AWAY_CO2_ET",
    NOM_AWAY_CO2_INSP_MIN: "NOM_AWAY_CO2_INSP_MIN",
    NOM_TEMP: "NOM_TEMP",
    **{base + offset: f"{name}_{part}" for base, (_, name) in _PRESSURES.items() for offset, part in _PARTS},
}
# ST deviation per ECG lead: 0x0300 + lead code (11073-10101 lead codes).
_LEADS = {
    1: "I",
    2: "II",
    3: "V1",
    4: "V2",
    5: "V3",
    6: "V4",
    7: "V5",
    8: "V6",
    61: "III",
    62: "AVR",
    63: "AVL",
    64: "AVF",
}
_NAMES.update({0x0300 + code: f"NOM_ECG_AMPL_ST_{lead}" for code, lead in _LEADS.items()})

# Unit codes (11073-10101 dimensions).
UNIT_TEXT: dict[int, str] = {
    0x0000: "",  # NOM_DIM_NOS: no unit given
    0x0200: "",  # NOM_DIM_DIMLESS
    0x0220: "%",
    0x0512: "mm",  # ST deviation
    0x0AA0: "/min",  # beats
    0x0AE0: "/min",  # breaths
    0x0F03: "kPa",
    0x0F20: "mmHg",
    0x10B2: "mV",
    0x17A0: "°C",
}
MMHG = 0x0F20
KPA = 0x0F03
MMHG_PER_KPA = 7.50062  # 1 kPa = 7.50062 mmHg (definition of the mmHg: 133.322 Pa)

# The unit each canonical parameter needs (monitor.params); a value in another unit is kept as an other value.
PARAM_UNITS: dict[str, frozenset[int]] = {
    "HR": frozenset({0x0AA0}),
    "PR": frozenset({0x0AA0}),
    "SPO2": frozenset({0x0220}),
    "RR": frozenset({0x0AE0}),
    "TEMP1": frozenset({0x17A0}),
}
_PRESSURE_UNITS = frozenset({MMHG, KPA})  # kPa converted to mmHg by the decoder


def expected_units(param: str) -> frozenset[int]:
    return PARAM_UNITS.get(param, _PRESSURE_UNITS)


def unit_of(code: int) -> str:
    return UNIT_TEXT.get(code, f"unit 0x{code:04X}")


def label_of(physio_id: int) -> str:
    """The id's nomenclature name and code, e.g. "NOM_PULS_OXIM_PERF_REL (0x4BB0)"; the code alone when unnamed."""
    name = _NAMES.get(physio_id)
    return f"{name} (0x{physio_id:04X})" if name else f"physio id 0x{physio_id:04X}"
