"""A small MLLP peer for the EHR-interface tests: a real listener on 127.0.0.1 that stands in for an interface engine.

It records every message it receives (in order, with the connection it came on) and answers each by its policy:
AA, AE or AR (an ACK built by monitor.app.hl7.ack), SILENT (reads, never answers: the sender times out) or
CLOSE (hangs up on receipt without answering). `stop()` closes the listener and every open connection (the engine
vanishes); `start()` opens it again on the same port. Waiting is event-driven: `wait_for(n)` blocks until n messages
arrived (or the timeout passed) and returns what came.

    with Hl7Peer() as peer:          # listening on 127.0.0.1:peer.port
        peer.policy = Policy.AE      # answers from now on
        peer.wait_for(3, timeout_s=10)
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from enum import StrEnum

from monitor.app.hl7.ack import AckCode, build_ack
from monitor.app.hl7.mllp import MllpReader, frame


class Policy(StrEnum):
    AA = "AA"
    AE = "AE"
    AR = "AR"
    SILENT = "silent"
    CLOSE = "close"


@dataclass(frozen=True)
class Received:
    message: str
    connection: int  # 1 for the first connection accepted, 2 for the next...
    answered: Policy


class Hl7Peer:
    def __init__(self, port: int = 0, policy: Policy = Policy.AA, reason: str = "refused by the test peer") -> None:
        self.policy = policy
        self.reason = reason  # the text of AE/AR answers
        self.port = port
        self.received: list[Received] = []
        self.connections = 0
        self._changed = threading.Condition()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------------------------------------

    def start(self) -> Hl7Peer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(8)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._spawn(self._accept_loop, listener)
        return self

    def stop(self) -> None:
        """Close the listener and every connection: to a sender the engine has vanished."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        with self._lock:
            open_now, self._open = self._open, set()
        for conn in open_now:
            _close(conn)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = [t for t in self._threads if t.is_alive()]

    def __enter__(self) -> Hl7Peer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    # -- what arrived -----------------------------------------------------------------------------------------------

    @property
    def messages(self) -> list[str]:
        with self._changed:
            return [r.message for r in self.received]

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[str]:
        """Block until at least `count` messages arrived (or the timeout passed); return them all."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.received) >= count, timeout=timeout_s)
            return [r.message for r in self.received]

    # -- serving ----------------------------------------------------------------------------------------------------

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="hl7-test-peer")
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # stopped
            with self._lock:
                if self._listener is not listener:
                    _close(conn)
                    return
                self._open.add(conn)
                self.connections += 1
                number = self.connections
            self._spawn(self._serve, conn, number)

    def _serve(self, conn: socket.socket, number: int) -> None:
        reader = MllpReader()
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                for message in reader.feed(data):
                    policy = self.policy
                    with self._changed:
                        self.received.append(Received(message, number, policy))
                        self._changed.notify_all()
                    if policy is Policy.CLOSE:
                        return
                    if policy is not Policy.SILENT:
                        text = self.reason if policy is not Policy.AA else ""
                        conn.sendall(frame(build_ack(message, AckCode(policy.value), text)))
        except OSError:
            return
        finally:
            with self._lock:
                self._open.discard(conn)
            _close(conn)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already shut down by the peer
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
