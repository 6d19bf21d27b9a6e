"""HubWatch: other desks' live sessions from the clinic database, pushed (issue 17 point 4).

Qt-free; its own thread with its own connection (network I/O never on the GUI thread). It LISTENs on the
replicator's NOTIFY_CHANNEL: a notice names the desk that shipped and its tables, and
only that desk's rows above the ids already seen are read (monitor.storage.hub_live.new_rows). What is read goes
into a queue as one DeskRows per desk; the GUI thread drains it into a RemoteDesks model (monitor.app.remote_chair),
whose chairs the station's cards read. Nobody polls the hub every second.

A slow safety re-read (every RESYNC_S, incremental like a notice, so it costs a few index look-ups) covers what
NOTIFY cannot: a notice is delivered only to a connected listener, so one sent while this connection was being
made again is lost, and a desk whose program ships without notifying (an older version) would never be seen.
A lost connection is never hidden: status() says since when nothing was read, the cards say it, and the watcher
connects again every RETRY_S; on reconnecting it re-reads every desk from its marks, so nothing is missed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from monitor.app.remote_chair import RemoteDesks
from monitor.storage.hub_live import LIVE_TABLES, DeskRows, first_look, new_rows, other_desks, parse_notice
from monitor.storage.replicator import NOTIFY_CHANNEL as CHANNEL
from monitor.timefmt import hm_text

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

RESYNC_S = 30.0  # the safety re-read (see the module docstring); this program's default
RETRY_S = 2.0  # connecting again after a failure
WAIT_S = 0.5  # how long the thread waits for a notice before it looks at its stop flag
PING_S = 5.0  # a quiet connection is checked this often (TCP keepalives too: a pulled cable shows in ~11 s)
CONNECT = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}


@dataclass(frozen=True, slots=True)
class HubStatus:
    connected: bool
    last_read_at: float | None  # the last time the clinic database answered (None: never yet)
    error: str = ""
    notices: int = 0  # notices received from other desks
    reads: int = 0  # batches put in the queue


class HubWatch:
    def __init__(
        self,
        dsn: str,
        desk: str,
        *,
        resync_s: float = RESYNC_S,
        retry_s: float = RETRY_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`desk`: this desk's name; its own rows are not shown as another desk's."""
        self.dsn = dsn
        self.desk = desk
        self.resync_s = resync_s
        self.retry_s = retry_s
        self.clock = clock
        self.batches: queue.Queue[DeskRows] = queue.Queue()
        self._marks: dict[str, dict[str, int]] = {}  # desk -> table -> last id read
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Condition()  # notified on every change of the status
        self._status = HubStatus(False, None)

    # --- control --------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hub-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def status(self) -> HubStatus:
        with self._lock:
            return self._status

    def wait_for(self, predicate: Callable[[HubStatus], bool], timeout: float) -> HubStatus:
        """Block until the status satisfies `predicate` (woken by each change, not polled); the status then."""
        with self._lock:
            self._lock.wait_for(lambda: predicate(self._status), timeout)
            return self._status

    def drain(self, model: RemoteDesks) -> int:
        """Apply what was read into `model` (on the model's thread); the number of batches applied."""
        n = 0
        while True:
            try:
                batch = self.batches.get_nowait()
            except queue.Empty:
                break
            model.apply(batch)
            n += 1
        status = self.status()
        model.set_hub(status.last_read_at, status.connected)
        return n

    # --- the thread -------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._watch()
            except Exception as exc:  # psycopg.Error and whatever else: shown on the cards, then try again
                log.warning("clinic database: %s", exc)
                self._set(connected=False, error=str(exc).strip() or type(exc).__name__)
            self._stop.wait(self.retry_s)

    def _watch(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True, **CONNECT) as conn:
            conn.execute(f"LISTEN {CHANNEL}")  # before the first read: nothing shipped after it is missed
            self._read_all(conn)
            next_resync = next_ping = time.monotonic() + self.resync_s
            while not self._stop.is_set():
                due: dict[str, set[str]] = {}
                for notice in conn.notifies(timeout=WAIT_S, stop_after=1):  # those of one packet come together
                    parsed = parse_notice(notice.payload)
                    if parsed is None:
                        log.warning("unexpected notice on %s: %r; re-reading every desk", CHANNEL, notice.payload)
                        next_resync = 0.0
                    elif parsed[0] != self.desk:
                        due.setdefault(parsed[0], set()).update(parsed[1])
                        self._count(notices=1)
                for desk, tables in due.items():
                    self._read_desk(conn, desk, tables)
                now = time.monotonic()
                if now >= next_resync:
                    self._read_all(conn)
                    next_resync = now + self.resync_s
                elif now >= next_ping:
                    conn.execute("SELECT 1")  # a server gone quiet shows here too, not only when a desk ships
                if due or now >= next_ping:
                    next_ping = now + PING_S
                    self._set(connected=True)

    def _read_all(self, conn: psycopg.Connection) -> None:
        """Every other desk with an open session, and every desk already held (its sessions may have closed)."""
        for desk in sorted(set(other_desks(conn, self.desk)) | set(self._marks)):
            self._read_desk(conn, desk, LIVE_TABLES)
        self._set(connected=True)

    def _read_desk(self, conn: psycopg.Connection, desk: str, tables: Iterable[str]) -> None:
        marks = self._marks.get(desk)
        if marks is None:
            self._marks[desk], batch = first_look(conn, desk)
        else:
            batch = new_rows(conn, desk, marks, tables)
        self.batches.put(batch)
        self._count(reads=1)

    def _count(self, **more: int) -> None:
        with self._lock:
            self._status = replace(self._status, **{k: getattr(self._status, k) + n for k, n in more.items()})
            self._lock.notify_all()

    def _set(self, connected: bool, error: str = "") -> None:
        with self._lock:
            s = self._status
            if connected:
                self._status = HubStatus(True, self.clock(), "", s.notices, s.reads)
            else:
                self._status = HubStatus(False, s.last_read_at, error, s.notices, s.reads)
            self._lock.notify_all()


class OtherDesks:
    """What the station shows of the other desks: the watcher, the model it feeds, and the clinic's settings.

    `alarms`: the other desks' high-priority alarms go into this station's alarm bar, marked with their desk.
    They never sound here (clinic default): the alarm sounds at the desk that records the chair, whose nurse
    answers and acknowledges it; a second desk sounding it could not silence it and would only add alarm noise."""

    def __init__(self, watch: HubWatch, alarms: bool, model: RemoteDesks | None = None) -> None:
        self.watch = watch
        self.model = model or RemoteDesks()
        self.alarms = alarms

    def refresh(self) -> None:
        """On the model's thread (the GUI's): apply what the watcher read."""
        self.watch.drain(self.model)

    def status_text(self) -> str:
        """The heading of the other desks' cards: where they come from, or since when nothing has."""
        if self.model.hub_lost:
            since = self.model.lost_since
            return "Other desks: no data from the clinic database " + (f"since {hm_text(since)}" if since else "yet")
        return "Other desks (read-only, from the clinic database)"

    def stop(self) -> None:
        self.watch.stop()
