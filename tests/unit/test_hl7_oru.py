"""The ORU^R01: valid HL7 v2.6 (hl7apy, strict), the IHE PCD-01 fields where an EHR looks for them, bad values
refused."""

from __future__ import annotations

import math

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from monitor.app.hl7.oru import Hl7Patient, Obs, ObsKind, ResultStatus, build_oru, validate

T = 1_796_000_000.0  # 2026-11-30 00:53:20 UTC
ANN = Hl7Patient("MRN-0042", "Ann Smith", "1980-02-03", "F")


def oru(obs, patient=ANN, **kw):
    args = {
        "control_id": "CTRL-1",
        "sent_at": T + 60,
        "sending_facility": "Riverside Clinic",
        "desk": "Desk 1",
        "chair": "Chair 3",
        "session_id": 17,
        "patient": patient,
        "obs": obs,
    }
    return build_oru(**(args | kw))


def parsed(message):
    msg = parse_message(message, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    assert msg.validate()
    return msg


def segments(message, name):
    return [s.split("|") for s in message.split("\r") if s.startswith(name + "|")]


SESSION = [
    Obs(ObsKind.VITAL, "HR", 72, T),
    Obs(ObsKind.VITAL, "SPO2", 97.0, T),
    Obs(ObsKind.VITAL, "RR", 14, T),
    Obs(ObsKind.VITAL, "ETCO2", 38, T),
    Obs(ObsKind.VITAL, "TEMP1", 36.6, T),
    Obs(ObsKind.NIBP, "NIBP_SYS", 128, T + 5),
    Obs(ObsKind.NIBP, "NIBP_DIA", 81, T + 5),
    Obs(ObsKind.NIBP, "NIBP_MEAN", 97, T + 5),
    Obs(ObsKind.SCORE, "pain", 3, T + 10, entry_id=5),
    Obs(ObsKind.SCORE, "rass", -1, T + 10, entry_id=6),
    Obs(ObsKind.SCORE, "moaas", 4, T + 10, entry_id=7),
    Obs(ObsKind.SCORE, "dissociation", "mild", T + 10, entry_id=8),
    Obs(ObsKind.SIDE_EFFECT, "nausea", "moderate", T + 20, entry_id=9, note="after 20 min | settled"),
]


def test_a_whole_session_is_a_valid_v26_oru_r01():
    message = oru(SESSION)
    msg = parsed(message)
    assert msg.msh.msh_9.to_er7() == "ORU^R01^ORU_R01"
    assert msg.msh.msh_12.to_er7() == "2.6"
    assert msg.msh.msh_10.to_er7() == "CTRL-1"
    assert msg.msh.msh_21.to_er7().startswith("IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1")
    assert len(segments(message, "OBX")) == len(SESSION)


def test_patient_and_chair_are_where_the_ehr_looks():
    message = oru(SESSION[:1])
    (pid,) = segments(message, "PID")
    assert pid[3] == "MRN-0042^^^^MR"
    assert pid[5] == "Smith^Ann^^^^^L"
    assert (pid[7], pid[8]) == ("19800203", "F")
    (pv1,) = segments(message, "PV1")
    assert pv1[3] == "Desk 1^^Chair 3^Riverside Clinic"  # PV1-3: point of care ^ room ^ bed (the chair) ^ facility


def test_obx_carries_mdc_codes_units_and_status():
    obx = {row[3].split("^")[1]: row for row in segments(oru(SESSION), "OBX")}
    spo2 = obx["MDC_PULS_OXIM_SAT_O2"]
    assert spo2[2:7] == ["NM", "150456^MDC_PULS_OXIM_SAT_O2^MDC", "2", "97", "262688^MDC_DIM_PERCENT^MDC^%^%^UCUM"]
    assert spo2[11] == "R"  # a device value: not verified by a person
    assert spo2[14] == "20261130005320+0000"
    assert obx["MDC_PRESS_BLD_NONINV_SYS"][3].startswith("150021^")
    assert obx["MDC_PRESS_BLD_NONINV_DIA"][3].startswith("150022^")
    assert obx["MDC_PRESS_BLD_NONINV_MEAN"][6] == "266016^MDC_DIM_MMHG^MDC^mm[Hg]^mm[Hg]^UCUM"
    assert obx["MDC_ECG_HEART_RATE"][3] == "147842^MDC_ECG_HEART_RATE^MDC"
    assert obx["MDC_CONC_AWAY_CO2_ET"][3] == "151708^MDC_CONC_AWAY_CO2_ET^MDC"
    assert obx["MDC_RESP_RATE"][6] == "264928^MDC_DIM_RESP_PER_MIN^MDC^/min^/min^UCUM"
    assert obx["MDC_TEMP"][3:7] == ["150344^MDC_TEMP^MDC", "5", "36.6", "268192^MDC_DIM_DEGC^MDC^Cel^Cel^UCUM"]
    pain = obx["Pain severity 0-10"]
    assert (pain[3], pain[4], pain[5], pain[11]) == ("72514-3^Pain severity 0-10^LN", "E5", "3", "F")
    assert obx["RASS"][3:6] == ["rass^RASS^99IMON", "E6", "-1"]
    nausea = obx["Side effect: nausea"]
    assert (nausea[2], nausea[5]) == ("ST", "moderate")


@pytest.mark.parametrize(
    ("param", "code"),
    [
        ("ART_SYS", "150033^MDC_PRESS_BLD_ART_SYS^MDC"),
        ("ABP_MEAN", "150039^MDC_PRESS_BLD_ART_ABP_MEAN^MDC"),
        ("CVP_MEAN", "150087^MDC_PRESS_BLD_VEN_CENT_MEAN^MDC"),
        ("PA_DIA", "150046^MDC_PRESS_BLD_ART_PULM_DIA^MDC"),
        ("PI", "150448^MDC_PULS_OXIM_PERF_REL^MDC"),
        ("FICO2", "151716^MDC_CONC_AWAY_CO2_INSP^MDC"),
        ("P1_SYS", "P1_SYS^P1 systolic^99IMON"),  # a channel without a site: local, said so
        ("PVI", "PVI^Pleth variability index^99IMON"),
    ],
)
def test_other_parameters_are_coded_as_checked(param, code):
    (row,) = segments(oru([Obs(ObsKind.VITAL, param, 12, T)]), "OBX")
    assert row[3] == code


def test_a_note_follows_its_obx_escaped():
    lines = oru(SESSION).split("\r")
    i = next(n for n, s in enumerate(lines) if "side_effect_nausea" in s)
    assert lines[i + 1] == "NTE|1||after 20 min \\F\\ settled"


def test_corrections_keep_the_obx_identity_and_say_so():
    rows = segments(
        oru(
            [
                Obs(ObsKind.SCORE, "pain", 5, T, entry_id=5, status=ResultStatus.CORRECTED),
                Obs(ObsKind.SCORE, "rass", -1, T, entry_id=6, status=ResultStatus.DELETED),
            ]
        ),
        "OBX",
    )
    got = [(r[3].split("^")[0], r[4], r[5], r[11]) for r in rows]
    assert got == [("72514-3", "E5", "5", "C"), ("rass", "E6", "", "D")]


def test_unassigned_session_goes_by_location_only():
    message = oru(SESSION[:2], patient=None)
    (pid,) = segments(message, "PID")
    assert pid[1:] == ["", "", ""]  # no identity, nothing invented
    assert segments(message, "PV1")[0][3] == "Desk 1^^Chair 3^Riverside Clinic"


def test_delimiters_in_names_are_escaped_and_still_valid():
    message = oru(SESSION[:1], patient=Hl7Patient("A|1", "O'Brien^Jr, Mary & Co", "1970-01-01"), desk="Desk~2")
    parsed(message)
    assert segments(message, "PID")[0][3] == "A\\F\\1^^^^MR"
    assert segments(message, "PID")[0][5] == "O'Brien\\S\\Jr^Mary \\T\\ Co^^^^^L"


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (Obs(ObsKind.VITAL, "SPO2", math.nan, T), "OBX-5: SPO2: not a finite number"),
        (Obs(ObsKind.VITAL, "HR", math.inf, T), "OBX-5: HR: not a finite number"),
        (Obs(ObsKind.VITAL, "SPO2", 101, T), "OBX-5: SPO2: above the physical range"),
        (Obs(ObsKind.NIBP, "NIBP_SYS", -5, T), "OBX-5: NIBP_SYS: below the physical range"),
        (Obs(ObsKind.VITAL, "HR", "72", T), "OBX-5: HR value '72' is not a number"),
        (Obs(ObsKind.VITAL, "HR", True, T), "is not a number"),
        (Obs(ObsKind.VITAL, "XYZ", 1, T), "OBX-3: unknown parameter 'XYZ'"),
        (Obs(ObsKind.SCORE, "pain", 11, T, entry_id=1), "OBX-5: Pain NRS score 11 is outside 0..10"),
        (Obs(ObsKind.SCORE, "rass", 1.5, T, entry_id=1), "not a whole number"),
        (Obs(ObsKind.SCORE, "dissociation", "lots", T, entry_id=1), "OBX-5: dissociation severity 'lots'"),
        (Obs(ObsKind.SIDE_EFFECT, "itching", "mild", T, entry_id=1), "OBX-3: unknown side effect"),
        (Obs(ObsKind.SIDE_EFFECT, "nausea", "awful", T, entry_id=1), "side-effect severity 'awful'"),
        (Obs(ObsKind.VITAL, "HR", 72, math.nan), "time stamp"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(bad, field):
    with pytest.raises(ValueError, match=field.replace("(", r"\(")):
        oru([SESSION[0], bad])


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"control_id": "X" * 21}, "MSH-10"),
        ({"control_id": ""}, "MSH-10"),
        ({"obs": []}, "OBX"),
        ({"chair": " "}, "PV1-3"),
        ({"patient": Hl7Patient("", "Ann Smith", "1980-02-03")}, "PID-3"),
        ({"patient": Hl7Patient("M1", " ", "1980-02-03")}, "PID-5"),
        ({"patient": Hl7Patient("M1", "Ann Smith", "03/02/1980")}, "PID-7"),
        ({"patient": Hl7Patient("M1", "Ann Smith", "1980-02-03", "female")}, "PID-8"),
    ],
)
def test_invalid_message_fields_are_refused(kw, field):
    with pytest.raises(ValueError, match=field):
        oru(kw.pop("obs", SESSION[:1]), **kw)


