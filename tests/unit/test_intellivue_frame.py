"""IntelliVue MIB framing and FLOAT-Type: the real capture's frames, escapes, aborts and bad FCS."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from monitor.devices.intellivue.float_type import NAN, NEG_INF, NRES, POS_INF, decode_float, encode_float
from monitor.devices.intellivue.frame import MAX_FRAME_BYTES, MAX_USER_DATA, FrameReader, encode_frame, fcs16

RAW = "intellivue_mib_rx_excerpt_40frames.raw"


def test_fcs16_is_the_ppp_check_sequence() -> None:
    # RFC 1662: the FCS of "123456789" (one's complemented) is 0x906E.
    assert fcs16(b"123456789") == 0x906E


def test_real_capture_yields_40_frames_and_each_reencodes_to_the_same_bytes(vectors: Path) -> None:
    raw = (vectors / RAW).read_bytes()
    reader = FrameReader()
    frames = [f for i in range(0, len(raw), 7) for f in reader.feed(raw[i : i + 7])]
    assert len(frames) == 40
    assert (reader.stats.good, reader.stats.bad_fcs, reader.stats.garbage) == (40, 0, 0)
    assert b"".join(encode_frame(f) for f in frames) == raw  # escapes in the FCS included (§3.2)
    assert frames[0][0] == 0x0E  # association response: accept


def test_escaped_bytes_in_data_and_fcs_survive() -> None:
    data = bytes([0xC0, 0xC1, 0x7D, 0x00, 0x20])
    frame = encode_frame(data)
    assert frame.count(0xC0) == 1 and frame.count(0xC1) == 1
    assert FrameReader().feed(frame) == [data]


def test_bad_fcs_abort_and_garbage_are_counted_and_the_next_frame_read() -> None:
    good = encode_frame(b"\xe1\x00\x00\x02")
    corrupt = bytearray(good)
    corrupt[6] ^= 0x01
    aborted = good[:-3] + b"\x7d\xc1"
    cut_off = good[:5]
    reader = FrameReader()
    assert reader.feed(b"junk" + bytes(corrupt) + aborted + cut_off + good) == [b"\xe1\x00\x00\x02"]
    s = reader.stats
    assert (s.good, s.bad_fcs, s.aborted, s.garbage) == (1, 1, 2, 4)


def test_frame_with_a_wrong_length_field_is_refused() -> None:
    body = bytes([0x11, 0x01, 0x00, 0x09, 1, 2, 3])  # says 9 bytes, carries 3
    frame = b"\xc0" + body + fcs16(body).to_bytes(2, "little") + b"\xc1"
    reader = FrameReader()
    assert reader.feed(frame) == []
    assert reader.stats.bad_header == 1


@pytest.mark.parametrize(
    ("raw", "value"),
    [(0x0000003C, 60.0), (0xFFFFFFF7, -0.9), (0xFF00016D, 36.5), (0x02000003, 300.0), (0xFE000001, 0.01)],
)
def test_decode_float(raw: int, value: float) -> None:
    assert decode_float(raw) == value


@pytest.mark.parametrize("raw", [NAN, NRES, POS_INF, NEG_INF, 0xFF7FFFFF])
def test_reserved_floats_are_not_numbers(raw: int) -> None:
    assert decode_float(raw) is None


def test_encode_float_round_trips_and_maps_non_numbers() -> None:
    for value in (98.0, 36.6, -1.5, 0.0, 120.0, 12345.6):
        assert decode_float(encode_float(value)) == value
    assert decode_float(encode_float(1.25, digits=2)) == 1.25
    assert encode_float(math.nan) == NAN and encode_float(math.inf) == POS_INF and encode_float(-math.inf) == NEG_INF


def test_fcs16_matches_the_bitwise_definition() -> None:
    def bitwise(data: bytes) -> int:  # RFC 1662: reflected poly 0x8408, init 0xFFFF, one's complement
        crc = 0xFFFF
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        return crc ^ 0xFFFF

    for n in range(300):
        data = bytes((i * 37 + n) & 0xFF for i in range(n))
        assert fcs16(data) == bitwise(data)


def test_a_frame_without_an_end_flag_is_dropped_as_oversize_and_reading_goes_on() -> None:
    reader = FrameReader()
    assert reader.feed(b"\xc0" + b"\x00" * (MAX_FRAME_BYTES + 1)) == []
    assert reader.stats.oversize == 1
    assert reader.feed(encode_frame(b"\x01\x02")) == [b"\x01\x02"]
    with pytest.raises(ValueError, match="does not fit"):
        encode_frame(bytes(MAX_USER_DATA + 1))
