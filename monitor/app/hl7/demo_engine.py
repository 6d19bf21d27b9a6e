"""`infusion-monitor hl7 listen PORT`: a small test interface engine. It prints every message that arrives and
answers each with an ACK: AA by default, or AE/AR to try the desk's handling of a refusal.

A message that is not valid HL7 v2 (hl7apy, strict; an ORU without a patient identity is read as IHE PCD-01's
binding by location) is answered AR with the reason, as a real engine would refuse it. Connections are served each
on its own thread (a desk keeps its connection open; `send-test` from another terminal still gets through).
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass

from monitor.app.hl7.ack import AckCode, build_ack
from monitor.app.hl7.mllp import MllpReader, frame
from monitor.app.hl7.oru import validate


@dataclass(frozen=True)
class Arrival:
    number: int  # 1 for the first message since the engine started
    peer: str  # host:port it came from
    message: str
    answered: AckCode
    problem: str  # why it was refused ("" when valid)


def check(message: str) -> str:
    """Why `message` is not a valid HL7 v2 message ("" when it is)."""
    segments = message.split("\r")
    pid = next((s.split("|") for s in segments if s.startswith("PID|")), None)
    location_only = pid is not None and (len(pid) < 4 or not pid[3].strip("^"))
    try:
        validate(message, location_only=location_only)
    except ValueError as exc:
        return str(exc)
    return ""


class DemoEngine:
    """A threaded MLLP listener; `on_arrival` is called (one call at a time) for every message, before the ACK."""

    def __init__(
        self,
        port: int,
        on_arrival: Callable[[Arrival], None],
        *,
        host: str = "127.0.0.1",
        answer: AckCode = AckCode.AA,
        reason: str = "refused by the test engine (hl7 listen --answer)",
        stop_after: int | None = None,
    ) -> None:
        self.answer = answer
        self.reason = reason
        self._on_arrival = on_arrival
        self._stop_after = stop_after
        self._count = 0
        self._lock = threading.Lock()
        self._server = _Server((host, port), _handler_for(self))

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def serve(self) -> None:
        """Serve until stop() or stop_after messages; returns then."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()

    def stop(self) -> None:
        threading.Thread(target=self._server.shutdown, daemon=True).start()  # shutdown() waits for serve()

    def _answer(self, message: str, peer: str) -> str:
        problem = check(message)
        code = AckCode.AR if problem else self.answer
        text = problem or (self.reason if code is not AckCode.AA else "")
        ack = build_ack(message, code, text)
        with self._lock:
            self._count += 1
            self._on_arrival(Arrival(self._count, peer, message, code, problem))
            if self._stop_after is not None and self._count >= self._stop_after:
                self.stop()
        return ack


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _handler_for(engine: DemoEngine) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            reader = MllpReader()
            peer = f"{self.client_address[0]}:{self.client_address[1]}"
            while True:
                try:
                    data = self.request.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                for message in reader.feed(data):
                    self.request.sendall(frame(engine._answer(message, peer)))

    return Handler
