"""IntelliVue Data Export messages: the real capture parsed, linked results assembled, host messages built."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from monitor.devices.events import MeasurementState
from monitor.devices.intellivue import messages as m
from monitor.devices.intellivue.frame import FrameReader

RAW = "intellivue_mib_rx_excerpt_40frames.raw"

# Philips' Data Export test tool (DevIfTest) log, quoted in shared/vectors/README.md §3: its association request
# (min_poll_period 0x000FDE80, MTU 1000, ext options 0x89000000) and release request.
DEVIFTEST_AARQ = bytes.fromhex(
    "0D EC 05 08 13 01 00 16 01 02 80 00 14 02 00 02 C1 DC 31 80 A0 80 80 01 01 00 00 A2 80 A0 03 00"
    "00 01 A4 80 30 80 02 01 01 06 04 52 01 00 01 30 80 06 02 51 01 00 00 00 00 30 80 02 01 02 06 0C"
    "2A 86 48 CE 14 02 01 00 00 00 01 01 30 80 06 0C 2A 86 48 CE 14 02 01 00 00 00 02 01 00 00 00 00"
    "00 00 61 80 30 80 02 01 01 A0 80 60 80 A1 80 06 0C 2A 86 48 CE 14 02 01 00 00 00 03 01 00 00 BE"
    "80 28 80 06 0C 2A 86 48 CE 14 02 01 00 00 00 01 01 02 01 02 81 48 80 00 00 00 40 00 00 00 00 00"
    "00 00 80 00 00 00 20 00 00 00 00 00 00 00 00 01 00 2C 00 01 00 28 80 00 00 00 00 0F DE 80 00 00"
    "03 E8 00 00 03 E8 00 00 00 00 60 00 00 00 00 01 00 0C F0 01 00 08 89 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00"
)
DEVIFTEST_RLRQ = bytes.fromhex("09 18 C1 16 61 80 30 80 02 01 01 A0 80 62 80 80 01 00 00 00 00 00 00 00 00 00")
# shared/protocols/README.md §3.4: the decoded 48-byte extended poll request for numerics with a 30-s period.
EXT_POLL_30S = bytes.fromhex(
    "E1 00 00 02 00 01 00 28 00 01 00 07 00 22 00 21 00 00 00 00 00 00 00 00 F1 3B 00 14 00 01 00 01 00 06"
    "00 00 00 01 00 08 F1 3E 00 04 00 03 A9 80"
)


@pytest.fixture
def frames(vectors: Path) -> list[bytes]:
    return FrameReader().feed((vectors / RAW).read_bytes())


def test_association_response_is_an_accept_with_the_negotiated_poll_period(frames: list[bytes]) -> None:
    result = m.parse_message(frames[0])
    assert isinstance(result, m.AssociationResult)
    assert result.accepted and result.kind == "accept"
    assert result.min_poll_period_ticks == 0x0FA0  # 500 ms


@pytest.mark.parametrize(("first", "cls"), [(0x0C, m.Refuse), (0x19, m.Abort), (0x0A, m.Release), (0x09, m.Release)])
def test_refuse_abort_release_end_the_association(first: int, cls: type) -> None:
    result = m.parse_message(bytes([first, 0x03, 0x00, 0x00, 0x00]))
    assert isinstance(result, cls) and isinstance(result, m.AssociationResult) and not result.accepted


def test_mds_create_event_carries_the_time_pair(frames: list[bytes]) -> None:
    event = m.parse_message(frames[1])
    assert isinstance(event, m.MdsCreate)
    assert event.invoke_id == 1 and event.obj == m.ManagedObject(m.NOM_MOC_VMS_MDS, 0, 0)
    assert event.rel_time == 1950208
    assert event.abs_time == dt.datetime(2021, 4, 22, 11, 47, 26).timestamp()


def test_linked_results_assemble_into_one_poll_per_second(frames: list[bytes]) -> None:
    assembler = m.LinkedAssembler()
    polls = []
    for frame in frames:
        msg = m.parse_message(frame)
        if isinstance(msg, m.PollResult) and msg.polled_code == m.NOM_MOC_VMO_METRIC_NU:
            whole = assembler.add(msg)
            if whole is not None:
                polls.append(whole)
    assert [p.rel_time for p in polls] == [1954816, 1963008, 1971200, 1979392, 1987584, 1995776]
    assert polls[0].observations == []  # the first poll after association describes the objects only
    obs = {o.physio_id: o for o in polls[1].observations}
    assert len(polls[1].observations) == 16 and assembler.dropped == 0
    assert (obs[0x4182].state, obs[0x4182].unit_code, obs[0x4182].value, obs[0x4182].label_text) == (
        0,
        0x0AA0,
        60.0,
        "HR",
    )
    for nibp in (0x4A05, 0x4A06, 0x4A07):
        assert (obs[nibp].state, obs[nibp].unit_code, obs[nibp].value) == (MeasurementState.UNAVAILABLE, 0x0F20, None)
    assert (obs[0x4BB8].state, obs[0x4BB8].value, obs[0x4BB8].label_text) == (MeasurementState.INVALID, None, "SpO₂")
    assert (obs[0x4822].state, obs[0x4822].value) == (0x8001, None)
    assert obs[0x4BB0].value is None and obs[0x4261].value == 0.0
    st = [o.value for o in polls[1].observations if 0x0300 <= o.physio_id < 0x0400]
    assert st == [-0.9, -1.5, -0.5, 1.2, -0.1, -1.0, 0.7, 0.8]


def test_a_missing_middle_part_drops_the_poll(frames: list[bytes]) -> None:
    assembler = m.LinkedAssembler()
    parts = [m.parse_message(f) for f in frames[8:12]]
    assert [assembler.add(p) for p in (parts[0], parts[2])] == [None, None]  # frame 9 lost
    final = assembler.add(parts[3])
    assert final is not None and final.observations == []  # the final result alone, not a partial poll
    assert assembler.dropped == 1


def test_get_and_set_results_are_unknown_not_errors(frames: list[bytes]) -> None:
    assert isinstance(m.parse_message(frames[6]), m.Unknown)
    assert isinstance(m.parse_message(frames[7]), m.Unknown)


def test_truncated_messages_are_unknown(frames: list[bytes]) -> None:
    for frame in frames[:12]:
        for cut in range(len(frame)):
            msg = m.parse_message(frame[:cut])
            assert isinstance(msg, m.Unknown | m.AssociationResult | m.PollResult | m.MdsCreate)


def test_association_request_matches_philips_test_tool() -> None:
    assert m.association_request(0x000FDE80) == DEVIFTEST_AARQ


def test_release_request_matches_philips_test_tool() -> None:
    assert m.release_request() == DEVIFTEST_RLRQ


def test_extended_poll_request_matches_the_documented_bytes() -> None:
    assert m.extended_poll_request(1, 1, period_ticks=240000) == EXT_POLL_30S
    once = m.extended_poll_request(7, 3)
    assert len(once) == 40 and once[8:10] == b"\x00\x07" and once[28:30] == b"\x00\x03"


def test_mds_create_result_echoes_the_event(frames: list[bytes]) -> None:
    event = m.parse_message(frames[1])
    assert isinstance(event, m.MdsCreate)
    result = m.mds_create_result(event)
    assert len(result) == 28
    assert result[:8] == bytes.fromhex("E1 00 00 02 00 02 00 14")
    assert result[8:14] == bytes.fromhex("00 01 00 01 00 0E") and result[14:20] == bytes.fromhex("00 21 00 00 00 00")
    assert result[24:28] == bytes.fromhex("0D 06 00 00")
