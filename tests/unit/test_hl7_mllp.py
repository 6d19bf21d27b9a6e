"""MLLP framing and the send/wait-for-ACK exchange, over a real socket on 127.0.0.1 (tests/hl7_peer.py)."""

from __future__ import annotations

import socket

import pytest

from monitor.app.hl7.ack import AckCode, parse_ack
from monitor.app.hl7.mllp import END, START, MllpReader, frame, send_and_wait_ack
from tests.hl7_peer import Hl7Peer, Policy

MSG = "MSH|^~\\&|A|B|C|D|20261129060000+0000||ORU^R01^ORU_R01|C1|P|2.6\rPID|||123^^^H^MR"


def test_frame_wraps_utf8_segments_in_vt_fs_cr():
    framed = frame("MSH|^~\\&|Ä\nPID|||1\n")
    assert framed == START + "MSH|^~\\&|Ä\rPID|||1\r".encode() + END


def test_reader_reassembles_a_message_split_anywhere():
    data = frame(MSG) + frame("MSH|^~\\&|second")
    for cut in range(1, len(data)):
        reader = MllpReader()
        got = reader.feed(data[:cut]) + reader.feed(data[cut:])
        assert got == [MSG, "MSH|^~\\&|second"], cut
        assert reader.garbage_bytes == 0


def test_reader_counts_and_skips_bytes_outside_frames():
    reader = MllpReader()
    got = reader.feed(b"noise" + frame("MSH|^~\\&|x") + b"\r\n" + START + b"MSH|unfinished" + frame("MSH|^~\\&|y"))
    assert got == ["MSH|^~\\&|x", "MSH|^~\\&|y"]
    assert reader.garbage_bytes == len(b"noise") + 2 + len(START + b"MSH|unfinished")


def test_reader_hands_on_an_undecodable_frame_to_be_answered():
    assert MllpReader().feed(START + b"MSH|\xff\xfe" + END) == ["MSH|\ufffd\ufffd"]


@pytest.mark.parametrize("policy", [Policy.AA, Policy.AE, Policy.AR])
def test_send_and_wait_ack_returns_the_peers_answer(policy):
    peer = Hl7Peer(policy=policy, reason="no such chair")
    with peer, socket.create_connection(("127.0.0.1", peer.port)) as s:
        ack = parse_ack(send_and_wait_ack(s, MSG, timeout_s=5))
        assert peer.messages == [MSG]
    assert ack.code is AckCode(policy.value)
    assert ack.control_id == "C1"
    assert ack.text == ("" if policy is Policy.AA else "no such chair")


def test_send_and_wait_ack_times_out_on_a_silent_peer():
    peer = Hl7Peer(policy=Policy.SILENT)
    with peer, socket.create_connection(("127.0.0.1", peer.port)) as s:
        with pytest.raises(TimeoutError):
            send_and_wait_ack(s, MSG, timeout_s=0.3)
        assert peer.wait_for(1) == [MSG]


def test_send_and_wait_ack_raises_oserror_when_the_peer_hangs_up():
    peer = Hl7Peer(policy=Policy.CLOSE)
    with peer, socket.create_connection(("127.0.0.1", peer.port)) as s, pytest.raises(OSError):
        send_and_wait_ack(s, MSG, timeout_s=5)


def test_peer_restarts_on_the_same_port():
    peer = Hl7Peer().start()
    port = peer.port
    peer.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    peer.start()
    try:
        assert peer.port == port
        with socket.create_connection(("127.0.0.1", port)) as s:
            assert parse_ack(send_and_wait_ack(s, MSG, timeout_s=5)).code is AckCode.AA
    finally:
        peer.stop()
