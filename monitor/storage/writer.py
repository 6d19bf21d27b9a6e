"""SessionWriter: the one thread that writes to the database.

Any thread may call the public methods. `add_*` only put rows on a queue and return at once (the serial worker
must never wait for the disk). The writer thread owns the sqlite3 connection (created inside it), collects rows
and commits them in one transaction at least every `flush_interval` seconds. Calls that need an answer
(`open_session`, `end_session`, `flush`) wait for their own commit.

A failing write (disk full, database made read-only, locked) loses nothing: the rows stay in memory, `healthy`
turns False with `last_error` saying why, and every later tick tries again until the disk takes them.

One bad row never stops the writer: a sample that is not a finite number inside its physical range
(monitor.params) is not written, and a batch the database refuses for its data (a constraint, a value SQLite
cannot bind) is split in halves until the offending rows are found. Those rows go to the `quarantine` table with
the reason, counted in `quarantined` and logged without their values; the rest are committed. Only the
OperationalError family (disk, lock, read-only) means "not writable". Nurse entries are written before the
queued samples and whatever happens to them, so they never wait behind a sample.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from monitor.devices.events import DeviceStatus, OtherValue, Sample
from monitor.params import value_problem
from monitor.storage.chain_anchor import record_heads
from monitor.storage.db import EntryRow, connect, insert_entry
from monitor.storage.unsaved import save_unsaved
from monitor.storage.wave_blocks import INSERT_WAVE_BLOCK, WaveBlocker, WaveBlockLike

log = logging.getLogger(__name__)

_INSERT_SAMPLE = "INSERT INTO samples (session_id, param, t, host_t, value, flags) VALUES (?, ?, ?, ?, ?, ?)"
_INSERT_LINK = "INSERT INTO link_events (session_id, t, state, detail) VALUES (?, ?, ?, ?)"
_INSERT_STATUS = "INSERT INTO device_status (session_id, t, host_t, conditions, unavailable) VALUES (?, ?, ?, ?, ?)"
_INSERT_ALARM = (
    "INSERT INTO alarm_events (session_id, t, action, key, message, priority, category, value, limit_value, who)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_OTHER = (
    "INSERT INTO other_values (session_id, code, label, unit, t, host_t, value, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_QUARANTINE = "INSERT INTO quarantine (at, session_id, target, row, reason) VALUES (?, ?, ?, ?, ?)"
_STOP = object()
# What the database (or binding a parameter) raises for a row's data, not for the disk: the row is quarantined.
# OperationalError (disk full, read-only, locked, I/O) is deliberately absent: those rows are held and retried.
DATA_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.DataError,
    sqlite3.ProgrammingError,
    sqlite3.InterfaceError,
    sqlite3.NotSupportedError,
    OverflowError,
    TypeError,
    ValueError,
)


class SessionWriter:
    def __init__(self, db_path: Path | str, *, flush_interval: float = 0.5) -> None:
        self.db_path = Path(db_path)
        self.flush_interval = min(flush_interval, 1.0)  # samples reach the disk at least every second
        self.samples_written = 0
        self.commits = 0
        self.healthy = True
        self.last_error: str | None = None
        self.quarantined = 0  # rows set aside in the quarantine table (never written as data)
        self.last_quarantine: str | None = None  # why the latest one was
        self._queue: queue.Queue[Any] = queue.Queue()
        self._samples: list[tuple] = []
        self._rows: list[tuple[str, tuple]] = []
        self._held: list[tuple[Callable, Future, dict | None]] = []  # entries waiting for a writable database
        self._waves: dict[int, WaveBlocker] = {}  # per session: waves until a ~10 s block is complete (writer thread)
        self._thread: threading.Thread | None = None
        self._ready: Future[None] = Future()

    def __enter__(self) -> SessionWriter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Rows received but not yet on disk (read from any thread; approximate while writing)."""
        return len(self._samples) + len(self._rows) + len(self._held) + self._queue.qsize()

    def start(self) -> None:
        """Start the thread and open the database; raises what opening it raised."""
        self._thread = threading.Thread(target=self._run, name="session-writer", daemon=True)
        self._thread.start()
        self._ready.result(timeout=30)

    # --- callers' side ------------------------------------------------------------------------------------

    def open_session(
        self,
        source: str,
        protocol: str,
        capture_path: str | None = None,
        started_at: float | None = None,
        timebase: str = "host",
        chair: str | None = None,
    ) -> int:
        started = time.time() if started_at is None else started_at

        def insert(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO sessions (started_at, source, protocol, capture_path, timebase, chair)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (started, source, protocol, capture_path, timebase, chair),
            )
            return int(cur.lastrowid)

        return self._call(insert)

    def resume_session(self, session_id: int, now: float, last_sample: float | None) -> None:
        """Continue an open session after a crash: the time without data is recorded as a gap."""
        since = "the start" if last_sample is None else f"{last_sample:.3f}"
        detail = f"program restarted; no data recorded from {since} to {now:.3f}"
        self._call(
            lambda conn: conn.execute(
                "INSERT INTO link_events (session_id, t, state, detail) VALUES (?, ?, 'gap', ?)",
                (session_id, now, detail),
            )
        )

    def end_session(self, session_id: int, ended_at: float) -> None:
        self._queue.put(("drain", session_id))  # the session's last partial wave blocks, before it ends
        self._call(lambda conn: conn.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (ended_at, session_id)))

    def add_samples(self, session_id: int, samples: Iterable[Sample]) -> None:
        rows = [(session_id, s.param, s.time, s.host_time, s.value, int(s.flags)) for s in samples]
        if rows:
            self._queue.put(("samples", rows))

    def add_other_values(self, session_id: int, values: Iterable[OtherValue]) -> None:
        """The numerics no canonical parameter maps, as the monitor sent them (a None value: it sent no number)."""
        rows = [
            (_INSERT_OTHER, (session_id, v.code, v.label, v.unit, v.t, v.host_t, v.value, v.state)) for v in values
        ]
        if rows:
            self._queue.put(("rows", rows))

    def add_waves(self, session_id: int, blocks: Iterable[WaveBlockLike]) -> None:
        """The decoder's WaveBlocks (arrival order per wave): stored as ~10 s compressed blocks (storage.wave_blocks).
        A partial block reaches the disk when it is complete, on flush, at the session's end and on close."""
        blocks = list(blocks)
        if blocks:
            self._queue.put(("waves", (session_id, blocks)))

    def add_status(self, session_id: int, status: DeviceStatus) -> None:
        conditions = json.dumps(sorted(c.value for c in status.conditions))
        unavailable = json.dumps({param: state.value for param, state in status.unavailable})
        self._queue.put(("row", (_INSERT_STATUS, (session_id, status.time, status.host_time, conditions, unavailable))))

    def add_alarm_event(
        self,
        session_id: int,
        t: float,
        action: str,
        key: str,
        message: str,
        priority: str | None = None,
        category: str | None = None,
        value: float | None = None,
        limit_value: float | None = None,
        who: str = "",
    ) -> None:
        row = (session_id, t, action, key, message, priority, category, value, limit_value, who)
        self._queue.put(("row", (_INSERT_ALARM, row)))

    def add_link_event(self, session_id: int, t: float, state: str, detail: str = "") -> None:
        self._queue.put(("row", (_INSERT_LINK, (session_id, t, state, detail))))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is committed. False if it is not on disk within `timeout`."""
        done: Future[bool] = Future()
        self._queue.put(("flush", done))
        try:
            return done.result(timeout)
        except TimeoutError:
            return False

    def close(self, timeout: float = 10.0) -> None:
        if self._thread is None or not self._thread.is_alive():
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("database writer did not finish within %.0f s; %d rows pending", timeout, self.pending)

    def submit(self, fn: Callable[[sqlite3.Connection], Any], *, durable: bool = False) -> Future[Any]:
        """Run `fn(conn)` in its own transaction on the writer thread; the future holds its result.

        `durable` commits with synchronous=FULL: the row is fsynced before the future completes, so a nurse's
        entry survives a power cut once the UI has confirmed it.
        """
        result: Future[Any] = Future()
        self._queue.put(("call", (fn, result, durable, None)))
        return result

    def add_entry(self, row: EntryRow) -> Future[int]:
        """Store one nurse entry durably; the future holds its id (or the error that refused it)."""

        done: Future[int] = Future()
        self._queue.put(("call", (partial(insert_entry, row=row), done, True, asdict(row))))
        return done

    def _call(self, fn: Callable[[sqlite3.Connection], Any], timeout: float = 30.0) -> Any:
        return self.submit(fn).result(timeout)

    # --- writer thread ------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            conn = connect(self.db_path)
        except Exception as exc:
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        last_commit = time.monotonic()
        flush_waiters: list[Future[bool]] = []
        try:
            while True:
                wait = max(0.0, self.flush_interval - (time.monotonic() - last_commit))
                try:
                    item = self._queue.get(timeout=wait)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    break
                if item is not None:
                    kind, payload = item
                    if kind == "samples":
                        self._samples += payload
                    elif kind == "row":
                        self._rows.append(payload)
                    elif kind == "rows":
                        self._rows += payload
                    elif kind == "waves":
                        self._take_waves(*payload)
                    elif kind == "drain":
                        self._drain_waves(payload)
                    elif kind == "flush":
                        self._drain_waves()
                        flush_waiters.append(payload)
                    elif kind == "call":
                        self._run_call(conn, *payload)
                        last_commit = time.monotonic()
                due = time.monotonic() - last_commit >= self.flush_interval
                # Items are FIFO: when a flush marker arrives, everything queued before it is in memory.
                if due or flush_waiters:
                    ok = self._write_all(conn)
                    last_commit = time.monotonic()
                    if ok:
                        self._mark_healthy()
                        for waiter in flush_waiters:
                            waiter.set_result(True)
                        flush_waiters.clear()
            # Last chance on close: keep trying briefly so a passing fault does not cost the tail.
            self._drain_waves()
            for _ in range(5):
                if self._write_all(conn):
                    break
                time.sleep(0.2)
            for waiter in flush_waiters:
                waiter.set_result(not (self._samples or self._rows or self._held))
            self._give_up_held()
        finally:
            conn.close()

    def _take_waves(self, session_id: int, blocks: list[WaveBlockLike]) -> None:
        blocker = self._waves.setdefault(session_id, WaveBlocker(session_id))
        for block in blocks:
            self._rows += [(INSERT_WAVE_BLOCK, row) for row in blocker.add(block)]

    def _drain_waves(self, session_id: int | None = None) -> None:
        """Partial wave blocks to rows: one session's (it ends) or all (flush, close)."""
        ids = list(self._waves) if session_id is None else [session_id]
        for sid in ids:
            blocker = self._waves.pop(sid, None)
            if blocker is not None:
                self._rows += [(INSERT_WAVE_BLOCK, row) for row in blocker.drain()]

    def _run_call(
        self, conn: sqlite3.Connection, fn: Callable, result: Future, durable: bool, record: dict | None
    ) -> None:
        # A nurse entry (durable) goes first, before the queued samples and whatever becomes of them: it never
        # waits behind a sample. One that cannot be written now is held in memory and retried every tick, in
        # order: its future completes once it is on disk. Other calls keep the callers' order: queued rows first.
        if durable:
            self._held.append((fn, result, record))
            if self._write_all(conn):
                self._mark_healthy()
            return
        # Tried even when the queued rows are refused: a small update (ending the session) or a pragma may still
        # succeed, and the held rows keep their own order.
        self._commit(conn)
        self._execute(conn, fn, result, durable=False)

    def _write_all(self, conn: sqlite3.Connection) -> bool:
        """Held entries first, then the queued rows, each tried whatever became of the other; True when all are in."""
        entries = self._retry_held(conn)
        rows = self._commit(conn)
        return entries and rows

    def _retry_held(self, conn: sqlite3.Connection) -> bool:
        """Write held entries in order; False while the database still refuses them."""
        while self._held:
            fn, result, _record = self._held[0]
            if not self._execute(conn, fn, result, durable=True):
                return False
            self._held.pop(0)
        return True

    @staticmethod
    def _anchor(conn: sqlite3.Connection) -> None:
        """The chains' new heads outside the file (storage.chain_anchor), after the entry is committed. A failure
        costs the cut-tail check its newest rows, never the entry: said in the log, not raised."""
        try:
            record_heads(conn)
        except (OSError, sqlite3.Error) as exc:
            log.error("could not anchor the chains' heads outside the database: %s", exc)

    def _give_up_held(self) -> None:
        """Closing with entries the database never took: save them beside it, say where, lose nothing."""
        if not self._held:
            return
        records = [record for _fn, _result, record in self._held if record is not None]
        try:
            path = save_unsaved(self.db_path, records)
        except OSError as exc:  # the same full disk: the log (stderr) is the last place left to say so
            # counts, sessions and kinds only: entry texts are patient data and the log goes to the system journal
            log.critical(
                "%d entries NOT saved (%s and %s refused them): sessions %s, kinds %s",
                len(records),
                self.db_path,
                exc,
                sorted({r.get("session_id") for r in records}, key=str),
                sorted({str(r.get("kind")) for r in records}),
            )
            where = "could not be saved anywhere: write it down on paper"
        else:
            log.error("%d entries could not be written to %s; saved to %s", len(records), self.db_path, path)
            where = f"entry saved to {path}"
        for _fn, result, _record in self._held:
            result.set_exception(sqlite3.OperationalError(f"database not writable; {where}"))
        self._held.clear()

    def _execute(self, conn: sqlite3.Connection, fn: Callable, result: Future, durable: bool) -> bool:
        """Run one call in its own transaction. True when finished (committed, or failed for good); False when
        the database refused a durable call for now (disk full, read-only, locked): it stays held."""
        try:
            if durable:
                conn.execute("PRAGMA synchronous=FULL")
            conn.execute("BEGIN")
            value = fn(conn)
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            _rollback(conn)
            if durable:
                self._note_failure(exc)
                return False
            result.set_exception(exc)
            return True
        except Exception as exc:
            _rollback(conn)
            result.set_exception(exc)
            return True
        finally:
            if durable:
                conn.execute("PRAGMA synchronous=NORMAL")
        # an entry is confirmed once its chain head is anchored outside the file too; the other calls (a session
        # opened, ended) move the record chain (storage.record_chain)
        self._anchor(conn)
        result.set_result(value)
        return True

    def _note_failure(self, exc: Exception) -> None:
        if self.healthy or self.last_error != str(exc):
            log.error("cannot write to %s (%s); keeping %d rows in memory", self.db_path, exc, self.pending)
        self.healthy, self.last_error = False, str(exc)

    def _mark_healthy(self) -> None:
        """Healthy again only when nothing the disk refused is still waiting (a pragma succeeding is not enough)."""
        if self._samples or self._rows or self._held:
            return
        if not self.healthy:
            log.info("database %s writable again; buffered rows written", self.db_path)
        self.healthy = True

    def _commit(self, conn: sqlite3.Connection) -> bool:
        """Write the queued rows in one transaction, bad rows quarantined; False (rows kept) when the database
        is not writable."""
        if not (self._samples or self._rows):
            return True
        items = [(_INSERT_SAMPLE, row) for row in self._samples] + self._rows
        good: list[tuple[str, tuple]] = []
        bad: list[tuple[str, tuple, str]] = []
        for sql, row in items:  # samples that cannot be readings never reach the table
            problem = _row_problem(sql, row)
            if problem is None:
                good.append((sql, row))
            else:
                bad.append((sql, row, problem))
        try:
            conn.execute("BEGIN")
            refused = _write_or_split(conn, good)
            bad += refused
            now = time.time()
            conn.executemany(_INSERT_QUARANTINE, [_quarantine_row(now, *b) for b in bad])
            conn.execute("COMMIT")
        except (sqlite3.Error, *DATA_ERRORS) as exc:  # the disk (or the quarantine itself): keep everything
            _rollback(conn)
            self._note_failure(exc)
            return False
        written = sum(1 for sql, _row in good if sql == _INSERT_SAMPLE)
        self.samples_written += written - sum(1 for sql, _row, _why in refused if sql == _INSERT_SAMPLE)
        self.commits += 1
        chained = any(sql == _INSERT_ALARM for sql, _row in self._rows)  # the queued rows other than samples
        self._samples, self._rows = [], []
        if chained:  # alarm events are chained (storage.record_chain): the new head, anchored outside the file
            self._anchor(conn)
        if bad:
            self._note_quarantine(bad)
        return True

    def _note_quarantine(self, bad: list[tuple[str, tuple, str]]) -> None:
        """Counted and logged by table and reason; the values stay in the quarantine table, out of the log."""
        self.quarantined += len(bad)
        self.last_quarantine = bad[-1][2]
        reasons: dict[tuple[str, str], int] = {}
        for sql, _row, why in bad:
            key = (_table(sql), why)
            reasons[key] = reasons.get(key, 0) + 1
        for (table, why), n in reasons.items():
            log.error("%d %s row(s) quarantined in %s, not recorded: %s", n, table, self.db_path, why)


