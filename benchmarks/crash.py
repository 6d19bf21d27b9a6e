"""Crash drill: the recorder is killed with SIGKILL at random moments while a nurse's entries are being written,
100 times; after each kill the database must be intact, every confirmed entry present, and at most about a second
of samples lost. Then as many kills of a session with no nurse entries: an entry's durable commit also commits the
samples queued before it, which flatters the loss figure; without entries only the writer's own batch commit
(every 0.5 s) protects the samples, so that is the figure that holds for a quiet session.

Run: .venv/bin/python benchmarks/crash.py [--kills 100] [--quiet-kills 100] [--seed 1]
One simulated monitor (DRI, 20x: a record every 0.25 s) on a real pty; each round a fresh recorder process
(writer, acquisition, alarms, session service) records into the same database and, in the first part, writes an
entry every 0.1 s, printing each one's id once its future says it is on disk. It is killed after a random 0.5-3 s.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from monitor.devices.simulator import SimulatedMonitor, load_scenario

CHILD = textwrap.dedent(
    """
    import sys, time
    from monitor.app.chair import Chair, ChairConfig
    from monitor.clinical.entries import EntryKind
    from monitor.storage.writer import SessionWriter

    port, db, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    writer = SessionWriter(db)
    writer.start()
    chair = Chair(ChairConfig("Chair 1", port), writer)
    service = chair.start(initials="AB", require_screening=False, require_patient=False)
    print("session", service.session_id, flush=True)
    i = 0
    while mode == "quiet":  # samples only, no nurse entry: nothing commits them early
        time.sleep(0.1)
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


@dataclass
class Drill:
    """The figures of one part of the drill."""

    kills: int = 0
    damaged: int = 0
    confirmed: int = 0
    missing: int = 0
    lost_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def report(self, what: str) -> None:
        print(
            f"  {what}: {self.kills} kills; integrity_check ok: {self.kills - self.damaged}/{self.kills}; "
            f"confirmed entries {self.confirmed}, missing {self.missing}"
        )
        if self.lost_s:
            lost = np.array(self.lost_s)
            print(
                f"    samples lost per kill (kill time - last stored sample): median {statistics.median(lost):.2f} s, "
                f"p95 {np.percentile(lost, 95):.2f} s, max {lost.max():.2f} s (target about 1 s)"
            )
        for f in self.failures:
            print("    FAILED", f)


def _round(drill: Drill, port: str, db: Path, mode: str, env: dict[str, str], rng: np.random.Generator) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, port, str(db), mode], stdout=subprocess.PIPE, text=True, env=env
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
    drill.kills += 1
    drill.damaged += ok != "ok"
    drill.confirmed += len(confirmed)
    drill.missing += len(missing)
    if last is not None:
        drill.lost_s.append(killed_at - last)
    if ok != "ok" or missing:
        drill.failures.append(f"round {drill.kills}: integrity {ok}, missing entries {missing}")
    # the port is free again for the next recorder: the simulator clears what the dead client left
    time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=100, help="kills while entries are being written")
    parser.add_argument("--quiet-kills", type=int, default=100, help="kills of a session with no nurse entries")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="ism-crash-"))
    db = tmp / "crash.sqlite3"
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=20, link_dir=tmp)
    port = sim.start()
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    parts = {"entries": Drill(), "quiet": Drill()}
    try:
        for mode, kills in (("entries", args.kills), ("quiet", args.quiet_kills)):
            for round_ in range(kills):
                _round(parts[mode], port, db, mode, env, rng)
                if (round_ + 1) % 10 == 0:
                    print(f"  {mode}: {round_ + 1} kills, {parts[mode].confirmed} confirmed entries so far", flush=True)
    finally:
        sim.stop()
    print(f"crash drill: SIGKILLs, database {db}")
    parts["entries"].report("entries written every 0.1 s")
    parts["quiet"].report("no nurse entries (samples only)")
    return 1 if any(p.failures for p in parts.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
