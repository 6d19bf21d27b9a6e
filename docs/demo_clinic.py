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
4. The staff's accounts are the clinic's (README "Clinic-wide accounts"): before the desks start, desk A's command
   line adds them on the clinic database -- an administrator, a nurse and one service account per headless desk --
   and each desk copies them (desk B signs in with accounts made at desk A). Demo secrets only, printed below.
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
ADMIN = ("AA", "Demo Administrator", "demo-admin-2468")  # demo only: a clinic's are typed by its administrator
NURSE = ("KM", "Demo Nurse", "2468")
SERVICES = {"desk-a": "RA", "desk-b": "RB"}  # the headless desks' service accounts (`record --service`)
SERVICE_SECRET = "demo-recorder-1357"
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


def _desk_env(data: Path) -> dict[str, str]:
    """A desk's own data folder and key files (its desk key, its copy of the clinic's PIN key), not the user's."""
    return {**os.environ, "INFUSION_MONITOR_DATA_DIR": str(data), "INFUSION_MONITOR_KEY_FILE": str(data / "desk.key")}


def _users(dsn: str, desk: str, env: dict[str, str], *argv: str, secrets: tuple[str, ...]) -> None:
    """`users ... --clinic-db` as desk `desk`, the secrets on stdin (as a script gives them)."""
    command = [*_program(), "users", *argv, "--clinic-db", dsn, "--desk", desk]
    subprocess.run(command, env=env, input="".join(f"{x}\n" for x in secrets), text=True, check=True)


def _accounts(dsn: str, desk: str, env: dict[str, str]) -> None:
    """The clinic's accounts, added at one desk: every desk signs in with them."""
    admin, name, secret = ADMIN
    _users(dsn, desk, env, "add", "--role", "admin", "--name", name, "--initials", admin, secrets=(secret, secret))
    nurse, name, pin = NURSE
    _users(dsn, desk, env, "add", "--user", admin, "--name", name, "--initials", nurse, secrets=(secret, pin, pin))
    for other, initials in SERVICES.items():
        _users(dsn, desk, env, "add", "--user", admin, "--role", "service", "--name", f"Recorder of {other}",
               "--initials", initials, secrets=(secret, SERVICE_SECRET, SERVICE_SECRET))
    print(f"demo-clinic: clinic accounts added at {desk}: administrator {admin} ({secret}), nurse {nurse} "
          f"(PIN {pin}), service accounts {', '.join(SERVICES.values())}", flush=True)


def _desk_argv(desk: str, dsn: str, headless: bool, speed: float, scenario: str, sims: list) -> list[str]:
    common = ["--clinic-db", dsn, "--desk", desk]
    if not headless:
        station = ["--station", "2", "--show-desks", "all"]  # each desk shows the other's chairs below its own
        return [*_program(), "run", *station, "--scenario", scenario, "--speed", str(speed), *common]
    sim = SimulatedMonitor("datex-s5", load_scenario(scenario), speed=speed)
    sims.append(sim)
    service = ["--service", SERVICES[desk]]
    return [*_program(), "record", "--port", sim.start(), "--protocol", "datex-s5", *service, *common]


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
        accounts = conn.execute("SELECT string_agg(initials || ' ' || role, ', ') FROM clinic_accounts").fetchone()[0]
        started = conn.execute(
            "SELECT desk, initials FROM account_events WHERE event = 'record started' ORDER BY desk"
        ).fetchall()
        rows = conn.execute(
            "SELECT desk, (SELECT count(*) FROM sessions s WHERE s.desk = d.desk),"
            " (SELECT count(*) FROM samples s WHERE s.desk = d.desk) FROM desks d ORDER BY desk"
        ).fetchall()
    print(f"demo-clinic: the clinic's accounts: {accounts}", flush=True)
    for desk, initials in started:
        print(f"demo-clinic: {desk} recorded as the clinic's service account {initials}", flush=True)
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
                env = _desk_env(data)
                if desk == DESKS[0][0]:
                    _accounts(dsn, desk, env)
                argv = _desk_argv(desk, dsn, args.headless, args.speed, scenario, sims)
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
