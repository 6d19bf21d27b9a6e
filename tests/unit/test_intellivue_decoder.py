"""The passive IntelliVue decoder: the real capture decodes to the values its README lists (tests/vectors/README.md);
states, units, respiration sources, time mapping; chunking, noise and arbitrary bytes."""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.devices import protocols
from monitor.devices.events import DeviceStatus, MeasurementState, OtherValue, Sample, SampleFlag, ValueState
from monitor.devices.intellivue import messages as m
from monitor.devices.intellivue.decoder import INFO, IntellivueDecoder
from monitor.devices.intellivue.float_type import NAN, encode_float
from monitor.devices.intellivue.frame import FrameReader, encode_frame

RAW = "intellivue_mib_rx_excerpt_40frames.raw"
ABS = dt.datetime(2021, 4, 22, 11, 47, 26).timestamp()  # the capture's MDS create event: TIME_ABS ...
REL = 1950208  # ... and TIME_REL
POLL_TIMES = (1963008, 1971200, 1979392, 1987584, 1995776)  # rel_time of the five numeric polls with values


def decode(data: bytes, chunk: int = 0) -> tuple[list, IntellivueDecoder]:
    decoder = IntellivueDecoder()
    if not chunk:
        return decoder.feed(data, 5.0), decoder
    events = []
    for i in range(0, len(data), chunk):
        events += decoder.feed(data[i : i + chunk], 5.0)
    return events, decoder


# --- The real capture ---


def test_real_capture_decodes_to_the_values_its_readme_lists(vectors: Path) -> None:
    events, decoder = decode((vectors / RAW).read_bytes(), chunk=97)
    samples = [e for e in events if isinstance(e, Sample)]
    assert [(s.param, s.value) for s in samples] == [("HR", 60.0)] * 5
    assert [s.time for s in samples] == [ABS + (t - REL) / 8000 for t in POLL_TIMES]
    statuses = [e for e in events if isinstance(e, DeviceStatus)]
    assert len(statuses) == 1  # the same state every second: reported once
    # NIBP unavailable (NaN), SpO2 invalid (NaN), pulse invalid (NaN): no number, said so at once.
    assert dict(statuses[0].unavailable) == {
        "NIBP_SYS": ValueState.INVALID,
        "NIBP_DIA": ValueState.INVALID,
        "NIBP_MEAN": ValueState.INVALID,
        "SPO2": ValueState.INVALID,
        "PR": ValueState.INVALID,
    }
    first = [e for e in events if isinstance(e, OtherValue) and e.t == samples[0].time]
    others = {o.code: o for o in first}
    assert others[0x4261].value == 0.0 and others[0x4261].label.startswith("PVC — NOM_ECG_V_P_C_CNT")
    assert others[0x4BB0].value is None and others[0x4BB0].state == MeasurementState.INVALID
    assert others[0x4BB0].label == "Perf — NOM_PULS_OXIM_PERF_REL (0x4BB0)"
    assert [o.value for o in first if 0x0300 <= o.code < 0x0400] == [-0.9, -1.5, -0.5, 1.2, -0.1, -1.0, 0.7, 0.8]
    assert {o.unit for o in first if 0x0300 <= o.code < 0x0400} == {"mm"}
    s = decoder.stats
    assert (s.bytes_in, s.frames_ok, s.bad_frames, s.skipped_bytes, s.invalid_values) == (20107, 40, 0, 0, 0)


