"""Hl7Listener: patients from the EHR (`--hl7-in PORT`): ADT^A04/A08 over MLLP into the desk's list of EHR
registrations (storage.hl7_registrations), each message answered with its ACK. Qt-free.

Threads: one thread binds the port and accepts (never the GUI thread); each connection is served on a thread of its
own with its own SQLite connection (an interface engine keeps one connection open; a reconnect while an old one
lingers is not kept waiting). Messages on a connection are answered in order, one ACK each, after the row is
committed: AA means the desk has it. A port it cannot bind (in use, not permitted) is a standing condition on every
recording chair (clinical.alarms.EHR_IN_KEY, told from this thread through app.desk_condition) and an error in the
log, retried every `retry_s`; it clears once the port is bound.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from monitor.app.alarm_service import AlarmService
from monitor.app.desk_condition import DeskCondition
from monitor.app.hl7.ack import ERR_APPLICATION_INTERNAL, AckCode, build_ack
from monitor.app.hl7.adt import DUPLICATE_KEY_IDENTIFIER, UNKNOWN_KEY_IDENTIFIER, AdtRefused, parse_adt
from monitor.app.hl7.mllp import MllpReader, frame
from monitor.app.hl7.settings import Hl7Settings
from monitor.clinical.alarms import EHR_IN_KEY
from monitor.storage import hl7_registrations as store
from monitor.storage.db import connect

log = logging.getLogger(__name__)
RETRY_S = 10.0  # clinic default: how often a port that could not be bound is tried again
POLL_S = 0.5  # how often a waiting thread looks whether the listener is stopping
MAX_MESSAGE_BYTES = 1_000_000  # an ADT message is a few kB; a connection sending more without a frame end is closed


def answer(conn: sqlite3.Connection, message: str, received_at: float) -> str:
    """The ACK for one received message, after keeping it when accepted (AA); AE/AR with the reason change nothing.
    A message resent by the engine (same sender and MSH-10) is answered AA again and kept once."""
    try:
        msg = parse_adt(message, date.fromtimestamp(received_at))
    except AdtRefused as exc:
        log.warning("HL7 message refused (%s): %s", exc.code, exc.reason)
        return build_ack(message, exc.code, exc.reason, error_code=exc.error_code)
    except Exception as exc:  # a parser fault: the sender is answered (and keeps the message), the log has it
        log.exception("HL7 message could not be read")
        return build_ack(message, AckCode.AE, f"not read at the desk: {exc}", error_code=ERR_APPLICATION_INTERNAL)
    try:
        outcome = store.record(conn, msg, message, received_at)
    except store.RegistrationRefused as exc:
        code = UNKNOWN_KEY_IDENTIFIER if msg.event == "A08" else DUPLICATE_KEY_IDENTIFIER
        log.warning("ADT^%s %s refused: %s", msg.event, msg.control_id, exc)
        return build_ack(message, AckCode.AE, str(exc), error_code=code)
    except sqlite3.Error as exc:  # the desk's database refused the write: the engine keeps it and retries
        log.exception("ADT^%s %s could not be recorded", msg.event, msg.control_id)
        return build_ack(message, AckCode.AE, f"not recorded at the desk: {exc}", error_code=ERR_APPLICATION_INTERNAL)
    said = "kept once already" if outcome is store.Recorded.REPEAT else "kept"
    log.info("ADT^%s %s for MRN %s from %s: %s", msg.event, msg.control_id, msg.mrn, msg.sender or "?", said)
    return build_ack(message, AckCode.AA)


class Hl7Listener:
    def __init__(
        self,
        port: int,
        db_path: Path,
        *,
        host: str = "",
        on_problem: Callable[[str | None], None] | None = None,
        retry_s: float = RETRY_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`host` "" listens on every interface (the interface engine is another machine); `port` 0 takes a free one
        (tests). `on_problem(text | None)` is called from the listener's thread when binding fails or works again."""
        self.port, self.db_path, self.host = port, Path(db_path), host
        self.retry_s, self.clock = retry_s, clock
        self._condition = DeskCondition(
            "the EHR patients condition", lambda service, problem: service.desk_condition(EHR_IN_KEY, problem)
        )
        if on_problem is not None:
            self._condition.add_listener(on_problem)
        self._stop = threading.Event()
        self._bound = threading.Event()
        self._tried = threading.Event()
        self._server: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"hl7-in:{port}", daemon=True)
        self._workers: list[threading.Thread] = []

    @property
    def problem(self) -> str | None:
        return self._condition.problem

    def watch_chairs(self, chairs: Callable[[], Iterable[AlarmService]]) -> None:
        """Show the condition on every chair `chairs()` gives, now or later (a next patient's chair too)."""
        self._condition.watch_chairs(chairs)

    def start(self) -> Hl7Listener:
        self._thread.start()
        return self

    def wait_first_try(self, timeout_s: float) -> bool:
        """Whether the first attempt bound the port (False: see `problem`, or the time ran out)."""
        self._tried.wait(timeout_s)
        return self._bound.is_set()

    def wait_bound(self, timeout_s: float) -> bool:
        """True once the port is bound (a later attempt's too); False when the time ran out first."""
        return self._bound.wait(timeout_s)

    def stop(self) -> None:
        """Stop listening, close every connection, wait for the threads."""
        self._stop.set()
        self._condition.watch_chairs(tuple)  # the chairs are closing
        with self._lock:
            for sock in (self._server, *self._open):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
        if self._thread.is_alive():
            self._thread.join()
        for worker in list(self._workers):
            worker.join()

    def _run(self) -> None:
        server: socket.socket | None = None
        next_try = 0.0
        try:
            while not self._stop.is_set():
                if server is None and time.monotonic() >= next_try:
                    server = self._bind()
                    self._tried.set()
                    next_try = time.monotonic() + self.retry_s
                self._condition.tell_chairs()  # each pass: a chair that started recording since is told too
                if server is None:
                    self._stop.wait(POLL_S)
                elif not self._accept(server):
                    server.close()
                    server = None
        finally:
            if server is not None:
                server.close()

    def _bind(self) -> socket.socket | None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind((self.host, self.port))
            server.listen(4)
        except OSError as exc:
            server.close()
            # short, the port first: it shares the alarm bar's row with other conditions (the log says the rest)
            if self._set_problem(f"EHR patients: port {self.port} unavailable ({exc.strerror or exc})"):
                log.error("no patients from the EHR arrive; port %d tried again every %g s", self.port, self.retry_s)
            return None
        server.settimeout(POLL_S)
        self.port = server.getsockname()[1]
        with self._lock:
            self._server = server
        self._bound.set()
        self._set_problem(None)
        log.info("listening for ADT messages from the EHR on port %d", self.port)
        return server

    def _accept(self, server: socket.socket) -> bool:
        """One wait for a connection (at most POLL_S), served on a thread of its own; False when the listening socket
        failed (it is bound again)."""
        try:
            sock, peer = server.accept()
        except TimeoutError:
            return True
        except OSError as exc:
            if not self._stop.is_set():
                self._set_problem(f"EHR patients: listening on port {self.port} failed ({exc}) — binding it again")
            return self._stop.is_set()
        worker = threading.Thread(target=self._serve, args=(sock, peer), name="hl7-in-conn", daemon=True)
        self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()
        return True

    def _serve(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        with self._lock:
            self._open.add(sock)
        log.info("EHR connection from %s:%d", *peer[:2])
        reader = MllpReader()
        conn: sqlite3.Connection | None = None
        try:
            conn = connect(self.db_path)
            sock.settimeout(POLL_S)
            unframed = 0  # bytes since the last complete message
            while not self._stop.is_set():
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    return
                messages = reader.feed(data)
                unframed = 0 if messages else unframed + len(data)
                if unframed > MAX_MESSAGE_BYTES:  # a peer that never ends a frame does not fill the desk's memory
                    log.warning("EHR connection from %s: %d bytes without a message end: closed", peer[0], unframed)
                    return
                for message in messages:
                    sock.sendall(frame(answer(conn, message, self.clock())))
        except (OSError, sqlite3.Error) as exc:
            if not self._stop.is_set():
                log.warning("EHR connection from %s:%d ended: %s", peer[0], peer[1], exc)
        finally:
            with self._lock:
                self._open.discard(sock)
            sock.close()
            if conn is not None:
                conn.close()
            if reader.garbage_bytes:
                log.warning(
                    "EHR connection from %s: %d bytes outside MLLP frames skipped", peer[0], reader.garbage_bytes
                )

    def _set_problem(self, problem: str | None) -> bool:
        """True when the condition changed (then logged)."""
        changed = self._condition.set(problem)
        if changed and problem is not None:
            log.error(problem)
        return changed


def start_listener(
    settings: Hl7Settings, db_path: Path, chairs: Callable[[], Iterable[AlarmService]]
) -> Hl7Listener | None:
    """The ADT listener `--hl7-in PORT` (or clinic.json "hl7_in") asks for, started; None when none is asked for."""
    if settings.listen_port is None:
        return None
    listener = Hl7Listener(settings.listen_port, db_path)
    listener.watch_chairs(chairs)
    return listener.start()
