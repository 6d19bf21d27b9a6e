"""Replication: the worker thread that keeps shipping the desk's local record to the clinic database.

Qt-free. It reads the local SQLite on its own connection and never holds anything the recording waits for:
acquisition, alarms and the writer go on exactly as without a clinic database. Every INTERVAL_S (or sooner when
woken) it ships what is pending (storage.replicator.ship_pending); when the server or the network is gone it
reconnects with a growing pause. When no pass has succeeded for STALL_AFTER_S the desk shows the standing
technical condition "clinic database unreachable since HH:MM — recording locally" on every chair (listeners,
AlarmService.clinic_db_problem); it clears itself when shipping resumes. A refusal (another database under this
desk's name, an older copy) is shown the same way with its reason, and retried slowly: it needs a person.

Clinic-wide accounts (issue 18): on the same thread and connection, after shipping, it pulls the clinic's accounts
into the desk's copy (app.clinic_accounts) at the first pass and every PULL_EVERY_S, so a desk signs in while the hub
is away with what the hub last said (an account disabled at the hub stops signing in here after the next pull).

Close: `stop(flush_timeout_s)` keeps shipping until nothing is pending or the time is up, and returns the rows left
(sent at the next start: where the hub is up to is the hub's own record, storage.replicator).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from monitor.app.accounts import SignInError
from monitor.app.alarm_service import AlarmService
from monitor.app.clinic_accounts import PULL_EVERY_S, ClinicAccounts
from monitor.app.desk_condition import DeskCondition, ProblemListener
from monitor.storage import db as store
from monitor.storage.hub_dsn import masked
from monitor.storage.replicator import ReplicationRefusedError, pending_rows, ship_pending
from monitor.timefmt import hm_text

log = logging.getLogger(__name__)

INTERVAL_S = 0.5  # one pass each half second: a row reaches the hub within ~1 s (lag target p99 <= 2 s, issue 17)
STALL_AFTER_S = 30.0  # clinic default (issue 17: "say > 30 s"): a stall longer than this is shown on every chair
RETRY_MAX_S = 10.0  # reconnect pause grows from INTERVAL_S to this
FLUSH_TIMEOUT_S = 10.0  # clinic default: how long a normal close waits for the pending rows to be sent
CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True, slots=True)
class ClinicDb:
    """Where a desk ships its record: the clinic database's DSN (which may hold a password: never shown, see
    __repr__ and storage.hub_dsn) and this desk's name there."""

    dsn: str
    desk: str

    def __repr__(self) -> str:
        return f"ClinicDb({masked(self.dsn)!r}, desk={self.desk!r})"

    def describe(self) -> str:
        return f"the clinic database {masked(self.dsn)} as desk {self.desk!r}"


@dataclass(frozen=True, slots=True)
class ReplicationStatus:
    connected: bool
    pending: int | None  # rows not yet on the hub (None: not known yet)
    stalled_since: float | None  # the last time shipping worked (or started), while the stall is shown
    last_shipped_at: float | None  # the last pass that reached the hub
    problem: str | None = None  # the standing condition's text, while shown
    error: str = ""  # the last failure, for the log and IT


def unreachable_text(since: float) -> str:
    return f"clinic database unreachable since {hm_text(since)} — recording locally"


def left_text(rows: int) -> str:
    """What a close says when rows are left."""
    return f"{rows} rows not yet sent to the clinic database; they will be sent at the next start"


