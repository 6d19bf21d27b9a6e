"""Reading a session from the clinic database vs from the desk's own file (issue 17 point 5): the hub reader copies
the session into an in-memory local database and runs the same readers, so this measures what that copy costs.

Run: .venv/bin/python benchmarks/hub_read.py [--hours 4] [--params 8] [--repeat 3]
A session of HOURS at 1 Hz with PARAMS parameters, written by the program's SessionWriter, shipped by the replicator,
then opened with load_record (local file) and load_hub_record (the hub, by DESK:ID); the best of REPEAT each. The
server: MONITOR_TEST_PG_DSN's, else a throwaway cluster from this machine's PostgreSQL binaries (tests/pg.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pg  # tests/pg.py: the throwaway server
import psycopg

from monitor.app.hub_records import load_hub_record
from monitor.app.session_record import load_record
from monitor.devices.events import Sample
from monitor.storage import db as store
from monitor.storage import hub_schema
from monitor.storage.hub_read import HubAddress
from monitor.storage.replicator import ship_pending
from monitor.storage.writer import SessionWriter

PARAMS = ("HR", "SPO2", "RR", "ETCO2", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN", "PR", "TEMP", "FICO2")
T0 = 1_767_225_600.0


def record(path: Path, hours: float, params: tuple[str, ...]) -> int:
    with SessionWriter(path) as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        seconds = int(hours * 3600)
        for start in range(0, seconds, 600):
            batch = [Sample(p, 60.0 + i % 13, T0 + i, T0 + i + 0.2) for i in range(start, min(start + 600, seconds))
                     for p in params]
            writer.add_samples(sid, batch)
        writer.end_session(sid, T0 + seconds)
    return sid


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--params", type=int, default=8, choices=range(1, len(PARAMS) + 1))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with pg.server() as server:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS bench_hub_read")
            admin.execute("CREATE DATABASE bench_hub_read")
        dsn = pg.with_dbname(server, "bench_hub_read")
        try:
            hub_schema.init(dsn)
            path = Path(tempfile.mkdtemp()) / "desk.sqlite3"
            sid = record(path, args.hours, PARAMS[: args.params])
            local = store.connect(path)
            with psycopg.connect(dsn, autocommit=True) as hub:
                ship_pending(local, hub, "desk-a")
            local.close()
            n = sum(len(s.t) for s in load_record(path, sid).series.values())
            t_local = best(lambda: load_record(path, sid), args.repeat)
            t_hub = best(lambda: load_hub_record(dsn, HubAddress("desk-a", sid)), args.repeat)
            print(f"{args.hours:g} h session, {n} samples ({args.params} parameters at 1 Hz):")
            print(f"  open from the desk's file:        {t_local:.2f} s")
            print(f"  open from the clinic database:    {t_hub:.2f} s  (copy into memory + the same readers)")
        finally:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute("DROP DATABASE bench_hub_read WITH (FORCE)")


if __name__ == "__main__":
    main()