def _row_problem(sql: str, row: tuple) -> str | None:
    """Why a row cannot be stored as data: a sample that cannot be a reading, an other value that is a number
    but not a finite one (the decoders give None for "no number": stored as NULL)."""
    if sql == _INSERT_SAMPLE:
        return value_problem(row[1], row[4])
    if sql == _INSERT_OTHER and isinstance(row[6], float) and not math.isfinite(row[6]):
        return f"{row[6]} is not a finite number"
    return None


def _write_or_split(conn: sqlite3.Connection, items: list[tuple[str, tuple]]) -> list[tuple[str, tuple, str]]:
    """Insert `items` inside the caller's transaction; the rows the database refuses for their data are found by
    halving the batch (about 2·log2(n) retries for one bad row) and returned with the reason, the rest written.
    A disk or lock error (OperationalError) is raised: the whole batch waits."""
    if not items:
        return []
    conn.execute("SAVEPOINT batch")
    try:
        _insert(conn, items)
    except DATA_ERRORS as exc:
        conn.execute("ROLLBACK TO batch")
        conn.execute("RELEASE batch")
        if len(items) == 1:
            sql, row = items[0]
            return [(sql, row, f"{type(exc).__name__}: {exc}")]
        half = len(items) // 2
        return _write_or_split(conn, items[:half]) + _write_or_split(conn, items[half:])
    conn.execute("RELEASE batch")
    return []


def _insert(conn: sqlite3.Connection, items: list[tuple[str, tuple]]) -> None:
    """Consecutive rows of one statement in one executemany (samples are most of them)."""
    start = 0
    while start < len(items):
        sql = items[start][0]
        end = start + 1
        while end < len(items) and items[end][0] == sql:
            end += 1
        conn.executemany(sql, [row for _sql, row in items[start:end]])
        start = end


def _table(sql: str) -> str:
    return sql.split()[2]  # "INSERT INTO <table> ..."


def _quarantine_row(at: float, sql: str, row: tuple, reason: str) -> tuple:
    first = row[0] if row else None
    session = first if isinstance(first, int) and not isinstance(first, bool) and -(2**63) <= first < 2**63 else None
    return (at, session, _table(sql), repr(row), reason)


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error as exc:  # the failed transaction is gone either way; say so, keep the rows
        log.warning("rollback failed: %s", exc)
