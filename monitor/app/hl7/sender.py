"""The HL7 sender: the worker thread that delivers the outbox (storage.hl7_outbox) to the EHR's interface engine
over MLLP, one message at a time, each waiting for its ACK.

Qt-free; a stdlib socket on its own thread and its own SQLite connection: the recording, the alarms and the screen
never wait on the EHR. Each pass (every PASS_INTERVAL_S, or sooner when woken) it first lets the composer put what
the record gained into the outbox, then sends every message that is due, oldest first, in order per session.

Nothing lost, nothing sent twice: a message is in the outbox (committed) before it is sent; "sent" is committed
before its bytes go out; it leaves the work list only when its ACK says AA for its own control id (MSA-2 = MSH-10).
After a crash, a lost connection or a missing ACK the same message goes again with the same control id, so an engine
that did get it (its ACK was lost) sees MSH-10 again and keeps one: at most one delivery per message as the engine
counts them, never a second message with other numbers.

The ACK policy (HL7 table 0008; the enhanced-mode CA/CE/CR read as AA/AE/AR by app.hl7.ack):
- AA: done.
- AE, "the receiving application found an error in processing the message": the error is about this message. It is
  tried again after REFUSED_RETRY_S (a cause outside the message, such as a patient the EHR has not registered yet,
  may be gone by then), and after AE_SENDS refusals it is parked: kept in the outbox, shown on the desk with the
  EHR's reason, no longer holding its session's later messages, until IT puts it back (`hl7 outbox --release`).
- AR, "failed to process the message for a reason unrelated to content or format; the sender decides whether to
  send again": the engine, not the message, is the problem (down behind its listener, busy, not configured for us).
  Sent again, same control id, after a pause growing from REFUSED_RETRY_S to REJECTED_RETRY_MAX_S; never parked by
  itself (its session's later messages wait behind it: the order holds); shown on the desk while it lasts.
- No ACK within ack_timeout_s, the connection closed, an answer that is not an ACK, or an ACK for another control id:
  the connection is dropped (a late ACK must never be taken for the next message's) and the message sent again after
  reconnecting, with a pause growing from PASS_INTERVAL_S to RETRY_MAX_S.

The desk sees (DeskCondition on every recording chair, AlarmService.desk_condition, clinical.alarms.EHR_OUT_KEY):
"EHR interface unreachable since 10:40 — 14 messages waiting since 10:42" once no connection has worked for
UNREACHABLE_AFTER_S; "EHR interface: 14 messages waiting since 10:42" once the oldest waiting message is older
than BACKLOG_AFTER_S; refusals with the EHR's reason. It clears itself when the backlog is gone.

Close: `stop(flush_timeout_s)` keeps sending until nothing is due or the time is up, and returns the messages left
(they stay in the outbox and go at the next start).
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, Protocol

from monitor.app.alarm_service import AlarmService
from monitor.app.desk_condition import DeskCondition, ProblemListener
from monitor.app.hl7.ack import Ack, AckCode, parse_ack
from monitor.app.hl7.mllp import send_and_wait_ack
from monitor.app.hl7.settings import Hl7Settings, Hl7Target
from monitor.clinical.alarms import EHR_OUT_KEY
from monitor.clinical.clinic_protocol import ClinicProtocol
from monitor.storage import db as store
from monitor.storage import hl7_outbox as outbox
from monitor.storage.hl7_outbox import DeliveryEvent, OutboxMessage
from monitor.timefmt import day_time_text, hm_text

log = logging.getLogger(__name__)

PASS_INTERVAL_S = 1.0  # a pass each second: a new message reaches the EHR within about a second
CONNECT_TIMEOUT_S = 5.0
ACK_TIMEOUT_S = 30.0  # clinic default: how long an ACK may take (interface engines commonly allow 30 s)
RETRY_MAX_S = 10.0  # reconnect pause grows from PASS_INTERVAL_S to this (as app.replication's)
UNREACHABLE_AFTER_S = 30.0  # clinic default (as the clinic database's): a failing link shown after 30 s
BACKLOG_AFTER_S = 60.0  # clinic default: a message waiting longer than 1 min makes the backlog visible
REFUSED_RETRY_S = 60.0  # clinic default: the first pause after an AE or AR
REJECTED_RETRY_MAX_S = 600.0  # clinic default: an AR'd message is tried at least every 10 min
AE_SENDS = 3  # clinic default: a message refused with AE this many times is parked
FLUSH_TIMEOUT_S = 5.0  # clinic default: how long a normal close keeps sending


class Composer(Protocol):
    """What the sender calls each pass before sending (app.hl7.composer.Composer): enqueue what the record gained,
    on the sender's connection; returns how many messages it enqueued."""

    def compose(self, conn: sqlite3.Connection, now: float) -> int: ...


