"""Masimo ASCII 1 decoder: real device lines, EXC conditions, dashes, noise, chunking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.devices.events import DeviceCondition, DeviceStatus, Sample
from monitor.devices.masimo_ascii import EXC_CONDITIONS, MasimoAsciiDecoder, format_line

# Real lines quoted in shared/protocols/README.md §4.1.
RAD8 = (
    b"02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% SPMET=--.-% DESAT=-- "
    b"PIDELTA=+-- ALARM=0000 EXC=000800\r\n"
)
RADICAL7_NO_SIGNAL = (
    b"05/15/07 08:12:21 SN=0000070986 SPO2=---% BPM=--- PI=--.--% SPCO=--.-% SPMET=--.-% DESAT=-- "
    b"PIDELTA=+-- PVI=--- ALARM=0000 EXC=000000\r\n"
)


def decode(data: bytes) -> tuple[list, MasimoAsciiDecoder]:
    decoder = MasimoAsciiDecoder(tz=UTC)
    return decoder.feed(data, host_time=42.0), decoder


def values(events: list) -> dict[str, float]:
    return {e.param: e.value for e in events if isinstance(e, Sample)}


def test_real_rad8_line() -> None:
    events, decoder = decode(RAD8)
    assert values(events) == {"SPO2": 98.0, "PR": 97.0, "PI": 3.6}
    expected_time = datetime(2016, 2, 22, 22, 47, 45, tzinfo=UTC).timestamp()
    assert all(e.time == expected_time and e.host_time == 42.0 for e in events)
    (status,) = [e for e in events if isinstance(e, DeviceStatus)]
    assert status.conditions == frozenset()  # 0x800 "SET active" is normal operation
    assert decoder.stats.frames_ok == 1 and decoder.stats.bad_frames == 0


def test_real_radical7_no_signal_line_gives_no_numbers() -> None:
    events, decoder = decode(RADICAL7_NO_SIGNAL)
    assert values(events) == {}
    assert next(e for e in events if isinstance(e, DeviceStatus)).conditions == frozenset()
    assert decoder.stats.frames_ok == 1


def test_timestamp_is_read_in_the_given_zone() -> None:
    from datetime import timedelta, timezone

    plus2 = timezone(timedelta(hours=2))
    (sample, *_) = MasimoAsciiDecoder(tz=plus2).feed(RAD8, 0.0)
    assert sample.time == datetime(2016, 2, 22, 20, 47, 45, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("bit", "condition"), EXC_CONDITIONS)
def test_each_exc_bit_is_a_condition(bit: int, condition: DeviceCondition) -> None:
    line = format_line(time=1e9, spo2=None, pr=None, pi=None, pvi=None, exc=bit | 0x800, tz=UTC)
    events, _ = decode(line)
    assert next(e for e in events if isinstance(e, DeviceStatus)).conditions == {condition}


def test_status_only_when_conditions_change() -> None:
    decoder = MasimoAsciiDecoder(tz=UTC)
    excs = [0x800, 0x800, 0x820, 0x820, 0x800]
    counts = []
    for i, exc in enumerate(excs):
        line = format_line(time=1e9 + i, spo2=97, pr=70, pi=2.0, pvi=9, exc=exc, tz=UTC)
        counts.append(sum(isinstance(e, DeviceStatus) for e in decoder.feed(line, 0.0)))
    assert counts == [1, 0, 1, 0, 1]


def test_garbage_and_corrupted_lines_are_counted_and_skipped() -> None:
    good = format_line(time=1e9, spo2=96, pr=65, pi=1.5, pvi=14, tz=UTC)
    corrupted = good.replace(b"SPO2=096%", b"SPO2=0x6%")
    no_exc = good.replace(b" EXC=000000", b"")
    bad_time = b"13/45/16" + good[8:]
    stream = good + b"\xff\xfe junk\r\n" + corrupted + no_exc + bad_time + good
    events, decoder = decode(stream)
    assert [e.value for e in events if isinstance(e, Sample) and e.param == "SPO2"] == [96.0, 96.0]
    assert decoder.stats.bad_frames == 4 and decoder.stats.frames_ok == 2


def test_overlong_line_is_dropped() -> None:
    events, decoder = decode(b"x" * 2000)
    assert events == [] and decoder.stats.bad_frames == 1 and decoder.stats.skipped_bytes == 2000
    good = format_line(time=1e9, spo2=96, pr=65, pi=1.5, pvi=14, tz=UTC)
    assert values(decoder.feed(b"\r\n" + good, 0.0))["SPO2"] == 96.0


@pytest.mark.parametrize("radical7", [True, False])
def test_format_line_round_trip(radical7: bool) -> None:
    line = format_line(time=1_700_000_000, spo2=99, pr=101, pi=12.34, pvi=7, exc=0x004, tz=UTC, radical7=radical7)
    expected = {"SPO2": 99.0, "PR": 101.0, "PI": 12.34} | ({"PVI": 7.0} if radical7 else {})
    events, _ = decode(line)
    assert values(events) == expected
    assert events[0].time == 1_700_000_000
    assert (b"PVI=" in line) is radical7


def _stream(n: int = 6) -> bytes:
    return b"".join(
        format_line(
            time=1e9 + i, spo2=90 + i, pr=60 + i, pi=1.0 + i / 10, pvi=10 + i, exc=0x800 | (i % 2) * 0x20, tz=UTC
        )
        for i in range(n)
    )


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(0, 1000), max_size=30))
def test_arbitrary_chunking_decodes_identically(cuts: list[int]) -> None:
    data = _stream()
    whole, _ = decode(data)
    decoder = MasimoAsciiDecoder(tz=UTC)
    events, last = [], 0
    for cut in [*sorted(c for c in cuts if c <= len(data)), len(data)]:
        events += decoder.feed(data[last:cut], 42.0)
        last = cut
    assert events == whole


@settings(max_examples=200, deadline=None)
@given(noise=st.lists(st.binary(max_size=200), min_size=6, max_size=6))
def test_lines_after_noise_are_all_recovered(noise: list[bytes]) -> None:
    lines = [format_line(time=1e9 + i, spo2=90 + i, pr=60, pi=1.0, pvi=10, tz=UTC) for i in range(6)]
    # Noise ends in a terminator, as it would between two real lines.
    data = b"".join(n + b"\r\n" + line for n, line in zip(noise, lines, strict=True))
    events, decoder = decode(data)
    assert [e.value for e in events if isinstance(e, Sample) and e.param == "SPO2"] == [90.0 + i for i in range(6)]
    assert decoder.stats.frames_ok == 6


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    events, decoder = decode(data)
    assert decoder.stats.bytes_in == len(data)
    assert all(isinstance(e, Sample | DeviceStatus) for e in events)
