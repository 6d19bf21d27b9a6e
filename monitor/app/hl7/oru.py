"""The ORU^R01 (HL7 v2.6, IHE PCD-01 layout) that carries one chair's observations to the EHR.

    MSH  who sends (application ^ desk), to whom, when, the control id, v2.6, the IHE PCD-01 profile (MSH-21)
    PID  the session's patient: MRN (PID-3), name (PID-5), date of birth (PID-7), sex (PID-8); identity left empty
         when the session is not assigned and the clinic sends by location (`--hl7-unassigned send`)
    PV1  outpatient (PV1-2 "O"); the chair as the location (PV1-3: desk ^ ^ chair ^ facility), as bedside monitors do
    OBR  "monitoring of patient" (SNOMED CT 182777000, as in IHE PCD-01's examples); OBR-3 names the session;
         OBR-7/8 the span of the observations
    OBX  one per observation: OBX-3 the code (mdc.py), OBX-5 the value, OBX-6 the unit, OBX-11 the status,
         OBX-14 when it was observed; an NTE after it carries a nurse's note

The text is built here and then parsed and validated by hl7apy against the v2.6 message structure (strict): a
message that does not validate is never returned. Values are checked before: a number that is not finite, outside
its parameter's physical range, or a score outside its scale is refused (ValueError naming the field), never sent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.exceptions import HL7apyException
from hl7apy.parser import parse_message

from monitor.app.hl7.ack import APPLICATION, DELIMITERS, VERSION, escape, hl7_timestamp
from monitor.app.hl7.mdc import Coded, score_code, side_effect, side_effect_code, vital_codes
from monitor.clinical.scales import SCALES, DissociationLevel, Severity
from monitor.params import value_problem

# MSH-21: the IHE PCD-01 message profile (IHE PCD Technical Framework; as device vendors' PCD-01 messages send it).
PCD_01_PROFILE = "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"
# OBR-4: what the observations are about, SNOMED CT "monitoring of patient" (IHE PCD-01 examples).
MONITORING = "182777000^monitoring of patient^SCT"
MAX_CONTROL_ID = 20  # MSH-10: many engines cap it at 20 characters


class ObsKind(StrEnum):
    VITAL = "vital"  # a monitor value at the clinic's interval (the latest valid value of a parameter)
    NIBP = "nibp"  # one non-invasive blood pressure reading (systolic, diastolic, mean: one Obs each)
    SCORE = "score"  # a nurse's score: pain, RASS, MOAA/S (scale key) or the dissociation severity
    SIDE_EFFECT = "side_effect"  # a side effect the nurse recorded (code: the effect, value: its severity)


class ResultStatus(StrEnum):
    """OBX-11 (HL7 table 0085) as this program uses it."""

    PRELIMINARY = "R"  # a device value, not verified by a person (as IHE PCD-01 monitors send theirs)
    FINAL = "F"  # a nurse's entry
    CORRECTED = "C"  # a nurse's entry amended after it was sent: same OBX identity, new value
    DELETED = "D"  # a nurse's entry struck after it was sent


@dataclass(frozen=True)
class Hl7Patient:
    mrn: str
    name: str  # as registered ("Given Family" or "Family, Given")
    dob: str  # ISO date, YYYY-MM-DD
    sex: str = ""  # HL7 table 0001: F, M, O, U, A, N; "" when not known


@dataclass(frozen=True)
class Obs:
    kind: ObsKind
    code: str  # a monitor.params name (VITAL, NIBP), a scale key or "dissociation" (SCORE), a side effect
    value: float | str
    t: float  # when observed (Unix s)
    unit: str = ""  # informative only: the unit sent (OBX-6) is always the parameter's own (mdc.py)
    entry_id: int | None = None  # the nurse's entry (SCORE, SIDE_EFFECT): its OBX identity across corrections
    status: ResultStatus | None = None  # None: R for device values, F for entries
    note: str = ""  # a nurse's note, sent as an NTE after the OBX


def build_oru(
    *,
    control_id: str,
    sent_at: float,
    sending_facility: str,
    desk: str,
    chair: str,
    session_id: int,
    patient: Hl7Patient | None,
    obs: Sequence[Obs],
    processing_id: str = "P",
) -> str:
    """The ORU^R01 as ER7 text (segments joined by "\\r"), validated against v2.6; ValueError naming what is wrong.

    processing_id (MSH-11): "P" production; `hl7 send-test` sends "T" (training/test) so an engine can tell it apart.
    """
    if processing_id not in ("P", "T", "D"):
        raise ValueError(f"MSH-11: processing id {processing_id!r} is not P, T or D")
    if not control_id or len(control_id) > MAX_CONTROL_ID:
        raise ValueError(f"MSH-10: control id must be 1 to {MAX_CONTROL_ID} characters, got {control_id!r}")
    if not obs:
        raise ValueError("OBX: a result message needs at least one observation")
    if not chair.strip():
        raise ValueError("PV1-3: the chair (location) is empty")
    for t in (sent_at, *(o.t for o in obs)):
        _check_time(t)
    rows = [_obx(n, o) for n, o in enumerate(obs, start=1)]
    segments = [
        _msh(control_id, sent_at, sending_facility, desk, processing_id),
        _pid(patient),
        f"PV1||O|{_e(desk)}^^{_e(chair)}^{_e(sending_facility)}",
        _obr(session_id, desk, obs),
        *(segment for row in rows for segment in row),
    ]
    message = "\r".join(segments)
    validate(message, location_only=patient is None)
    return message


def validate(message: str, *, location_only: bool = False) -> None:
    """Parse `message` with hl7apy and validate it against its HL7 structure (strict); ValueError if invalid.

    location_only: the PID of a session sent by location has its identity (PID-3, PID-5) left empty, as IHE PCD-01
    devices send an unidentified patient; v2.6 requires both, so they alone are validated as if filled.
    """
    checked = message
    if location_only:
        checked = "\r".join("PID|||-^^^^U||-" if s.startswith("PID|") else s for s in message.split("\r"))
    try:
        parsed = parse_message(checked, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        parsed.validate()
    except HL7apyException as exc:
        raise ValueError(f"not a valid HL7 v2 message: {exc}") from exc


# -- segments ---------------------------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return escape(str(text))


def _msh(control_id: str, sent_at: float, facility: str, desk: str, processing_id: str) -> str:
    fields = ["MSH", DELIMITERS, f"{APPLICATION}^{_e(desk)}^L", _e(facility), "", "", hl7_timestamp(sent_at), ""]
    fields += ["ORU^R01^ORU_R01", _e(control_id), processing_id, VERSION, "", ""]
    fields += ["AL", "NE", "", "UNICODE UTF-8", "", "", PCD_01_PROFILE]  # MSH-15/16: accept ACK always, no app ACK
    return "|".join(fields)


def _pid(patient: Hl7Patient | None) -> str:
    if patient is None:
        return "PID|||"  # bound by location (PV1-3) only; nothing pretends to be an identity
    if not patient.mrn.strip():
        raise ValueError("PID-3: the patient's MRN is empty")
    family, given = _split_name(patient.name)
    try:
        dob = date.fromisoformat(patient.dob).strftime("%Y%m%d") if patient.dob else ""
    except ValueError:
        raise ValueError(f"PID-7: date of birth {patient.dob!r} is not an ISO date (YYYY-MM-DD)") from None
    if patient.sex not in ("", "F", "M", "O", "U", "A", "N"):
        raise ValueError(f"PID-8: sex {patient.sex!r} is not in HL7 table 0001 (F, M, O, U, A, N)")
    return f"PID|||{_e(patient.mrn)}^^^^MR||{_e(family)}^{_e(given)}^^^^^L||{dob}|{patient.sex}"


def _split_name(name: str) -> tuple[str, str]:
    """(family, given) from "Family, Given" or "Given Family"; one word is the family name."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("PID-5: the patient's name is empty")
    if "," in name:
        family, _, given = name.partition(",")
        return family.strip(), given.strip()
    given, _, family = name.rpartition(" ")
    return family, given


