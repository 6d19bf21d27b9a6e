"""Two nurse desks sharing one clinic database, on this machine, in one command (`make demo-clinic`).

    .venv/bin/python docs/demo_clinic.py [--headless] [--speed 1]

1. A throwaway PostgreSQL server from this machine's binaries (tests/pg.py: as the `postgres` user when run as root;
   Debian package `postgresql`), on 127.0.0.1 only, trust authentication; its folder is removed at the end.
2. `infusion-monitor clinic-db init` with two desk login roles, desk_a and desk_b (members of monitor_desk: INSERT
   and SELECT only).
3. Two desks, each with its own data directory (its own local SQLite journal) and its own role, pointed at the
   server with `--clinic-db` and `--desk`: two `run` station windows of two simulated chairs each, each showing the
   other desk's chairs below its own (`--show-desks all`), or with `--headless` two `record` desks, each on a
   simulated monitor of its own.
Ctrl+C (or closing both windows) stops the desks — each sends what is pending before it exits — then the server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import pg  # noqa: E402  (tests/pg.py: the throwaway cluster the tests use)

from monitor.devices.simulator import SimulatedMonitor, load_scenario  # noqa: E402

DESKS = (("desk-a", "desk_a", "stable"), ("desk-b", "desk_b", "ketamine-hypertension"))
CLOSE_WAIT_S = 30.0  # a desk's bounded wait for what is pending, plus its own close


def _program() -> list[str]:
    return [sys.executable, "-m", "monitor"]


def _init(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("CREATE DATABASE clinic")
    argv = [*_program(), "clinic-db", "init", pg.with_dbname(dsn, "clinic")]
    for _desk, role, _scenario in DESKS:
        subprocess.run([*argv, "--desk-role", role], check=True)


def _desk_argv(desk: str, dsn: str, headless: bool, speed: float, scenario: str, sims: list) -> list[str]:
    common = ["--clinic-db", dsn, "--desk", desk]
    if not headless:
        station = ["--station", "2", "--show-desks", "all"]  # each desk shows the other's chairs below its own
        return [*_program(), "run", *station, "--scenario", scenario, "--speed", str(speed), *common]
    sim = SimulatedMonitor("datex-s5", load_scenario(scenario), speed=speed)
    sims.append(sim)
    return [*_program(), "record", "--port", sim.start(), "--protocol", "datex-s5", *common]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + CLOSE_WAIT_S
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"demo-clinic: desk process {proc.pid} did not close in {CLOSE_WAIT_S:g} s; killed", file=sys.stderr)
            proc.kill()
            proc.wait()


def _summary(dsn: str) -> None:
    """What the clinic database holds from each desk, at the end."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT desk, (SELECT count(*) FROM sessions s WHERE s.desk = d.desk),"
            " (SELECT count(*) FROM samples s WHERE s.desk = d.desk) FROM desks d ORDER BY desk"
        ).fetchall()
    for desk, sessions, samples in rows:
        print(f"demo-clinic: the clinic database holds from {desk}: {sessions} sessions, {samples} samples", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headless", action="store_true", help="two headless `record` desks instead of two windows")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated time runs N times faster")
    args = parser.parse_args()
    procs: list[subprocess.Popen] = []
    sims: list[SimulatedMonitor] = []
    folders: list[Path] = []
    try:
        with pg.throwaway_cluster() as superuser:
            _init(superuser)
            print(f"demo-clinic: clinic database up: {pg.with_dbname(superuser, 'clinic')}", flush=True)
            for desk, role, scenario in DESKS:
                data = Path(tempfile.mkdtemp(prefix=f"demo-{desk}-"))
                folders.append(data)
                dsn = pg.with_dbname(superuser, "clinic", user=role)
                argv = _desk_argv(desk, dsn, args.headless, args.speed, scenario, sims)
                env = {**os.environ, "INFUSION_MONITOR_DATA_DIR": str(data)}
                procs.append(subprocess.Popen(argv, env=env))
                print(f"demo-clinic: {desk} started (data in {data}, connects as {role})", flush=True)
            print("demo-clinic: Ctrl+C stops both desks and removes the server", flush=True)
            try:
                while any(p.poll() is None for p in procs):
                    time.sleep(0.5)
            except KeyboardInterrupt:
                print("\ndemo-clinic: stopping the desks (each sends what is pending)", flush=True)
            _stop(procs)
            _summary(pg.with_dbname(superuser, "clinic"))
            print("demo-clinic: stopping and removing the server", flush=True)
    finally:
        _stop(procs)
        for sim in sims:
            sim.stop()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