class Replication:
    def __init__(
        self,
        db_path: Path | str,
        dsn: str,
        desk: str,
        *,
        interval_s: float = INTERVAL_S,
        stall_after_s: float = STALL_AFTER_S,
        clock: Callable[[], float] = time.time,
        accounts: ClinicAccounts | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.accounts = accounts or ClinicAccounts(dsn, desk)
        self._pulled_at: float | None = None  # monotonic; None: not yet since connecting
        self.dsn = dsn
        self.desk = desk
        self.interval_s = interval_s
        self.stall_after_s = stall_after_s
        self.clock = clock
        self._condition = DeskCondition(
            "the clinic database condition", lambda service, problem: service.clinic_db_problem(problem)
        )
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flush_until: float | None = None
        self._thread: threading.Thread | None = None
        self._hub = None
        self._connected = False
        self._pending: int | None = None
        self._marks: dict[str, int] | None = None
        self._last_ok: float | None = None
        self._started_at = clock()
        self._last_shipped_at: float | None = None
        self._problem: str | None = None
        self._error = ""

    # --- any thread ---------------------------------------------------------------------------------------------

    def add_problem_listener(self, listener: ProblemListener) -> None:
        """Told the standing condition's text when it appears (or changes) and None when it clears, on the
        replication thread; hand it on at once. A listener added while it stands is told at once."""
        self._condition.add_listener(listener)

    def watch_chairs(self, chairs: Callable[[], Iterable[AlarmService]]) -> None:
        """Show the standing condition on every chair `chairs()` gives now or later (a next patient's new chair
        too): checked on the replication thread each pass, so the chairs never wait on the network."""
        self._condition.watch_chairs(chairs)

    def start(self) -> None:
        log.info("replicating to the clinic database %s as desk %r", masked(self.dsn), self.desk)
        self._thread = threading.Thread(target=self._run, name="replication", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Something was recorded: ship now rather than at the next tick."""
        self._wake.set()

    def status(self) -> ReplicationStatus:
        with self._lock:
            return ReplicationStatus(
                connected=self._connected,
                pending=self._pending,
                stalled_since=self._stalled_since() if self._problem is not None else None,
                last_shipped_at=self._last_shipped_at,
                problem=self._problem,
                error=self._error,
            )

    def stop(self, flush_timeout_s: float = FLUSH_TIMEOUT_S) -> int:
        """Send what is pending for at most `flush_timeout_s`, stop, and return the rows left (logged). Call after
        the chairs and the writer have stopped: their last rows go too."""
        self._condition.watch_chairs(tuple)  # the chairs are closing: nothing more is shown on them
        self._flush_until = time.monotonic() + flush_timeout_s
        self._wake.set()
        if self._thread is not None:
            self._thread.join(flush_timeout_s + CONNECT_TIMEOUT_S)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(1.0)
        left = self._left()
        if left:
            log.warning(left_text(left))
        else:
            log.info("everything recorded is on the clinic database")
        return left

    # --- the replication thread ---------------------------------------------------------------------------------

    def _run(self) -> None:
        local = store.connect(self.db_path)
        retry = self.interval_s
        try:
            while not self._stop.is_set():
                # only a pass begun after stop() has seen the writer's last rows: an earlier one ends no flush
                flushing = self._flush_until is not None
                ok = self._pass(local)
                retry = self.interval_s if ok else min(2 * retry, RETRY_MAX_S)
                if self._flush_until is not None and (
                    (flushing and ok and self._pending == 0) or time.monotonic() >= self._flush_until
                ):
                    return
                self._check_stall()
                self._condition.tell_chairs()
                wait = retry if self._flush_until is None else min(retry, self.interval_s)
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            self._disconnect()
            local.close()

    def _pass(self, local) -> bool:
        import psycopg

        try:
            if self._hub is None:
                self._hub = psycopg.connect(
                    self.dsn,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_S,
                    application_name=f"infusion-monitor desk {self.desk}"[:63],
                    tcp_user_timeout=15_000,  # a server that stops answering mid-batch is a failure in 15 s
                    keepalives=1,
                    keepalives_idle=10,
                    keepalives_interval=5,
                    keepalives_count=3,
                )
                log.info("connected to the clinic database %s", masked(self.dsn))
            report = ship_pending(local, self._hub, self.desk)
            self._pull_accounts(local)
        except (psycopg.Error, OSError, ReplicationRefusedError) as exc:
            self._failed(exc)
            return False
        except Exception as exc:  # a fault of this program: logged with its trace, shown as a stall, retried
            log.exception("shipping to the clinic database failed")
            self._failed(exc)
            return False
        now = self.clock()
        with self._lock:
            self._connected = True
            self._pending = report.pending
            self._marks = report.marks
            self._last_ok = now
            if report.total:
                self._last_shipped_at = now
            self._error = ""
        self._set_problem(None)
        return True

    def _pull_accounts(self, local) -> None:
        if self._pulled_at is not None and time.monotonic() - self._pulled_at < PULL_EVERY_S:
            return
        try:
            self.accounts.pull(local, self._hub)
        except SignInError as exc:  # the hub has no pepper (an old init): shipping goes on; IT reads the log
            log.error("the clinic's accounts were not copied: %s", exc.message)
        self._pulled_at = time.monotonic()

    def _failed(self, exc: Exception) -> None:
        text = str(exc).strip() or type(exc).__name__
        with self._lock:
            first = text != self._error
            self._error = text
            self._connected = False
        if first:  # each new failure once in the log, not twice a second
            log.error("the clinic database %s: %s", masked(self.dsn), text)
        self._disconnect()
        if isinstance(exc, ReplicationRefusedError):
            self._set_problem(f"clinic database refuses this desk's record — recording locally: {text}")

    def _check_stall(self) -> None:
        with self._lock:
            since = self._stalled_since()
            stalled = self.clock() - since > self.stall_after_s and not self._connected
            refused = self._problem is not None and self._problem.startswith("clinic database refuses")
        if stalled and not refused:
            self._set_problem(unreachable_text(since))

    def _stalled_since(self) -> float:
        return self._last_ok if self._last_ok is not None else self._started_at

    def _set_problem(self, problem: str | None) -> None:
        with self._lock:
            if problem == self._problem:
                return
            self._problem = problem
        if problem is None:
            log.info("the clinic database is reachable again: shipping the backlog")
        else:
            log.warning(problem)
        self._condition.set(problem)

    def _disconnect(self) -> None:
        self._pulled_at = None  # pull again as soon as the hub is back
        hub, self._hub = self._hub, None
        if hub is not None:
            try:
                hub.close()
            except Exception:  # closing a broken connection may fail; it is gone either way
                log.debug("closing the broken clinic database connection failed", exc_info=True)

    def _left(self) -> int:
        """Rows not on the hub as far as this desk knows (the last successful pass's marks)."""
        with self._lock:
            marks = self._marks
        if marks is None and self._pending == 0:
            return 0
        conn = store.connect(self.db_path)
        try:
            return pending_rows(conn, marks or {})
        finally:
            conn.close()