def test_decode_command_prints_the_capture_values(vectors: Path, capsys) -> None:
    assert main(["decode", "--protocol", "intellivue-mib", str(vectors / RAW)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    hr = [line for line in lines if line.get("param") == "HR"]
    assert len(hr) == 5 and {line["value"] for line in hr} == {60.0} and hr[0]["unit"] == "/min"
    pvc = [line for line in lines if line.get("code") == "0x4261"]
    assert len(pvc) == 5 and pvc[0]["value"] == 0.0 and pvc[0]["unit"] == "/min"
    perf = [line for line in lines if line.get("code") == "0x4BB0"]
    assert perf[0]["value"] is None and perf[0]["problem"] == "invalid"


def test_registry_row() -> None:
    assert protocols.protocol_info("intellivue-mib") is INFO
    assert INFO.line.baudrate == 115200 and INFO.line.parity == "N" and not INFO.line.rtscts
    assert isinstance(protocols.make_decoder("intellivue-mib"), IntellivueDecoder)
    assert protocols.make_driver("intellivue-mib").protocol == "intellivue-mib"


# --- Crafted polls (monitor side, built here from the §3.4 layout) ---


def nu(physio: int, value: float | None, unit: int, state: int = 0) -> bytes:
    raw = NAN if value is None else encode_float(value)
    return struct.pack(">HHHHHI", m.NOM_ATTR_NU_VAL_OBS, 10, physio, state, unit, raw)


def avas(attributes: bytes) -> int:
    n = at = 0
    while at < len(attributes):
        at += 4 + struct.unpack_from(">H", attributes, at + 2)[0]
        n += 1
    return n


def poll(
    *observations: bytes, rel_time: int = REL + 8000, invoke: int = 1, linked: tuple[int, int] | None = None
) -> bytes:
    """One extended-poll result (RORS, or a RORLS part with `linked` = (state, count)), one observation per AVA."""
    obs = b"".join(struct.pack(">HHH", 0x8000 + i, avas(o), len(o)) + o for i, o in enumerate(observations))
    info = struct.pack(">HH", 1, 6 + len(obs)) + struct.pack(">HHH", 0, len(observations), len(obs)) + obs
    reply = struct.pack(">HHI", 1, 0, rel_time) + b"\xff" * 8 + struct.pack(">HHH", 1, 6, 0) + info
    action = struct.pack(">HHHHH", 0x21, 0, 0, m.NOM_ACT_POLL_MDIB_DATA_EXT, len(reply)) + reply
    ro = struct.pack(">HHH", invoke, m.CMD_CONFIRMED_ACTION, len(action)) + action
    if linked is None:
        return struct.pack(">HHHH", 0xE100, 2, m.RO_RESULT, len(ro)) + ro
    return struct.pack(">HHHHBB", 0xE100, 2, m.RO_LINKED_RESULT, len(ro) + 2, *linked) + ro


def feed(*user_data: bytes) -> tuple[list, IntellivueDecoder]:
    decoder = IntellivueDecoder()
    events = decoder.feed(b"".join(encode_frame(u) for u in user_data), 5.0)
    return events, decoder


def samples(events: list) -> dict[str, Sample]:
    return {e.param: e for e in events if isinstance(e, Sample)}


def status(events: list) -> dict[str, ValueState]:
    return dict(next(e for e in events if isinstance(e, DeviceStatus)).unavailable)


BPM, PCT, MMHG, KPA, RPM, DEGC = 0x0AA0, 0x0220, 0x0F20, 0x0F03, 0x0AE0, 0x17A0


def test_mapped_values_become_samples_with_kpa_in_mmhg() -> None:
    events, _ = feed(poll(nu(0x4BB8, 97, PCT), nu(0x4A15, 16.0, KPA), nu(0x4B48, 36.6, DEGC), nu(0x50B0, 38, MMHG)))
    got = {p: s.value for p, s in samples(events).items()}
    assert got == {"SPO2": 97.0, "ABP_SYS": 16.0 * 7.50062, "TEMP1": 36.6, "ETCO2": 38.0}


def test_state_bits_make_a_value_unavailable_never_a_sample() -> None:
    events, _ = feed(
        poll(
            nu(0x4182, 80, BPM, MeasurementState.QUESTIONABLE),
            nu(0x4BB8, 97, PCT, MeasurementState.DEMO_DATA),
            nu(0x4822, 80, BPM, MeasurementState.TEST_DATA),
            nu(0x4A15, 120, MMHG, MeasurementState.CALIBRATION_ONGOING),
            nu(0x4B48, None, DEGC),
            nu(0x500A, 12, RPM, 0x0002),  # in alarm: still a reading
        )
    )
    assert list(samples(events)) == ["RR"]
    assert status(events) == {
        "HR": ValueState.INVALID,
        "SPO2": ValueState.INVALID,
        "PR": ValueState.INVALID,
        "ABP_SYS": ValueState.NOT_CALIBRATED,
        "TEMP1": ValueState.NOT_A_NUMBER,
    }


def test_a_number_outside_the_physical_range_is_invalid_and_counted() -> None:
    events, decoder = feed(poll(nu(0x4BB8, 140, PCT)))
    assert not samples(events) and status(events) == {"SPO2": ValueState.IMPLAUSIBLE}
    assert decoder.stats.invalid_values == 1


def test_unmapped_ids_and_foreign_units_are_kept_as_other_values() -> None:
    events, _ = feed(poll(nu(0x4BB0, 2.5, 0x0200), nu(0x4B48, 98.6, 0x1140), nu(0x1234, 7, 0x9999)))
    assert not samples(events)
    others = {o.code: o for o in events if isinstance(o, OtherValue)}
    assert (others[0x4BB0].label, others[0x4BB0].value, others[0x4BB0].unit) == (
        "NOM_PULS_OXIM_PERF_REL (0x4BB0)",
        2.5,
        "",
    )
    assert (others[0x4B48].value, others[0x4B48].unit) == (98.6, "unit 0x1140")  # °F is not TEMP1's unit
    assert (others[0x1234].label, others[0x1234].unit) == ("physio id 0x1234", "unit 0x9999")


def test_airway_respiration_rate_wins_over_impedance() -> None:
    events, _ = feed(poll(nu(0x500A, 20, RPM), nu(0x5012, 14, RPM)))
    assert samples(events)["RR"].value == 14.0
    assert [o.value for o in events if isinstance(o, OtherValue)] == [20.0]  # impedance kept, not lost
    events, _ = feed(poll(nu(0x500A, 20, RPM), nu(0x5012, None, RPM, MeasurementState.INVALID)))
    assert samples(events)["RR"].value == 20.0  # no capnograph breath count: the impedance rate stands in


def test_nibp_measuring_flag() -> None:
    events, _ = feed(poll(nu(0x4A05, 120, MMHG, MeasurementState.MEASUREMENT_ONGOING)))
    assert samples(events)["NIBP_SYS"].flags == SampleFlag.NIBP_MEASURING


def bcd(when: dt.datetime) -> bytes:
    digits = (when.year // 100, when.year % 100, when.month, when.day, when.hour, when.minute, when.second, 0)
    return bytes((d // 10) << 4 | d % 10 for d in digits)


def test_a_cuff_reading_older_than_60_s_is_stale(vectors: Path) -> None:
    mds = FrameReader().feed((vectors / RAW).read_bytes())[1]  # TIME_ABS 11:47:26 at TIME_REL
    wall = dt.datetime(2021, 4, 22, 11, 47, 26)
    for measured, flags in ((wall - dt.timedelta(seconds=61), SampleFlag.STALE), (wall, SampleFlag.NONE)):
        stamp = struct.pack(">HH", m.NOM_ATTR_TIME_STAMP_ABS, 8) + bcd(measured)
        events, _ = feed(mds, poll(stamp + nu(0x4A05, 120, MMHG), rel_time=REL))
        assert samples(events)["NIBP_SYS"].flags == flags


def test_linked_parts_join_before_decoding() -> None:
    parts = (
        poll(nu(0x4182, 70, BPM), linked=(m.LINKED_FIRST, 1)),
        poll(nu(0x4BB8, 96, PCT), linked=(m.LINKED_LAST, 2)),
        poll(),
    )
    events, _ = feed(parts[0], parts[1])
    assert events == []  # not complete until the final result
    events, _ = feed(*parts)
    assert {p: s.value for p, s in samples(events).items()} == {"HR": 70.0, "SPO2": 96.0}


def test_times_follow_the_mds_create_event_and_survive_the_wrap(vectors: Path) -> None:
    mds = FrameReader().feed((vectors / RAW).read_bytes())[1]
    events, _ = feed(mds, poll(nu(0x4182, 70, BPM), rel_time=REL + 16000))
    assert samples(events)["HR"].time == ABS + 2.0
    events, decoder = feed(poll(nu(0x4182, 70, BPM)))
    assert samples(events)["HR"].time == 5.0  # no MDS create event seen: the arrival time
    decoder.events_of(m.MdsCreate(1, m.ManagedObject(0x21, 0, 0), 1000.0, 0xFFFFF000), 5.0)
    assert decoder.device_time(0x00001000, 5.0) == 1000.0 + 0x2000 / 8000  # RelativeTime wrapped past 2**32
    assert decoder.device_time(0xFFFFE000, 5.0) == 1000.0 - 0x1000 / 8000


def test_malformed_message_with_a_good_fcs_is_a_bad_frame() -> None:
    events, decoder = feed(poll(nu(0x4182, 70, BPM))[:-3], poll(nu(0x4182, 71, BPM)))
    assert samples(events)["HR"].value == 71.0
    assert (decoder.stats.frames_ok, decoder.stats.bad_frames) == (1, 1)


# --- Chunking, noise, arbitrary bytes (as the DRI and Masimo decoders) ---


def _stream(vectors: Path) -> bytes:
    return (vectors / RAW).read_bytes()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0, max_value=20107), max_size=40))
def test_arbitrary_chunking_decodes_identically(vectors: Path, cuts: list[int]) -> None:
    data = _stream(vectors)
    whole, _ = decode(data)
    decoder = IntellivueDecoder()
    events = []
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        events += decoder.feed(data[start:cut], 5.0)
        start = max(start, cut)
    assert events == whole


@settings(max_examples=200, deadline=None)
@given(noise=st.lists(st.binary(max_size=300), min_size=5, max_size=5))
def test_frames_embedded_in_noise_are_all_recovered(noise: list[bytes]) -> None:
    polls = [encode_frame(poll(nu(0x4182, 60 + i, BPM), invoke=i + 1)) for i in range(4)]
    data = noise[0] + b"".join(p + n for p, n in zip(polls, noise[1:], strict=True))
    events, _ = decode(data, chunk=13)
    assert [e.value for e in events if isinstance(e, Sample) and e.param == "HR"] == [60.0, 61.0, 62.0, 63.0]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    decoder = IntellivueDecoder()
    events = decoder.feed(b"\xc0" + data + b"\xc1", 0.0)
    assert all(isinstance(e, Sample | DeviceStatus | OtherValue) for e in events)
    assert decoder.stats.bytes_in == len(data) + 2


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600))
def test_arbitrary_user_data_in_good_frames_never_raises(data: bytes) -> None:
    events, decoder = feed(data, m.SESSION_ID.to_bytes(2, "big") + data)
    assert decoder.stats.frames_ok + decoder.stats.bad_frames == 2
    assert all(isinstance(e, Sample | DeviceStatus | OtherValue) for e in events)
