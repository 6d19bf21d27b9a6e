"""The DRI decoder and encoder against the specification's byte layout, not against each other.

Frames are built here by hand from shared/protocols/README.md §2 (GE M1017617 / 8005313): header §2.4, subrecord
§2.6, basic class §2.8, framing §2.3. The offsets are written out as numbers on purpose: a swapped field (NIBP
systolic/diastolic, say) in both the project's encoder and decoder still round-trips, but not through this file.
"""

from __future__ import annotations

import struct

from monitor.devices import datex_s5 as dri
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, SampleFlag, ValueState

# §2.4 / §2.6: the first subrecord's physdata starts at byte 40 (data area) + 4 (subrecord time).
PHYSDATA = 44
# §2.8, offsets within physdata.
ECG_STATUS, ECG_HR, ECG_IMP_RR = 0, 6, 14
NIBP_STATUS, NIBP_LABEL, NIBP_SYS, NIBP_DIA, NIBP_MEAN = 72, 76, 78, 80, 82
SPO2_STATUS, SPO2_SPO2, SPO2_PR = 118, 124, 126
CO2_STATUS, CO2_ET, CO2_RR, CO2_AMB = 132, 138, 142, 144
EXISTS_ACTIVE = 0b11  # §2.7 status bits 0 and 1
T = 1_700_000_000


def _spec_record(fields: dict[int, tuple[str, int]]) -> bytes:
    """A de-framed PHDB record with one displayed-values basic subrecord; `fields`: physdata offset ->
    (struct format, value). Everything else zero: groups absent (status 0)."""
    record = bytearray(40 + 278)
    struct.pack_into("<h", record, 0, len(record))  # r_len
    struct.pack_into("<I", record, 6, T)  # r_time
    struct.pack_into("<h", record, 14, 0)  # r_maintype: PHDB
    struct.pack_into("<hB", record, 16, 0, 1)  # sr_desc[0]: offset 0, type 1 (displayed values)
    struct.pack_into("<hB", record, 19, 0, 0xFF)  # end of the subrecord list
    struct.pack_into("<I", record, 40, T)  # subrecord time
    for offset, (fmt, value) in fields.items():
        struct.pack_into("<" + fmt, record, PHYSDATA + offset, value)
    struct.pack_into("<H", record, 40 + 276, (0 << 8) | 0x81)  # cl_drilvl_subt: class 0 (basic) in bits 8-11
    return bytes(record)


def _spec_frame(record: bytes) -> bytes:
    """§2.3: flag, record + 8-bit sum, 7E -> 7D 5E and 7D -> 7D 5D, flag."""
    body = record + bytes([sum(record) & 0xFF])
    out = bytearray([0x7E])
    for b in body:
        out += bytes([0x7D, b ^ 0x20]) if b in (0x7D, 0x7E) else bytes([b])
    return bytes(out + b"\x7e")


def _decoded(record: bytes) -> dict[str, Sample]:
    events = dri.DatexS5Decoder().feed(_spec_frame(record), 0.0)
    return {e.param: e for e in events if isinstance(e, Sample)}


VITALS = {
    ECG_STATUS: ("I", EXISTS_ACTIVE),
    ECG_HR: ("h", 72),
    ECG_IMP_RR: ("h", 22),
    NIBP_STATUS: ("I", EXISTS_ACTIVE),
    NIBP_SYS: ("h", 12_400),  # 1/100 mmHg
    NIBP_DIA: ("h", 7_900),
    NIBP_MEAN: ("h", 9_400),
    SPO2_STATUS: ("I", EXISTS_ACTIVE),
    SPO2_SPO2: ("h", 9_750),  # 1/100 %
    SPO2_PR: ("h", 71),
    CO2_STATUS: ("I", EXISTS_ACTIVE),
    CO2_ET: ("h", 500),  # 5.00 % of ambient
    CO2_RR: ("h", 14),
    CO2_AMB: ("h", 7_600),  # 760.0 mmHg
}


