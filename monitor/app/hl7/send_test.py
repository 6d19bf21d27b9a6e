"""`infusion-monitor hl7 send-test HOST:PORT`: one test ORU^R01 to an interface engine, and what it answered.

The test message is marked as such (MSH-11 "T", training/test), has no patient (bound by location, like an
unassigned session sent with `--hl7-unassigned send`) and a location that says it is a test: an engine routes it
away from the chart. Its values are fixed, plausible numbers, so the IT team sees every field filled.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from monitor.app.hl7.ack import Ack, new_control_id, parse_ack
from monitor.app.hl7.mllp import send_and_wait_ack
from monitor.app.hl7.oru import Obs, ObsKind, build_oru
from monitor.app.hl7.settings import Hl7Target

TEST_CHAIR = "HL7 TEST"
CONNECT_TIMEOUT_S = 10.0
ACK_TIMEOUT_S = 30.0  # an engine that commits before answering may take seconds; longer is a fault to report


@dataclass(frozen=True)
class SendTestResult:
    sent: str  # the ORU^R01 sent
    answer: str  # the engine's reply, as received
    ack: Ack | None  # None when the reply is not an ACK
    problem: str  # why the reply could not be read as an ACK ("" when it could)


def test_message(*, desk: str, facility: str, now: float | None = None) -> str:
    t = time.time() if now is None else now
    obs = [
        Obs(ObsKind.VITAL, "HR", 72, t),
        Obs(ObsKind.VITAL, "SPO2", 98, t),
        Obs(ObsKind.VITAL, "RR", 14, t),
        Obs(ObsKind.NIBP, "NIBP_SYS", 120, t),
        Obs(ObsKind.NIBP, "NIBP_DIA", 80, t),
        Obs(ObsKind.NIBP, "NIBP_MEAN", 93, t),
    ]
    return build_oru(
        control_id=new_control_id(),
        sent_at=t,
        sending_facility=facility,
        desk=desk,
        chair=TEST_CHAIR,
        session_id=0,
        patient=None,
        obs=obs,
        processing_id="T",
    )


def send_test(
    target: Hl7Target, *, desk: str, facility: str = "", ack_timeout_s: float = ACK_TIMEOUT_S
) -> SendTestResult:
    """Connect, send the test message, wait for the answer. OSError (TimeoutError) when the engine cannot be
    reached or does not answer in time: the caller says so in words."""
    message = test_message(desk=desk, facility=facility)
    with socket.create_connection((target.host, target.port), timeout=CONNECT_TIMEOUT_S) as sock:
        answer = send_and_wait_ack(sock, message, ack_timeout_s)
    try:
        return SendTestResult(message, answer, parse_ack(answer), "")
    except ValueError as exc:
        return SendTestResult(message, answer, None, str(exc))