@pytest.mark.parametrize(
    "broken",
    [
        lambda m: m.replace("\rPV1|", "\rXYZ|"),  # an unknown segment
        lambda m: "\r".join(s for s in m.split("\r") if not s.startswith("OBR|")),  # OBX without its OBR
        lambda m: m.replace("|2.6|", "|2.6|||AL|NE|||||||||||||||||||||||||||||||||||", 1),  # too many MSH fields
    ],
)
def test_validation_rejects_structures_v26_does_not_allow(broken):
    message = oru(SESSION[:2])
    validate(message)
    with pytest.raises(ValueError, match="not a valid HL7 v2 message"):
        validate(broken(message))


def test_the_readme_example_is_what_the_builder_makes():
    from datetime import UTC, datetime
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The message, field by field", 1)[1]
    example = section.split("```\n", 2)[1].rstrip("\n").replace("\n", "\r")
    t = datetime(2026, 11, 29, 10, 40, tzinfo=UTC).timestamp()
    built = build_oru(
        control_id="19AC3F2E8B1C4D2E9F0",
        sent_at=t + 2,
        sending_facility="Riverside Clinic",
        desk="Desk 1",
        chair="Chair 3",
        session_id=118,
        patient=Hl7Patient("RC-004217", "Ann Smith", "1984-03-09", "F"),
        obs=[
            Obs(ObsKind.VITAL, "HR", 74, t),
            Obs(ObsKind.VITAL, "SPO2", 97, t),
            Obs(ObsKind.VITAL, "RR", 14, t),
            Obs(ObsKind.VITAL, "ETCO2", 38, t),
            Obs(ObsKind.VITAL, "TEMP1", 36.4, t),
        ],
    )
    assert example == built
    parsed(example)