def test_decoder_reads_hr_spo2_nibp_and_rr_at_the_specified_offsets() -> None:
    got = _decoded(_spec_record(VITALS))
    assert {p: got[p].value for p in ("HR", "SPO2", "PR", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN", "RR", "ETCO2")} == {
        "HR": 72.0,
        "SPO2": 97.5,
        "PR": 71.0,
        "NIBP_SYS": 124.0,
        "NIBP_DIA": 79.0,
        "NIBP_MEAN": 94.0,
        "RR": 14.0,  # the capnograph's rate, not the impedance one
        "ETCO2": 38.0,  # 5 % of 760 mmHg
    }
    assert all(s.time == T for s in got.values())


def test_decoder_takes_rr_from_ecg_impedance_without_a_capnograph() -> None:
    no_co2 = {k: v for k, v in VITALS.items() if k not in (CO2_STATUS, CO2_ET, CO2_RR, CO2_AMB)}
    got = _decoded(_spec_record(no_co2))
    assert got["RR"].value == 22.0 and "ETCO2" not in got


def test_decoder_reads_the_nibp_label_bits() -> None:
    record = _spec_record(VITALS | {NIBP_LABEL: ("H", (1 << 5) | (1 << 8))})  # measuring, data older than 60 s
    assert _decoded(record)["NIBP_SYS"].flags == SampleFlag.NIBP_MEASURING | SampleFlag.STALE


def test_a_group_not_active_is_not_read() -> None:
    record = _spec_record(VITALS | {NIBP_STATUS: ("I", 0b01)})  # exists, not active
    assert "NIBP_SYS" not in _decoded(record)


def test_encoder_writes_hr_spo2_nibp_and_rr_at_the_specified_offsets() -> None:
    values = {"HR": 72.0, "SPO2": 97.5, "PR": 71.0, "NIBP_SYS": 124.0, "NIBP_DIA": 79.0, "NIBP_MEAN": 94.0}
    record = dri.encode_displayed_record(values | {"RR": 14.0, "ETCO2": 38.0}, time=T)

    def at(offset: int, fmt: str = "h") -> int:
        return struct.unpack_from("<" + fmt, record, PHYSDATA + offset)[0]

    assert struct.unpack_from("<h", record, 0)[0] == len(record) and struct.unpack_from("<hB", record, 16) == (0, 1)
    assert (struct.unpack_from("<H", record, 40 + 276)[0] >> 8) & 0x0F == 0, "class basic in bits 8-11"
    for status in (ECG_STATUS, NIBP_STATUS, SPO2_STATUS, CO2_STATUS):
        assert at(status, "I") & EXISTS_ACTIVE == EXISTS_ACTIVE
    assert at(ECG_HR) == 72
    assert (at(NIBP_SYS), at(NIBP_DIA), at(NIBP_MEAN)) == (12_400, 7_900, 9_400)
    assert (at(SPO2_SPO2), at(SPO2_PR)) == (9_750, 71)
    assert at(CO2_RR) == 14 and at(CO2_ET) * at(CO2_AMB) / 100_000 == 38.0


def _status(record: bytes) -> DeviceStatus:
    (status,) = [e for e in dri.DatexS5Decoder().feed(_spec_frame(record), 0.0) if isinstance(e, DeviceStatus)]
    return status


def test_special_values_are_states_never_numbers() -> None:
    """§2.7: -32767 invalid, -32766 not updated, -32765 discontinuity, -32764 under range, -32763 over range,
    -32762 not calibrated; anything at or below -32001 is special."""
    codes = {
        -32767: ValueState.INVALID,
        -32766: ValueState.NOT_UPDATED,
        -32765: ValueState.DISCONTINUITY,
        -32764: ValueState.UNDER_RANGE,
        -32763: ValueState.OVER_RANGE,
        -32762: ValueState.NOT_CALIBRATED,
        -32001: ValueState.UNKNOWN,
    }
    for code, state in codes.items():
        record = _spec_record(VITALS | {ECG_HR: ("h", code), SPO2_SPO2: ("h", code)})
        assert "HR" not in _decoded(record) and "SPO2" not in _decoded(record), code
        unavailable = dict(_status(record).unavailable)
        assert unavailable["HR"] is state and unavailable["SPO2"] is state, code


def test_each_nibp_label_bit_alone() -> None:
    """§2.8 nibp label: bit 5 measuring, bit 8 data older than 60 s; bit 3 (AUTO) means neither."""
    for label, flags in (
        (1 << 3, SampleFlag.NONE),
        (1 << 5, SampleFlag.NIBP_MEASURING),
        (1 << 8, SampleFlag.STALE),
        ((1 << 3) | (1 << 4) | (1 << 6), SampleFlag.NONE),
    ):
        assert _decoded(_spec_record(VITALS | {NIBP_LABEL: ("H", label)}))["NIBP_SYS"].flags == flags, label


def test_apnoea_is_co2_status_bit_2_only() -> None:
    """§2.8 co2 status: bit 2 apnoea; bits 3 (calibrating) and 4 (zeroing) are not."""
    for status, apnoea in ((0b11, False), (0b111, True), (0b11011, False)):
        conditions = _status(_spec_record(VITALS | {CO2_STATUS: ("I", status)})).conditions
        assert (DeviceCondition.APNEA in conditions) is apnoea, bin(status)


def test_a_gas_value_without_ambient_pressure_is_invalid_not_zero() -> None:
    record = _spec_record(VITALS | {CO2_AMB: ("h", 0)})
    assert "ETCO2" not in _decoded(record) and _decoded(record)["RR"].value == 14.0
    assert dict(_status(record).unavailable)["ETCO2"] is ValueState.INVALID


def test_every_group_needs_both_exists_and_active() -> None:
    for status_field, param in ((ECG_STATUS, "HR"), (SPO2_STATUS, "SPO2"), (NIBP_STATUS, "NIBP_SYS")):
        for status in (0b01, 0b10):
            assert param not in _decoded(_spec_record(VITALS | {status_field: ("I", status)})), (param, status)
