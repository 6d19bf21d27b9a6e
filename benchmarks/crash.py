"""Crash drill: the recorder is killed with SIGKILL at random moments while a nurse's entries are being written,
100 times; after each kill the database must be intact, every confirmed entry present, and at most about a second
of samples lost.

Run: .venv/bin/python benchmarks/crash.py [--kills 100] [--seed 1]
One simulated monitor (DRI, 20x: a record every 0.25 s) on a real pty; each round a fresh recorder process
(writer, acquisition, alarms, session service) records into the same database and writes an entry every 0.1 s,
printing each one's id once its future says it is on disk. It is killed after a random 0.5-3 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import IO

import numpy as np

from monitor.devices.simulator import SimulatedMonitor, load_scenario

CHILD = textwrap.dedent(
    """
    import sys, time
    from monitor.app.chair import Chair, ChairConfig
    from monitor.session.entries import EntryKind
    from monitor.storage.writer import SessionWriter

    port, db = sys.argv[1], sys.argv[2]
    writer = SessionWriter(db)
    writer.start()
    chair = Chair(ChairConfig("Chair 1", port), writer)
    service = chair.start(initials="AB", require_screening=False, require_patient=False)
    print("session", service.session_id, flush=True)
    i = 0
    while True:
        entry = service.record(EntryKind.NOTE, {"note": f"observation {i}"}).result(10)
        print("entry", entry.id, flush=True)
        i += 1
        time.sleep(0.1)
    """
)


def _collect_entries(stdout: IO[str], confirmed: list[int]) -> None:
    """Ids of the entries the recorder confirmed; a line cut off by the kill (no newline) confirms nothing."""
    for line in stdout:
        if line.startswith("entry ") and line.endswith("\n"):
            confirmed.append(int(line.split()[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="ism-crash-"))
    db = tmp / "crash.sqlite3"
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=20, link_dir=tmp)
    port = sim.start()
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    lost_s: list[float] = []
    confirmed_total = missing_total = damaged = 0
    failures = []
    try:
        for round_ in range(args.kills):
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, port, str(db)], stdout=subprocess.PIPE, text=True, env=env
            )
            assert child.stdout is not None
            session = int(child.stdout.readline().split()[1])
            confirmed: list[int] = []
            reader = threading.Thread(target=_collect_entries, args=(child.stdout, confirmed))
            reader.start()
            time.sleep(float(rng.uniform(0.5, 3.0)))
            killed_at = time.time()
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            reader.join(10)  # reads to the end: entries confirmed just before the kill were printed before it died
            conn = sqlite3.connect(db)
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            stored = {r[0] for r in conn.execute("SELECT id FROM entries WHERE session_id = ?", (session,))}
            last = conn.execute("SELECT max(host_t) FROM samples WHERE session_id = ?", (session,)).fetchone()[0]
            conn.close()
            missing = [e for e in confirmed if e not in stored]
            damaged += ok != "ok"
            confirmed_total += len(confirmed)
            missing_total += len(missing)
            if last is not None:
                lost_s.append(killed_at - last)
            if ok != "ok" or missing:
                failures.append(f"round {round_}: integrity {ok}, missing entries {missing}")
            if (round_ + 1) % 10 == 0:
                print(f"  {round_ + 1} kills, {confirmed_total} confirmed entries so far", flush=True)
            # the port is free again for the next recorder: the simulator clears what the dead client left
            time.sleep(0.3)
    finally:
        sim.stop()
    lost = np.array(lost_s)
    print(f"crash drill: {args.kills} SIGKILLs, database {db}")
    print(
        f"  integrity_check ok: {args.kills - damaged}/{args.kills}; "
        f"confirmed entries {confirmed_total}, missing {missing_total}"
    )
    print(
        f"  samples lost per kill (kill time - last stored sample): median {statistics.median(lost):.2f} s, "
        f"p95 {np.percentile(lost, 95):.2f} s, max {lost.max():.2f} s (target about 1 s)"
    )
    for f in failures:
        print("  FAILED", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
