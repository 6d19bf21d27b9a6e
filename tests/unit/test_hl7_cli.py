"""`infusion-monitor hl7 send-test` and `hl7 listen`, as IT runs them: real processes, real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from monitor.app.hl7.ack import AckCode, parse_ack
from monitor.app.hl7.mllp import send_and_wait_ack
from monitor.app.hl7.oru import validate
from tests.hl7_peer import Hl7Peer, Policy

CLI = [sys.executable, "-m", "monitor", "hl7"]


def send_test(target: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "send-test", target, *extra], capture_output=True, text=True, timeout=60)


class Listening:
    """`hl7 listen 0 ...` running; `port` read from its first line (it prints the port it got)."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([*CLI, "listen", "0", *args], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        assert first.startswith("listening on 127.0.0.1:"), first
        self.port = int(first.split()[2].rsplit(":", 1)[1])

    def output(self) -> str:
        out, _ = self.proc.communicate(timeout=60)
        return out


@pytest.fixture
def peer() -> Iterator[Hl7Peer]:
    with Hl7Peer() as p:
        yield p


def test_send_test_delivers_a_valid_test_oru_and_prints_the_ack(peer):
    result = send_test(peer.target, "--desk", "Desk 7", "--facility", "Riverside")
    assert result.returncode == 0, result.stderr
    (message,) = peer.messages
    validate(message, location_only=True)
    msh = message.split("\r")[0].split("|")
    assert (msh[2], msh[3], msh[10]) == ("INFUSION-MONITOR^Desk 7^L", "Riverside", "T")  # marked as a test
    assert "\rPID|||\r" in message  # no patient, invented or real
    assert f"MSA|AA|{msh[9]}" in result.stdout
    assert result.stdout.rstrip().endswith("AA (accepted)")


@pytest.mark.parametrize(("policy", "meaning"), [(Policy.AE, "error"), (Policy.AR, "rejected")])
def test_send_test_reports_a_refusal_with_its_reason(peer, policy, meaning):
    peer.policy = policy
    peer.reason = "unknown location"
    result = send_test(peer.target)
    assert result.returncode == 1
    assert result.stdout.rstrip().endswith(f"{policy.value} ({meaning}): unknown location")


def test_send_test_to_nothing_listening_is_a_sentence_not_a_traceback():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free, and nothing listens on it once closed
    result = send_test(f"127.0.0.1:{port}")
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"hl7 send-test: cannot reach 127.0.0.1:{port}:")
    assert "Traceback" not in result.stderr


def test_send_test_to_a_silent_engine_times_out_with_a_sentence():
    with Hl7Peer(policy=Policy.SILENT) as peer:
        result = send_test(peer.target, "--timeout", "0.5")
    assert result.returncode == 2
    assert "did not answer: no ACK within 0.5 s" in result.stderr


def test_send_test_refuses_a_dsn_like_target():
    result = send_test("postgresql://desk@clinic-db:5432/monitor")
    assert result.returncode == 2
    assert "looks like a connection string" in result.stderr


def test_listen_prints_what_arrives_and_acks_it_to_send_test():
    engine = Listening("--count", "1")
    result = send_test(f"127.0.0.1:{engine.port}")
    out = engine.output()
    assert result.returncode == 0, result.stderr
    assert engine.proc.returncode == 0
    assert "--- message 1 from 127.0.0.1:" in out
    assert "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|" in out
    assert "--- valid HL7 v2; answered AA ---" in out


def test_listen_answers_as_told_and_refuses_an_invalid_message():
    engine = Listening("--answer", "AE", "--count", "2")
    good = "\r".join(
        [
            "MSH|^~\\&|EHR||MON||20261129060000||ADT^A04^ADT_A01|G1|P|2.6",
            "EVN||20261129060000",
            "PID|||M1^^^^MR||Doe^Jo",
            "PV1||O",
        ]
    )
    with socket.create_connection(("127.0.0.1", engine.port)) as s:
        first = parse_ack(send_and_wait_ack(s, good, timeout_s=30))
        second = parse_ack(send_and_wait_ack(s, "MSH|^~\\&|EHR||MON||2026||ORU^R01^ORU_R01|B2|P|2.6\rZZZ|x", 30))
    out = engine.output()
    assert (first.code, first.control_id) == (AckCode.AE, "G1")
    assert (second.code, second.control_id) == (AckCode.AR, "B2")
    assert "not a valid HL7 v2 message" in second.text
    assert "--- valid HL7 v2; answered AE ---" in out
    assert "--- invalid: not a valid HL7 v2 message" in out


def test_listen_on_a_port_in_use_says_so():
    with Hl7Peer() as peer:
        result = subprocess.run([*CLI, "listen", str(peer.port)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"hl7 listen: cannot listen on 127.0.0.1:{peer.port}:")