@dataclass(frozen=True, slots=True)
class SenderStatus:
    connected: bool
    waiting: int  # messages not yet accepted (parked included)
    oldest_queued_at: float | None
    parked: int
    problem: str | None  # the condition shown on the desk (None: none)
    error: str  # the last failure, for the log and IT


class _LinkDown(Exception):
    """The connection failed (connect, send, no or unreadable ACK): reconnect with a pause."""


def condition_text(
    now: float,
    waiting: int,
    oldest: float | None,
    *,
    unreachable_since: float | None = None,
    not_answering: tuple[float, str] | None = None,
    refused: tuple[float, str] | None = None,
    parked: Iterable[outbox.Parked] = (),
    backlog_after_s: float = BACKLOG_AFTER_S,
) -> str | None:
    """The desk's text for the EHR interface, or None when there is nothing to show."""

    def when(t: float) -> str:  # a time of today as HH:MM, an older one with its day (a message parked for days)
        return hm_text(t) if now - t < 12 * 3600 else day_time_text(t)

    parked = list(parked)
    parts = []
    if unreachable_since is not None:
        parts.append(f"EHR interface unreachable since {when(unreachable_since)}")
    elif not_answering is not None:
        parts.append(f"EHR interface not answering since {when(not_answering[0])} ({not_answering[1]})")
    if refused is not None:
        parts.append(f"EHR interface refusing messages since {when(refused[0])} ({refused[1]})")
    if parked:
        count = "1 message" if len(parked) == 1 else f"{len(parked)} messages"
        parts.append(f"{count} refused by the EHR ({parked[-1].reason}), kept unsent for IT")
    late = oldest is not None and now - oldest >= backlog_after_s
    if waiting and (parts or late):
        since = f" since {when(oldest)}" if oldest is not None else ""
        backlog = f"{waiting} message{'' if waiting == 1 else 's'} waiting{since}"
        parts.append(backlog if parts else f"EHR interface: {backlog}")
    return " — ".join(parts) or None


