"""Clinic database figures (issue 17): replication lag, catch-up rate, server storage per chair-hour, and how many
chairs one server takes on this machine.

Run: .venv/bin/python benchmarks/hub.py [--seconds 20] [--speed 10] [--outage-hours 1] [--skip-capacity]
The server: MONITOR_BENCH_PG_DSN (a superuser's DSN: databases and roles are made and dropped there), otherwise a
throwaway cluster from this machine's PostgreSQL binaries (tests/pg.py). Everything else is the program's own:
each desk records into its own SQLite through SessionWriter (its real commit cadence) and ships with
the desk's replication worker (app/replication.Replication: a pass every half second; the catch-up
calls storage.replicator.ship_pending directly), as a desk role (monitor_desk: INSERT and SELECT only).

A chair's record: the simulated Masimo Radical-7 sends SPO2, PR, PI, PVI once a second (4 samples/s, 14,400 an
hour); the Datex DRI sends about 2 samples/s (10 parameters every 5 s) — the heavier one is used throughout.
Accelerated time (--speed N) makes every chair record N seconds in each second: 3 desks × 8 chairs at 10× is the
load of 240 chairs. Each sample's host time is the wall clock when the desk took it, so a sample's replication lag
is the time from then until the server has it committed (seen by a LISTEN on monitor_record, the NOTIFY that every
committed batch sends).

1. Lag: 3 desks × 8 chairs at --speed for --seconds (the first 3 s of warm-up left out): p50, p99, max.
   Target p99 ≤ 2 s.
2. Catch-up after an outage: --outage-hours of 8 chairs (samples, a pain score every 10 min per chair with its audit
   row) recorded locally first, then shipped to an empty clinic database: rows/s.
3. Server storage per chair-hour: pg_total_relation_size of the record tables after (2), over 8 × hours.
4. Capacity: the lag run again at growing speeds until p99 passes 2 s; the chairs at the last speed under it.
   All on one machine: the desks' own work (writers, shippers) shares its cores with the server, so this is a lower
   bound for a server with desks elsewhere.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import pg

from monitor.app.replication import Replication
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Sample
from monitor.storage import hub_schema
from monitor.storage.db import connect
from monitor.storage.replicator import NOTIFY_CHANNEL, ship_pending
from monitor.storage.writer import SessionWriter

CHAIR_PARAMS = {"SPO2": 97.0, "PR": 72.0, "PI": 3.1, "PVI": 14.0}  # the simulated Masimo's line, once a second
DESKS = 3
CHAIRS = 8
TARGET_P99_S = 2.0
WARM_UP_S = 3.0
SCORE_EVERY_S = 600  # a pain score per chair every 10 min (clinical.md: observations every 10 min, clinic default)
T0 = 1_767_225_600.0


# --- the server ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def server() -> Iterator[str]:
    """A superuser DSN: MONITOR_BENCH_PG_DSN's, or a throwaway cluster's."""
    dsn = os.environ.get("MONITOR_BENCH_PG_DSN")
    if dsn:
        yield dsn
    else:
        with pg.throwaway_cluster() as dsn:
            yield dsn


@contextlib.contextmanager
def clinic_database(superuser: str) -> Iterator[tuple[str, list[str]]]:
    """An empty clinic database at the current schema; yields (owner DSN, one DSN per desk role); dropped after."""
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(superuser, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    owner = pg.with_dbname(superuser, name)
    try:
        roles = [f"bench_desk_{i + 1}" for i in range(DESKS)]
        for role in roles:
            hub_schema.init(owner, role)
        external = "MONITOR_BENCH_PG_DSN" in os.environ  # its authentication is not ours to know: the given user
        yield owner, [owner if external else pg.with_dbname(superuser, name, user=role) for role in roles]
    finally:
        with psycopg.connect(superuser, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


# --- a desk ----------------------------------------------------------------------------------------------------


def chair_second(t: float, host_t: float, k: int) -> list[Sample]:
    return [Sample(p, v + (k % 7) * 0.1, t, host_t) for p, v in CHAIR_PARAMS.items()]


@dataclass
class LiveDesk:
    """A desk recording `chairs` chairs at `speed` into its own SQLite, and shipping to the hub as it goes. Each desk
    runs in a process of its own, as desks are computers of their own (and one Python's lock would be the limit)."""

    name: str
    db: Path
    hub_dsn: str
    chairs: int
    speed: float

    def run(self, ready: Queue, go: EventType, stop: EventType) -> None:
        """The child process: open the chairs' sessions and the replication, say ready, record from `go` until
        `stop`, close as a desk closes; put None (all sent) or the failure on `ready`."""
        try:
            writer = SessionWriter(self.db)
            writer.start()
            sessions = [writer.open_session(f"chair-{c}", "masimo-ascii", chair=f"Chair {c + 1}")
                        for c in range(self.chairs)]
            replication = Replication(self.db, self.hub_dsn, self.name)  # the desk's own worker, as configured
            replication.start()
            ready.put("ready")
            go.wait()
            self._feed(writer, sessions, stop)
            writer.close()  # everything fed is committed locally, then the worker's close sends the rest
            left = replication.stop(60.0)
            ready.put(f"{self.name}: {left} rows not sent ({replication.status().error})" if left else None)
        except BaseException as exc:  # a benchmark with a failed desk gives no figure
            ready.put(f"{self.name}: {exc!r}")

    def _feed(self, writer: SessionWriter, sessions: list[int], stop: EventType) -> None:
        """Each chair's samples as they fall due on the accelerated clock; host time = now, as a desk takes them."""
        start = time.monotonic()
        done = 0
        while not stop.wait(0.05):
            due = int((time.monotonic() - start) * self.speed)
            now = time.time()
            for k in range(done, due):
                for sid in sessions:
                    writer.add_samples(sid, chair_second(T0 + k, now, k))
            done = due


class LagProbe:
    """LISTENs on monitor_record; at each notification, the new samples of that desk on the server, each with the
    time from its host time until now (the batch that carried it has committed)."""

    def __init__(self, dsn: str, desks: list[str]) -> None:
        self.dsn = dsn
        self.last_id = dict.fromkeys(desks, 0)
        self.lags: list[float] = []
        self.rows = 0
        self.stop = threading.Event()
        self.count_from = float("inf")
        self.listening = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.listening.set()
            while not self.stop.is_set():
                notes = list(conn.notifies(timeout=0.5, stop_after=1))  # the generator holds the connection
                now = time.time()
                for desk in {json.loads(note.payload)["desk"] for note in notes}:
                    rows = conn.execute(
                        "SELECT id, host_t FROM samples WHERE desk = %s AND id > %s", (desk, self.last_id[desk])
                    ).fetchall()
                    if rows:
                        self.last_id[desk] = max(r[0] for r in rows)
                        self.rows += len(rows)
                        self.lags += [now - host_t for _id, host_t in rows if host_t >= self.count_from]


@dataclass
class LagResult:
    chairs: int
    speed: float
    p50: float
    p99: float
    worst: float
    rows_per_s: float

    @property
    def chair_load(self) -> int:
        """Real-time chairs this load stands for."""
        return round(self.chairs * self.speed)


def measure_lag(superuser: str, speed: float, seconds: float, chairs: int = CHAIRS) -> LagResult:
    with clinic_database(superuser) as (owner, desk_dsns), tempfile.TemporaryDirectory() as folder:
        names = [f"desk-{i + 1}" for i in range(DESKS)]
        probe = LagProbe(owner, names)
        probe.thread.start()
        probe.listening.wait(10)
        desks = [LiveDesk(n, Path(folder) / f"{n}.sqlite3", dsn, chairs, speed)
                 for n, dsn in zip(names, desk_dsns, strict=True)]
        spawn = multiprocessing.get_context("spawn")  # no fork of a process with threads and connections
        reports, go, stop = spawn.Queue(), spawn.Event(), spawn.Event()
        processes = [spawn.Process(target=d.run, args=(reports, go, stop), daemon=True) for d in desks]
        for process in processes:
            process.start()
        said = [reports.get(timeout=60) for _ in desks]
        if said != ["ready"] * len(desks):
            stop.set()
            raise RuntimeError(f"a desk did not start: {said}")
        go.set()
        started = time.time()
        probe.count_from = started + WARM_UP_S
        time.sleep(seconds)
        stop.set()
        failures = [r for r in (reports.get(timeout=120) for _ in desks) if r is not None]
        for process in processes:
            process.join(10)
        probe.stop.set()
        probe.thread.join()
        if failures:
            raise RuntimeError(f"a desk failed: {failures}")
        lags = sorted(probe.lags)
        if not lags:
            raise RuntimeError("no sample reached the server after the warm-up")
        return LagResult(
            chairs=DESKS * chairs,
            speed=speed,
            p50=statistics.median(lags),
            p99=lags[min(len(lags) - 1, int(0.99 * len(lags)))],
            worst=lags[-1],
            rows_per_s=probe.rows / (time.time() - started),
        )


# --- catch-up and storage ------------------------------------------------------------------------------------


def record_backlog(db: Path, hours: float, chairs: int = CHAIRS) -> int:
    """`hours` of `chairs` chairs recorded the real way (SessionWriter, SessionService), all while the server is
    away. Returns the rows recorded."""
    seconds = int(hours * 3600)
    with SessionWriter(db) as writer:
        for c in range(chairs):
            sid = writer.open_session(f"chair-{c}", "masimo-ascii", started_at=T0, chair=f"Chair {c + 1}")
            for start in range(0, seconds, 600):
                batch = [s for k in range(start, min(seconds, start + 600))
                         for s in chair_second(T0 + k, T0 + k + 0.2, k)]
                writer.add_samples(sid, batch)
            service = SessionService(writer, sid, T0, clock=lambda: T0 + seconds, initials="KM")
            for k in range(SCORE_EVERY_S, seconds + 1, SCORE_EVERY_S):
                service.record(EntryKind.SCORE, {"scale": "pain", "score": 3 + k // SCORE_EVERY_S % 5},
                               t=T0 + k).result(10)
            writer.end_session(sid, T0 + seconds)
        writer.flush(120)
    conn = connect(db)
    try:
        return sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in hub_schema.RECORD_TABLES)
    finally:
        conn.close()


def record_size(conn: psycopg.Connection) -> int:
    sizes = " + ".join(f"pg_total_relation_size('{t}')" for t in hub_schema.RECORD_TABLES)
    return conn.execute(f"SELECT {sizes}").fetchone()[0]


@dataclass
class CatchUp:
    rows: int
    seconds: float
    bytes_per_chair_hour: float
    local_bytes_per_chair_hour: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def measure_catch_up(superuser: str, hours: float) -> CatchUp:
    with clinic_database(superuser) as (owner, desk_dsns), tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "desk.sqlite3"
        record_backlog(db, hours)
        local = connect(db)
        try:
            with psycopg.connect(owner, autocommit=True) as admin:
                empty = record_size(admin)
            with psycopg.connect(desk_dsns[0], autocommit=True) as hub:
                start = time.perf_counter()
                report = ship_pending(local, hub, "desk-1")
                took = time.perf_counter() - start
            if report.pending:
                raise RuntimeError(f"{report.pending} rows left after the catch-up")
        finally:
            local.close()
        with psycopg.connect(owner, autocommit=True) as admin:
            admin.execute("VACUUM ANALYZE")  # the visibility maps and statistics a day's autovacuum would make
            size = record_size(admin) - empty
        local_size = sum(p.stat().st_size for p in Path(folder).glob("desk.sqlite3*"))
        chair_hours = CHAIRS * hours
        return CatchUp(report.total, took, size / chair_hours, local_size / chair_hours)


# --- the report ----------------------------------------------------------------------------------------------


def capacity(superuser: str, seconds: float, first: LagResult) -> tuple[LagResult, LagResult | None]:
    """Doubling speeds from the first run's until p99 passes the target, then once half-way between the last two:
    (the largest load under it, the smallest over it or None)."""
    under, over = first, None

    def run(speed: float) -> LagResult:
        result = measure_lag(superuser, speed, seconds)
        print(f"  {result.chair_load:>6} chairs ({DESKS}x{CHAIRS} at {speed:g}x): p50 {result.p50:.2f} s, "
              f"p99 {result.p99:.2f} s, {result.rows_per_s:,.0f} rows/s", flush=True)
        return result

    while over is None and under.speed < 2000:
        result = run(under.speed * 2)
        under, over = (under, result) if result.p99 > TARGET_P99_S else (result, None)
    if over is not None:
        result = run((under.speed + over.speed) / 2)
        under, over = (under, result) if result.p99 > TARGET_P99_S else (result, over)
    return under, over


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="wall seconds of each lag run")
    parser.add_argument("--speed", type=float, default=10.0, help="accelerated time of the 3 x 8 chairs")
    parser.add_argument("--outage-hours", type=float, default=1.0, help="the outage the catch-up follows")
    parser.add_argument("--skip-capacity", action="store_true", help="only the first three figures")
    args = parser.parse_args()
    with server() as superuser:
        lag = measure_lag(superuser, args.speed, args.seconds)
        verdict = "met" if lag.p99 <= TARGET_P99_S else "MISSED"
        print(f"replication lag, {DESKS} desks x {CHAIRS} chairs at {args.speed:g}x ({lag.chair_load} chairs' load, "
              f"{lag.rows_per_s:,.0f} rows/s): p50 {lag.p50:.2f} s, p99 {lag.p99:.2f} s, max {lag.worst:.2f} s "
              f"(target p99 <= {TARGET_P99_S:g} s: {verdict})", flush=True)
        up = measure_catch_up(superuser, args.outage_hours)
        print(f"catch-up after a {args.outage_hours:g} h outage of {CHAIRS} chairs: {up.rows:,} rows in "
              f"{up.seconds:.1f} s = {up.rows_per_s:,.0f} rows/s", flush=True)
        print(f"server storage per chair-hour: {up.bytes_per_chair_hour / 1e6:.2f} MB (tables + indexes; the "
              f"desk's SQLite: {up.local_bytes_per_chair_hour / 1e6:.2f} MB)", flush=True)
        if not args.skip_capacity:
            print("capacity (lag p99 against the load):", flush=True)
            under, over = capacity(superuser, args.seconds, lag)
            beyond = f"; at {over.chair_load} p99 was {over.p99:.2f} s" if over else " (no limit found below 2000x)"
            print(f"one server on this machine takes {under.chair_load} chairs with lag p99 <= {TARGET_P99_S:g} s "
                  f"(p99 {under.p99:.2f} s){beyond}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
