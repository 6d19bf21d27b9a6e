"""`infusion-monitor hl7 send-test HOST:PORT` and `infusion-monitor hl7 listen PORT`: the EHR interface, for IT.

send-test sends one test ORU^R01 and prints the engine's answer (exit 0 on AA, 1 on AE/AR or a reply that is not an
ACK, 2 when the engine cannot be reached or does not answer in time). listen is a small test engine: it prints
each message that arrives and ACKs it (README "Sending results to the EHR").
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from typing import TYPE_CHECKING

from monitor.app.hl7.ack import AckCode  # stdlib only: the parser of every command imports this module
from monitor.app.hl7.settings import parse_target
from monitor.cli.hl7_outbox import add_outbox_parser, outbox_command

if TYPE_CHECKING:
    from monitor.app.hl7.demo_engine import Arrival


def add_hl7_parser(sub: argparse._SubParsersAction) -> None:
    hl7 = sub.add_parser("hl7", help="the EHR interface (HL7 v2 over MLLP): send a test message, or listen as a test")
    actions = hl7.add_subparsers(dest="hl7_command", metavar="ACTION", required=True)
    send = actions.add_parser("send-test", help="send one test ORU^R01 to an interface engine and print its ACK")
    send.add_argument("target", metavar="HOST:PORT", help="the interface engine's MLLP listener, e.g. ehr:2575")
    send.add_argument("--desk", default=socket.gethostname(), help="the desk named in MSH-3 (default: host name)")
    send.add_argument("--facility", default="", help="the sending facility, MSH-4")
    send.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for the ACK")
    listen = actions.add_parser("listen", help="a test interface engine: print what arrives and ACK it")
    listen.add_argument("port", type=_listen_port, metavar="PORT", help="TCP port to listen on (0: any free port)")
    listen.add_argument(
        "--bind", default="127.0.0.1", metavar="ADDRESS", help="address to listen on (default 127.0.0.1; 0.0.0.0: all)"
    )
    listen.add_argument(
        "--answer",
        type=AckCode,
        choices=list(AckCode),
        default=AckCode.AA,
        help="the ACK code to answer valid messages with (AE/AR: try the desk's handling of a refusal)",
    )
    listen.add_argument("--count", type=int, metavar="N", help="stop after N messages (default: until Ctrl-C)")
    add_outbox_parser(actions)


def _listen_port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: a port is a number from 0 to 65535, like 2575")
    return int(text)


def hl7(args: argparse.Namespace) -> int:
    if args.hl7_command == "outbox":
        return outbox_command(args)
    return send_test(args) if args.hl7_command == "send-test" else listen(args)


def send_test(args: argparse.Namespace) -> int:
    from monitor.app.hl7.send_test import send_test as send_test_message  # hl7apy: imported when used

    try:
        target = parse_target(args.target)
    except ValueError as exc:
        print(f"hl7 send-test: {exc}", file=sys.stderr)
        return 2
    try:
        result = send_test_message(target, desk=args.desk, facility=args.facility, ack_timeout_s=args.timeout)
    except TimeoutError as exc:
        print(f"hl7 send-test: {target} did not answer: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"hl7 send-test: cannot reach {target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"sent to {target}:")
    _print_segments(result.sent)
    print("answer:")
    _print_segments(result.answer)
    if result.ack is None:
        print(f"not an ACK: {result.problem}")
        return 1
    meaning = {AckCode.AA: "accepted", AckCode.AE: "error", AckCode.AR: "rejected"}[result.ack.code]
    print(f"{result.ack.code.value} ({meaning})" + (f": {result.ack.text}" if result.ack.text else ""))
    return 0 if result.ack.code is AckCode.AA else 1


def listen(args: argparse.Namespace) -> int:
    from monitor.app.hl7.demo_engine import DemoEngine  # hl7apy: imported when used

    try:
        engine = DemoEngine(args.port, _print_arrival, host=args.bind, answer=args.answer, stop_after=args.count)
    except OSError as exc:
        print(f"hl7 listen: cannot listen on {args.bind}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    host, port = engine.address
    print(f"listening on {host}:{port} (MLLP), answering {args.answer.value}; Ctrl-C to stop", flush=True)
    try:
        engine.serve()
    except KeyboardInterrupt:
        print("stopped")
    return 0


def _print_arrival(arrival: Arrival) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"--- message {arrival.number} from {arrival.peer} at {stamp} ---")
    _print_segments(arrival.message)
    verdict = f"invalid: {arrival.problem}" if arrival.problem else "valid HL7 v2"
    print(f"--- {verdict}; answered {arrival.answered.value} ---", flush=True)


def _print_segments(message: str) -> None:
    for segment in message.split("\r"):
        if segment:
            print(f"  {segment}")
