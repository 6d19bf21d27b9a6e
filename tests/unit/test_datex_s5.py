"""GE/Datex-Ohmeda S/5 DRI decoder: official request frames, real monitor records, framing faults."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.devices import datex_s5 as dri
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, SampleFlag, ValueState, WaveBlock

# CI spec Appendix A, as quoted in shared/protocols/README.md §2.3.
OFFICIAL_START_10S = bytes.fromhex("7e 31 00" + " 00" * 19 + " ff" + " 00" * 18 + " 01 0a 00 0e 00 00 00 00 00 49 7e")
OFFICIAL_STOP = bytes.fromhex("7e 31 00" + " 00" * 19 + " ff" + " 00" * 18 + " 01 00 00 00 00 00 00 00 00 31 7e")
OFFICIAL_START_60S_TREND = bytes.fromhex(
    "7e 31 00" + " 00" * 19 + " ff" + " 00" * 18 + " 03 3c 00 0e 00 00 00 00 00 7d 5d 7e"
)


def phdb_vector(vectors: Path) -> bytes:
    return (vectors / "datex_s5_phdb_displayed_4class_record.bin").read_bytes()


def samples_of(events: list) -> dict[str, Sample]:
    return {e.param: e for e in events if isinstance(e, Sample)}


def test_official_frames_are_52_bytes_with_the_documented_layout() -> None:
    # Guards the literals above against a typo: 1 flag + 49 record + 1 checksum + 1 flag.
    assert len(OFFICIAL_START_10S) == 52 and len(OFFICIAL_STOP) == 52
    assert len(OFFICIAL_START_60S_TREND) == 53  # checksum 0x7D is escaped
    assert OFFICIAL_START_10S[22] == 0xFF


def test_request_builder_reproduces_official_frames() -> None:
    assert dri.displayed_values_request(10, class_bf=0x0E) == OFFICIAL_START_10S
    assert dri.stop_request() == OFFICIAL_STOP
    trend = dri.frame(dri._request_record(3, 60, 0x0E))
    assert trend == OFFICIAL_START_60S_TREND


def test_official_requests_parse_back() -> None:
    deframer = dri.Deframer()
    records = deframer.feed(OFFICIAL_START_10S + OFFICIAL_STOP + OFFICIAL_START_60S_TREND)
    assert [dri.parse_request(r) for r in records] == [
        dri.PhdbRequest(1, 10, 0x0E),
        dri.PhdbRequest(1, 0, 0),
        dri.PhdbRequest(3, 60, 0x0E),
    ]
    assert deframer.stats.bad_frames == 0


def test_interval_below_five_seconds_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 5 s"):
        dri.displayed_values_request(4)
    with pytest.raises(ValueError, match="at least 5 s"):
        DatexS5Driver(interval=2)


def test_driver_requests_on_connect_and_stops_on_close() -> None:
    assert DatexS5Driver(interval=10, class_bf=0x0E).on_connect()[0] == OFFICIAL_START_10S, "the spec's request"
    driver = DatexS5Driver(interval=5)
    start, _waves = driver.on_connect()  # the waveform request: tests/unit/test_datex_s5_waves.py
    assert dri.parse_request(dri.Deframer().feed(start)[0]) == dri.PhdbRequest(1, 5, 0)
    assert driver.on_close()[-1] == OFFICIAL_STOP
    assert driver.keep_alive is None, "the S/5 needs no keep-alive: the request holds until stopped"


def test_real_record_header(vectors: Path) -> None:
    header = dri.parse_header(phdb_vector(vectors))
    assert (header.r_len, header.r_nbr, header.dri_level, header.plug_id) == (1152, 17, 8, 35588)
    assert header.r_time == 1251973827 and header.r_maintype == 0
    # The list ends at the first 0xFF; the garbage slots after it are ignored.
    assert header.subrecords == ((0, 1), (278, 1), (556, 1), (834, 1))


def test_real_record_decodes_to_the_documented_values(vectors: Path) -> None:
    decoder = dri.DatexS5Decoder()
    events = decoder.feed(dri.frame(phdb_vector(vectors)), host_time=1000.0)
    got = samples_of(events)
    assert got["ART_SYS"].value == pytest.approx(9.00)
    assert got["ART_DIA"].value == pytest.approx(0.90)
    assert got["ART_MEAN"].value == pytest.approx(4.86)
    assert got["CVP_MEAN"].value == pytest.approx(2.21)
    assert got["TEMP1"].value == pytest.approx(18.00)
    assert got["TEMP2"].value == pytest.approx(27.07)
    assert got["TEMP3"].value == pytest.approx(16.85)
    assert got["HR"].value == 0
    assert all(s.time == 1251973827 and s.host_time == 1000.0 for s in got.values())
    # Status codes are never numbers.
    for absent in ("TEMP4", "SPO2", "PR", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN", "PA_SYS"):
        assert absent not in got
    (status,) = [e for e in events if isinstance(e, DeviceStatus)]
    unavailable = dict(status.unavailable)
    assert unavailable["TEMP4"] is ValueState.UNDER_RANGE
    assert unavailable["SPO2"] is ValueState.INVALID
    assert unavailable["PA_MEAN"] is ValueState.NOT_UPDATED
    assert DeviceCondition.APNEA in status.conditions  # co2 status 0x07: bit 2 apnea
    assert decoder.stats.frames_ok == 1 and decoder.stats.bad_frames == 0


def _swap_subrecords(record: bytes, a: int, b: int) -> bytes:
    body = bytearray(record)
    size, base = dri.SUBRECORD_SIZE, dri.HEADER_SIZE
    sa, sb = body[base + a * size : base + (a + 1) * size], body[base + b * size : base + (b + 1) * size]
    body[base + a * size : base + (a + 1) * size] = sb
    body[base + b * size : base + (b + 1) * size] = sa
    return bytes(body)


def test_class_comes_from_the_class_bits_not_the_position(vectors: Path) -> None:
    moved = _swap_subrecords(phdb_vector(vectors), 0, 2)  # basic now third, ext2 first
    events = dri.DatexS5Decoder().feed(dri.frame(moved), 0.0)
    assert samples_of(events)["ART_SYS"].value == pytest.approx(9.0)
    # An ext-class subrecord is never read as basic even when it comes first.
    ext_first = bytearray(phdb_vector(vectors))
    ext_first[dri.HEADER_SIZE + 277] = 0x01  # first subrecord's class bits -> ext1
    assert not samples_of(dri.DatexS5Decoder().feed(dri.frame(bytes(ext_first)), 0.0))


def test_waveform_record_is_counted_and_gives_no_numerics(vectors: Path) -> None:
    decoder = dri.DatexS5Decoder()
    wave = (vectors / "datex_s5_wave_record.bin").read_bytes()
    assert all(isinstance(e, WaveBlock) for e in decoder.feed(dri.frame(wave), 0.0))  # test_datex_s5_waves.py
    assert decoder.records_by_type == {dri.MAINTYPE_WAVE: 1}
    assert decoder.stats.bad_frames == 0


def test_bad_checksum_is_counted_and_the_next_frame_recovered(vectors: Path) -> None:
    good = dri.frame(phdb_vector(vectors))
    broken = bytearray(good)
    broken[100] ^= 0x01
    decoder = dri.DatexS5Decoder()
    events = decoder.feed(bytes(broken) + good, 0.0)
    assert "ART_SYS" in samples_of(events)
    assert decoder.stats.bad_frames == 1 and decoder.stats.frames_ok == 1


def test_wrong_r_len_and_bad_escape_are_rejected(vectors: Path) -> None:
    record = bytearray(phdb_vector(vectors))
    struct.pack_into("<h", record, 0, 1000)
    bad_escape = b"\x7e" + b"\x7d\x01" + b"\x00" * 60 + b"\x7e"
    decoder = dri.DatexS5Decoder()
    assert decoder.feed(dri.frame(bytes(record)) + bad_escape, 0.0) == []
    assert decoder.stats.bad_frames == 2


def test_subrecord_pointing_outside_the_record_is_a_bad_frame(vectors: Path) -> None:
    record = bytearray(phdb_vector(vectors))
    struct.pack_into("<hB", record, 16, 2000, 1)
    decoder = dri.DatexS5Decoder()
    assert decoder.feed(dri.frame(bytes(record)), 0.0) == []
    assert decoder.stats.bad_frames == 1 and decoder.stats.frames_ok == 0


def test_endless_garbage_without_flags_is_dropped_and_counted() -> None:
    decoder = dri.DatexS5Decoder()
    decoder.feed(b"\x7e" + b"\x11" * (dri.MAX_FRAME_BYTES + 10), 0.0)
    assert decoder.stats.bad_frames == 1 and decoder.stats.resyncs >= 1
    assert len(decoder._deframer._buf) == 0


VITALS = {
    "HR": 72.0, "SPO2": 97.0, "PR": 71.0, "NIBP_SYS": 124.0, "NIBP_DIA": 79.0, "NIBP_MEAN": 94.0,
    "RR": 14.0, "ETCO2": 38.0, "FICO2": 0.0, "TEMP1": 36.6,
    "ART_SYS": 131.0, "ART_DIA": 72.0, "ART_MEAN": 92.0,
}  # fmt: skip


def test_encoder_round_trip_with_etco2_conversion_and_nibp_flags() -> None:
    record = dri.encode_displayed_record(
        VITALS, time=1_700_000_000, record_no=300, nibp_flags=SampleFlag.NIBP_MEASURING | SampleFlag.STALE
    )
    assert dri.parse_header(record).r_nbr == 300 & 0xFF
    events = dri.DatexS5Decoder().feed(dri.frame(record), 5.0)
    got = samples_of(events)
    assert {k: round(v.value, 2) for k, v in got.items()} == VITALS
    assert got["NIBP_SYS"].flags == SampleFlag.NIBP_MEASURING | SampleFlag.STALE
    assert got["HR"].flags == SampleFlag.NONE
    assert got["HR"].time == 1_700_000_000


def test_etco2_is_converted_from_percent_with_ambient_pressure() -> None:
    # 5.00 % of 700.0 mmHg = 35.0 mmHg; the same 5 % at sea level would be 38.0 mmHg.
    record = dri.encode_displayed_record({"ETCO2": 35.0, "RR": 12.0}, time=0, ambient_mmhg=700.0)
    raw_et = struct.unpack_from("<h", record, dri.HEADER_SIZE + 4 + 138)[0]
    assert raw_et == 500
    assert samples_of(dri.DatexS5Decoder().feed(dri.frame(record), 0.0))["ETCO2"].value == 35.0


def test_status_is_emitted_only_when_it_changes() -> None:
    decoder = dri.DatexS5Decoder()
    ok = dri.frame(dri.encode_displayed_record(VITALS, time=10))
    off = dri.frame(dri.encode_displayed_record({**VITALS, "SPO2": ValueState.INVALID}, time=15))
    stream = [ok, ok, off, off, ok]
    statuses = [[e for e in decoder.feed(f, 0.0) if isinstance(e, DeviceStatus)] for f in stream]
    assert [len(s) for s in statuses] == [1, 0, 1, 0, 1]
    assert dict(statuses[2][0].unavailable) == {"SPO2": ValueState.INVALID}
    assert statuses[4][0].unavailable == ()


def test_apnea_flag_becomes_a_device_condition() -> None:
    record = dri.encode_displayed_record({"RR": 0.0, "ETCO2": 3.0}, time=0, apnea=True)
    (status,) = [e for e in dri.DatexS5Decoder().feed(dri.frame(record), 0.0) if isinstance(e, DeviceStatus)]
    assert status.conditions == {DeviceCondition.APNEA}


def test_ext_classes_are_skipped() -> None:
    record = dri.encode_displayed_record(VITALS, time=0, ext_classes=(1, 2, 3))
    assert len(record) == 40 + 4 * 278
    assert len(samples_of(dri.DatexS5Decoder().feed(dri.frame(record), 0.0))) == len(VITALS)


def _stream(vectors: Path) -> tuple[bytes, int]:
    frames = [
        dri.frame(phdb_vector(vectors)),
        dri.frame(dri.encode_displayed_record(VITALS, time=100)),
        dri.frame((vectors / "datex_s5_wave_record.bin").read_bytes()),
        dri.frame(dri.encode_displayed_record({**VITALS, "HR": 125.0}, time=105)),
    ]
    return b"".join(frames), len(frames)


def _decode_in_chunks(data: bytes, cuts: list[int]) -> tuple[list, dri.DatexS5Decoder]:
    decoder = dri.DatexS5Decoder()
    events, last = [], 0
    for cut in [*sorted(cuts), len(data)]:
        events += decoder.feed(data[last:cut], 0.0)
        last = cut
    return events, decoder


def test_every_single_split_point_decodes_identically(vectors: Path) -> None:
    data, n_frames = _stream(vectors)
    whole, _ = _decode_in_chunks(data, [])
    for cut in range(1, len(data)):
        events, decoder = _decode_in_chunks(data, [cut])
        assert events == whole, f"split at byte {cut}"
        assert decoder.stats.frames_ok == n_frames and decoder.stats.bad_frames == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0, max_value=2500), max_size=40))
def test_arbitrary_chunking_decodes_identically(vectors: Path, cuts: list[int]) -> None:
    data, _ = _stream(vectors)
    whole, _ = _decode_in_chunks(data, [])
    events, _ = _decode_in_chunks(data, [c for c in cuts if c <= len(data)])
    assert events == whole


@settings(max_examples=200, deadline=None)
@given(noise=st.lists(st.binary(max_size=300), min_size=5, max_size=5), cuts=st.lists(st.integers(0, 4000)))
def test_frames_embedded_in_noise_are_all_recovered(noise: list[bytes], cuts: list[int]) -> None:
    records = [dri.encode_displayed_record({**VITALS, "HR": float(60 + i)}, time=100 + i) for i in range(4)]
    frames = [dri.frame(r) for r in records]
    data = noise[0] + b"".join(f + n for f, n in zip(frames, noise[1:], strict=True))
    events, decoder = _decode_in_chunks(data, [c for c in cuts if c <= len(data)])
    assert [e.value for e in events if isinstance(e, Sample) and e.param == "HR"] == [60.0, 61.0, 62.0, 63.0]
    # Noise after the last frame is still pending, waiting for a flag; bare flag bytes are idle fill, not noise.
    if any(n.strip(dri.FLAG.to_bytes()) for n in noise[:-1]):
        assert decoder.stats.skipped_bytes > 0


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    decoder = dri.DatexS5Decoder()
    events = decoder.feed(data, 0.0)
    assert all(isinstance(e, Sample | DeviceStatus | WaveBlock) for e in events)
    assert decoder.stats.bytes_in == len(data)