def _obr(session_id: int, desk: str, obs: Sequence[Obs]) -> str:
    first, last = min(o.t for o in obs), max(o.t for o in obs)
    filler = f"{_e(desk)}-S{session_id}^{APPLICATION}"
    return f"OBR|1||{filler}|{MONITORING}|||{hl7_timestamp(first)}|{hl7_timestamp(last)}"


def _obx(n: int, o: Obs) -> list[str]:
    value_type, code, value, unit = _coded_value(o)
    status = o.status or (ResultStatus.PRELIMINARY if o.kind in (ObsKind.VITAL, ObsKind.NIBP) else ResultStatus.FINAL)
    if status is ResultStatus.DELETED:
        value = ""  # a struck entry: its value is withdrawn, not repeated
    sub_id = f"E{o.entry_id}" if o.entry_id is not None else str(n)
    cwe = "^".join(_e(c) for c in code.components())
    units = "^".join(_e(c) for c in unit.components()) if unit else ""
    obx = f"OBX|{n}|{value_type}|{cwe}|{sub_id}|{value}|{units}|||||{status.value}|||{hl7_timestamp(o.t)}"
    return [obx, f"NTE|1||{_e(o.note)}"] if o.note.strip() else [obx]


def _coded_value(o: Obs) -> tuple[str, Coded, str, Coded | None]:
    """(OBX-2, OBX-3, OBX-5, OBX-6) for one observation; ValueError when its value cannot be sent."""
    if o.kind in (ObsKind.VITAL, ObsKind.NIBP):
        try:
            code, unit = vital_codes(o.code)
        except KeyError:
            raise ValueError(f"OBX-3: unknown parameter {o.code!r}") from None
        if isinstance(o.value, bool) or not isinstance(o.value, int | float):
            raise ValueError(f"OBX-5: {o.code} value {o.value!r} is not a number")
        problem = value_problem(o.code, float(o.value))
        if problem is not None:
            raise ValueError(f"OBX-5: {problem}; an invalid value is never sent as a number")
        return "NM", code, _number(float(o.value)), unit
    if o.kind is ObsKind.SCORE:
        if o.code == "dissociation":
            return "ST", score_code(o.code), _choice(DissociationLevel, o.value, "dissociation severity"), None
        scale = SCALES.get(o.code)
        if scale is None:
            raise ValueError(f"OBX-3: unknown score {o.code!r}")
        if isinstance(o.value, bool) or not isinstance(o.value, int | float) or o.value != int(o.value):
            raise ValueError(f"OBX-5: {scale.name} score {o.value!r} is not a whole number")
        if not scale.low <= int(o.value) <= scale.high:
            raise ValueError(f"OBX-5: {scale.name} score {o.value!r} is outside {scale.low}..{scale.high}")
        return "NM", score_code(o.code), str(int(o.value)), None
    if o.kind is ObsKind.SIDE_EFFECT:
        try:
            side_effect(o.code)
        except KeyError:
            raise ValueError(f"OBX-3: unknown side effect {o.code!r}") from None
        return "ST", side_effect_code(o.code), _choice(Severity, o.value, "side-effect severity"), None
    raise ValueError(f"OBX: unknown observation kind {o.kind!r}")


def _choice(kind: type[StrEnum], value: object, what: str) -> str:
    if value not in {m.value for m in kind}:
        raise ValueError(f"OBX-5: {what} {value!r} is not one of {', '.join(m.value for m in kind)}")
    return str(value)


def _number(value: float) -> str:
    """An NM: plain decimal, no exponent, no trailing zeros ("97", "36.6")."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _check_time(t: float) -> None:
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t <= 0:
        raise ValueError(f"a time stamp must be a positive finite Unix time, got {t!r}")