class Hl7Sender:
    def __init__(
        self,
        db_path: Path | str,
        target: Hl7Target,
        *,
        composer: Composer | None = None,
        clock: Callable[[], float] = time.time,
        interval_s: float = PASS_INTERVAL_S,
        ack_timeout_s: float = ACK_TIMEOUT_S,
        unreachable_after_s: float = UNREACHABLE_AFTER_S,
        backlog_after_s: float = BACKLOG_AFTER_S,
        refused_retry_s: float = REFUSED_RETRY_S,
    ) -> None:
        self.db_path = Path(db_path)
        self.target = target
        self.composer = composer
        self.clock = clock
        self.interval_s = interval_s
        self.ack_timeout_s = ack_timeout_s
        self.unreachable_after_s = unreachable_after_s
        self.backlog_after_s = backlog_after_s
        self.refused_retry_s = refused_retry_s
        self._condition = DeskCondition(
            "the EHR interface condition", lambda service, problem: service.desk_condition(EHR_OUT_KEY, problem)
        )
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flush_until: float | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._retry_at = 0.0  # monotonic: no connection attempt before
        self._retry = interval_s
        self._failing_since: float | None = None  # the first failure of the current streak (wall clock)
        self._reached = False  # the last connection attempt connected (a failure since is in the exchange)
        self._exchange_error = ""  # why the last exchange failed (no ACK, not an ACK, another message's ACK)
        self._fault = ""  # a fault of this program in the last pass (shown; the pass is tried again)
        self._refused: tuple[float, str] | None = None  # the EHR refuses (AE/AR) since, its reason; None at an AA
        self._compose_error = ""
        self._error = ""
        self._waiting: tuple[int, float | None] = (0, None)
        self._parked: list[outbox.Parked] = []

    # --- any thread ---------------------------------------------------------------------------------------------

    def add_problem_listener(self, listener: ProblemListener) -> None:
        """Told the desk's text when it appears or changes and None when it clears, on the sender's thread."""
        self._condition.add_listener(listener)

    def watch_chairs(self, chairs: Callable[[], Iterable[AlarmService]]) -> None:
        """Show the condition on every chair `chairs()` gives, now or later (checked each pass)."""
        self._condition.watch_chairs(chairs)

    def start(self) -> None:
        log.info("sending results to the EHR at %s (HL7 v2 over MLLP)", self.target)
        self._thread = threading.Thread(target=self._run, name="hl7-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Something was recorded or enqueued: compose and send now rather than at the next pass."""
        self._wake.set()

    def status(self) -> SenderStatus:
        with self._lock:
            return SenderStatus(
                connected=self._sock is not None,
                waiting=self._waiting[0],
                oldest_queued_at=self._waiting[1],
                parked=len(self._parked),
                problem=self._condition.problem,
                error=self._error,
            )

    def stop(self, flush_timeout_s: float = FLUSH_TIMEOUT_S) -> int:
        """Compose and send what is due for at most `flush_timeout_s`, stop, and return the messages left (logged).
        Call after the chairs and the writer have stopped: what they recorded last is composed too."""
        self._condition.watch_chairs(tuple)  # the chairs are closing: nothing more is shown on them
        self._flush_until = time.monotonic() + flush_timeout_s
        self._retry_at = 0.0  # a closing desk tries once more at once
        self._wake.set()
        if self._thread is not None:
            self._thread.join(flush_timeout_s + CONNECT_TIMEOUT_S + 1.0)
        self._stop.set()
        self._wake.set()
        sock = self._sock
        if sock is not None and self._thread is not None and self._thread.is_alive():
            with contextlib.suppress(OSError):  # ends a wait for an ACK that is not coming: the message stays
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(CONNECT_TIMEOUT_S + 1.0)
        conn = store.connect(self.db_path)
        try:
            left, _ = outbox.waiting(conn)
        finally:
            conn.close()
        if left:
            log.warning(left_text(left))
        else:
            log.info("every message for the EHR was accepted")
        return left

    # --- the sender's thread ------------------------------------------------------------------------------------

    def _run(self) -> None:
        conn = store.connect(self.db_path)
        try:
            while not self._stop.is_set():
                flushing = self._flush_until is not None  # a pass begun after stop() saw the last records
                sent_all, pause = self._guarded_pass(conn)
                if self._flush_until is not None and ((flushing and sent_all) or time.monotonic() >= self._flush_until):
                    return
                self._wake.wait(pause)
                self._wake.clear()
        finally:
            self._disconnect()
            conn.close()

    def _guarded_pass(self, conn: sqlite3.Connection) -> tuple[bool, float]:
        """A pass and what the desk is shown; whether nothing due is left, and the pause until the next pass. A
        fault of this program (a database error, a bug) is logged with its trace once, shown on the desk, and the
        pass tried again on a fresh connection after the reconnect pause: the sender never stops by itself."""
        try:
            sent_all = self._pass(conn)
            self._show(conn)
            pause = self._pause(conn)
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}"
            if text != self._fault:
                log.exception("sending to the EHR failed")
            self._fault = text
            self._disconnect()  # the exchange may be cut in the middle
            self._back_off()
            self._condition.set(f"EHR interface: sending failed ({text}), trying again")
            self._condition.tell_chairs()
            return False, self.interval_s
        self._fault = ""
        return sent_all, pause

    def _pass(self, conn: sqlite3.Connection) -> bool:
        """Compose, then send every due message; True when nothing due is left unsent."""
        self._compose(conn)
        if self._sock is not None and self._peer_closed():
            self._disconnect()
        if self._sock is None and time.monotonic() < self._retry_at:
            return False  # still pausing after a failure
        try:
            if self._sock is None:
                self._connect()
            while (message := outbox.next_due(conn, self.clock())) is not None:
                self._deliver(conn, message)
                if self._stop.is_set():
                    return False
        except _LinkDown as exc:
            self._link_failed(str(exc))
            return False
        return True

    def _compose(self, conn: sqlite3.Connection) -> None:
        if self.composer is None:
            return
        try:
            made = self.composer.compose(conn, self.clock())
        except Exception as exc:  # a fault of this program: logged with its trace once, shown, sending goes on
            text = f"{type(exc).__name__}: {exc}"
            if text != self._compose_error:
                log.exception("making the messages for the EHR failed")
            self._compose_error = text
            return
        self._compose_error = ""
        if made:
            log.debug("%d messages for the EHR queued", made)

    def _connect(self) -> None:
        try:
            self._sock = socket.create_connection((self.target.host, self.target.port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            self._reached = False
            raise _LinkDown(f"cannot connect to {self.target}: {exc.strerror or exc}") from None
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        log.info("connected to the EHR interface %s", self.target)
        if not self._reached:  # reachable again; whether it answers, the next exchange says
            self._failing_since = None
        self._reached = True

    def _peer_closed(self) -> bool:
        """An idle connection the engine closed (or wrote to unasked): dropped, so the next send is not lost on it."""
        assert self._sock is not None
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
            if not readable:
                return False
            data = self._sock.recv(4096, socket.MSG_PEEK)
        except OSError:
            return True
        if data:
            log.warning("the EHR interface sent %d bytes nobody asked for: reconnecting", len(data))
        return True

    def _deliver(self, conn: sqlite3.Connection, message: OutboxMessage) -> None:
        if message.unacknowledged:
            log.info(
                "resending %s (control id %s): its last send got no ACK; the same id lets the EHR keep one",
                message.key,
                message.control_id,
            )
        outbox.record_sent(conn, message.id, self.clock())
        assert self._sock is not None
        try:
            reply = send_and_wait_ack(self._sock, message.message, self.ack_timeout_s)
        except (OSError, TimeoutError) as exc:
            self._failed_send(conn, message, str(exc) or type(exc).__name__)
        try:
            ack = parse_ack(reply)
        except ValueError as exc:
            self._failed_send(conn, message, f"the answer is not an ACK: {exc}")
        if ack.control_id != message.control_id:
            self._failed_send(conn, message, f"an ACK for {ack.control_id!r}, not for {message.control_id!r}")
        self._link_ok()
        self._answered(conn, message, ack)

    def _failed_send(self, conn: sqlite3.Connection, message: OutboxMessage, reason: str) -> NoReturn:
        outbox.record_retry(conn, message.id, self.clock(), DeliveryEvent.FAILED, reason, retry_at=0.0)
        self._exchange_error = reason
        raise _LinkDown(f"{message.key} (control id {message.control_id}): {reason}")

    def _answered(self, conn: sqlite3.Connection, message: OutboxMessage, ack: Ack) -> None:
        now = self.clock()
        reason = f"{ack.code.value}: {ack.text or 'no reason given'}"
        if ack.code is AckCode.AA:
            outbox.record_accepted(conn, message.id, now)
            self._refused = None
            return
        if self._refused is None:
            self._refused = (now, reason)
        sends = message.attempts + 1
        if ack.code is AckCode.AE:
            if sends >= AE_SENDS:
                outbox.record_parked(conn, message.id, now, DeliveryEvent.ERROR, reason)
                log.error("the EHR refused %s %d times (%s): parked, kept for IT", message.key, sends, reason)
            else:
                outbox.record_retry(conn, message.id, now, DeliveryEvent.ERROR, reason, now + self.refused_retry_s)
                log.warning("the EHR refused %s (%s): trying again in %g s", message.key, reason, self.refused_retry_s)
            return
        pause = min(self.refused_retry_s * 2 ** (sends - 1), REJECTED_RETRY_MAX_S)
        outbox.record_retry(conn, message.id, now, DeliveryEvent.REJECTED, reason, now + pause)
        log.warning("the EHR rejected %s (%s): the same message again in %g s", message.key, reason, pause)

    def _link_ok(self) -> None:
        self._retry = self.interval_s
        self._failing_since = None
        with self._lock:
            self._error = ""

    def _link_failed(self, text: str) -> None:
        self._disconnect()
        first = text != self._error
        with self._lock:
            self._error = text
        if first:  # each new failure once in the log, not once a pass
            log.error("the EHR interface %s: %s", self.target, text)
        if self._failing_since is None:
            self._failing_since = self.clock()
        self._back_off()

    def _back_off(self) -> None:
        """No connection attempt for a pause that doubles at each failure in a row, up to RETRY_MAX_S."""
        self._retry_at = time.monotonic() + self._retry
        self._retry = min(2 * self._retry, RETRY_MAX_S)

    def _pause(self, conn: sqlite3.Connection) -> float:
        """Until the next pass: the pass interval, or sooner when a refused message's pause ends."""
        pause = self.interval_s
        retry_at = outbox.next_retry_at(conn)
        if retry_at is not None and retry_at > self.clock():
            pause = min(pause, max(retry_at - self.clock(), 0.05))
        return pause

    def _show(self, conn: sqlite3.Connection) -> None:
        now = self.clock()
        waiting = outbox.waiting(conn)
        parked = outbox.parked(conn)
        with self._lock:
            self._waiting = waiting
            self._parked = parked
        failing = self._failing_since
        shown = failing is not None and now - failing >= self.unreachable_after_s
        text = condition_text(
            now,
            *waiting,
            unreachable_since=failing if shown and not self._reached else None,
            not_answering=(failing, self._exchange_error) if shown and self._reached else None,
            refused=self._refused,
            parked=parked,
            backlog_after_s=self.backlog_after_s,
        )
        if self._compose_error:
            text = f"EHR interface: messages could not be made ({self._compose_error})" + (f" — {text}" if text else "")
        if self._condition.set(text):
            if text is None:
                log.info("the EHR interface is up to date")
            else:
                log.warning(text)
        self._condition.tell_chairs()

    def _disconnect(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):  # a broken connection may fail to close; it is gone either way
                sock.close()


def left_text(count: int) -> str:
    """What a close says when messages are left."""
    return f"{count} messages for the EHR not yet accepted; they stay in the outbox and are sent at the next start"


def desk_name(clinic: ClinicProtocol, clinic_db_desk: str | None) -> str:
    """This desk's name in its messages (MSH-3's namespace, PV1-3's facility): its name on the clinic database,
    else clinic.json's "desk", else the host name."""
    return clinic_db_desk or clinic.desk or socket.gethostname()


def start_sender(
    db_path: Path, settings: Hl7Settings, desk: str, chairs: Callable[[], Iterable[AlarmService]]
) -> Hl7Sender | None:
    """The sender and its composer on their own thread, when results go to an EHR (`settings.out`); the chairs
    `chairs()` gives show its condition. None: no EHR interface."""
    from monitor.app.hl7.composer import Composer

    if settings.out is None:
        return None
    sender = Hl7Sender(db_path, settings.out, composer=Composer(settings, desk))
    sender.watch_chairs(chairs)
    sender.start()
    return sender


def stop_sender(sender: Hl7Sender | None) -> str | None:
    """After the chairs and the writer: a bounded flush; what a close says (None: nothing to say)."""
    if sender is None:
        return None
    left = sender.stop()
    return left_text(left) if left else None
