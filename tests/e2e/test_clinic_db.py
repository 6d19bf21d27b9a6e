"""Two desks, one clinic database, and the faults of a clinic's day (issue 17): real processes, real simulators on
real ptys, a real PostgreSQL server of the test's own that is stopped and started again.

Two headless desks (`infusion-monitor record --clinic-db … --desk …`) record from two simulated monitors into their
own SQLite files and replicate to one server. Mid-session the server is stopped for 10 s of recording and started
again; then one desk is killed with SIGKILL while it catches up, and restarted with `--resume`. Afterwards every
row of every local database is on the server exactly once — the same rows, with the same content, per table and
per session — and each desk's audit chain verifies, locally and as the server holds it (`infusion-monitor verify`
on the file and on the clinic database).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pg
import psycopg
from hub_data import as_url
from waiting import WAIT_S, until

from monitor.app.courses import CourseService
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Sample
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage import hub_schema
from monitor.storage.paths import default_db_path
from monitor.storage.writer import SessionWriter
from tests.accounts import PIN, make_account, recorder, service

ROOT = Path(__file__).resolve().parents[2]
SPEED = 20  # a DRI record every 0.25 s: about 40 samples a second per desk
OUTAGE_S = 10.0  # of recording while the server is down
T0 = 1_767_225_600.0


def seed_earlier_session(db: Path, desk: str) -> None:
    """What a desk has before this test's recording: a patient, a course, a finished session with nurse entries
    (an amendment, a strike: audit rows) and a quarantined sample — made by the program's own writer and services."""
    with SessionWriter(db) as writer:
        courses = CourseService(writer)
        patient = courses.add_patient(f"Jane Doe {desk}", f"MRN-{desk}", "1970-05-01", "70", "").result(5)
        course = courses.add_course(patient, "Spring 2026, 6 infusions").result(5)
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        writer.add_samples(sid, [Sample("HR", 70.0 + i, T0 + i, T0 + i) for i in range(60)])
        writer.add_samples(sid, [Sample("HR", float("nan"), T0 + 61, T0 + 61)])  # set aside in quarantine
        service = SessionService(writer, sid, T0, clock=lambda: T0 + 600, initials="AB")
        first = service.record(EntryKind.SCORE, {"scale": "pain", "score": 7}, t=T0 + 60).result(5)
        service.record(EntryKind.NOTE, {"note": f"settled at {desk}"}, t=T0 + 120).result(5)
        service.amend(first.id, {"scale": "pain", "score": 6}, "misheard", t=T0 + 60).result(5)
        service.strike(first.id, "wrong patient's score").result(5)
        writer.end_session(sid, T0 + 600)
        courses.assign(sid, course).result(5)
        assert writer.flush(10)


@dataclass
class Desk:
    name: str
    role: str
    db: Path
    port: str
    dsn: str
    logs: Path
    proc: subprocess.Popen | None = None
    runs: list[str] = field(default_factory=list)

    def start(self, *, resume: bool = False) -> None:
        argv = [sys.executable, "-m", "monitor", "record", "--port", self.port, "--protocol", "datex-s5"]
        argv += ["--db", str(self.db), "--clinic-db", self.dsn, "--desk", self.name]
        argv += ["--resume"] if resume else []
        argv += recorder(self.db, self.dsn, self.name)  # a clinic-wide service account (issue 18)
        err = open(self.logs / f"{self.name}-{len(self.runs)}.stderr", "w")  # noqa: SIM115 (the process's lifetime)
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        self.runs.append(err.name)
        said = []  # what it printed before it records (a message about an earlier close may come first)
        while not said or not said[-1].startswith(("Recording session", "Resumed session")):
            line = self.proc.stdout.readline()
            assert line, f"{self.name} exited: {''.join(said)}{self.stderr()}"
            said.append(line)
        assert said[-1].startswith("Resumed session" if resume else "Recording session"), said

    def stderr(self) -> str:
        return Path(self.runs[-1]).read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def close(self) -> str:
        """A normal close (Ctrl+C): the desk sends what is pending before it exits."""
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=WAIT_S)
        assert self.proc.returncode == 0, self.stderr()
        return out

    def local_samples_since(self, t: float) -> int:
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute("SELECT count(*) FROM samples WHERE host_t > ?", (t,)).fetchone()[0]
        finally:
            conn.close()


class Hub:
    """The test's own superuser view of the server (the desks connect as their desk roles)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    def scalar(self, query: str, *params: object) -> object:
        try:
            with psycopg.connect(self.dsn, connect_timeout=2) as conn:
                return conn.execute(query, params).fetchone()[0]
        except psycopg.OperationalError:
            return None  # the server is down or starting

    def samples_since(self, desk: str, t: float) -> int:
        return self.scalar("SELECT count(*) FROM samples WHERE desk = %s AND host_t > %s", desk, t) or 0


def local_rows(db: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every record table of a desk's database: its columns (samples: its rowid as `id`, as on the hub) and rows."""
    conn = sqlite3.connect(db)
    try:
        tables = {}
        for table in hub_schema.RECORD_TABLES:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            if "id" not in columns:
                columns = ["id", *columns]
            select = ", ".join("rowid" if c == "id" and table == "samples" else c for c in columns)
            tables[table] = (columns, conn.execute(f"SELECT {select} FROM {table} ORDER BY 1").fetchall())
        return tables
    finally:
        conn.close()


def hub_rows(hub: psycopg.Connection, desk: str, table: str, columns: list[str]) -> list[tuple]:
    return hub.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE desk = %s ORDER BY id", (desk,)).fetchall()


def per_session(columns: list[str], rows: list[tuple]) -> Counter:
    index = columns.index("session_id") if "session_id" in columns else None
    return Counter(row[index] if index is not None else None for row in rows)


def verify(target: str) -> subprocess.CompletedProcess:
    """`infusion-monitor verify`: a desk's file, or every desk's chain on the clinic database."""
    accounts = Path(target) if Path(target).is_file() else default_db_path()  # whose accounts sign it in
    if not any(a.initials == "KM" for a in service(accounts).list()):
        make_account(accounts, "KM")
    env = os.environ | {"PYTHONPATH": str(ROOT), "INFUSION_MONITOR_USER": "KM"}
    return subprocess.run([sys.executable, "-m", "monitor", "verify", target], capture_output=True, text=True,
                          input=f"{PIN}\n", timeout=WAIT_S, env=env, check=False)


def test_two_desks_an_outage_and_a_killed_desk_leave_every_row_on_the_server_exactly_once(tmp_path: Path) -> None:
    sims = [SimulatedMonitor("datex-s5", load_scenario(s), speed=SPEED, link_dir=tmp_path / s)
            for s in ("stable", "ketamine-hypertension")]
    with pg.Cluster() as cluster:
        with psycopg.connect(cluster.dsn, autocommit=True) as admin:
            admin.execute("CREATE DATABASE clinic")
        owner = pg.with_dbname(cluster.dsn, "clinic")
        for role in ("desk_a", "desk_b"):
            hub_schema.init(owner, role)
        hub = Hub(owner)
        desks = []
        try:
            for (name, role), sim in zip((("desk-a", "desk_a"), ("desk-b", "desk_b")), sims, strict=True):
                db = tmp_path / f"{name}.sqlite3"
                seed_earlier_session(db, name)
                desk = Desk(name, role, db, sim.start(), pg.with_dbname(cluster.dsn, "clinic", user=role), tmp_path)
                desk.start()
                desks.append(desk)
            b = desks[1]
            began = time.time()
            for desk in desks:
                until(lambda d=desk: hub.samples_since(d.name, began) >= 20, f"{desk.name} replicates")

            cluster.stop()
            stopped = time.time()
            for desk in desks:  # the desks record on, locally
                until(lambda d=desk: d.local_samples_since(stopped + OUTAGE_S) > 0,
                      f"{desk.name} records {OUTAGE_S:g} s without the server")
                assert desk.proc.poll() is None, desk.stderr()
            assert hub.scalar("SELECT 1") is None, "the server was down"
            cluster.start()

            # Desk B is killed mid-batch: the test holds the samples table (reads allowed, writes wait) so that desk
            # B's first batch after the outage stops inside its hub transaction, half written; SIGKILL then; the
            # server rolls the batch back when the lock goes.
            with psycopg.connect(owner) as blocker:
                blocker.execute("LOCK TABLE samples IN EXCLUSIVE MODE")
                assert hub.samples_since(b.name, stopped) == 0, "the lock came after desk B's catch-up"
                until(lambda: hub.scalar(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                    " WHERE NOT l.granted AND a.usename = %s", b.role) == 1,
                    "desk-b's batch waits on the server, mid-transaction")
                b.kill()
            assert hub.samples_since(b.name, stopped) == 0, "nothing of the killed batch is on the server"
            assert b.local_samples_since(stopped) > 0
            b.start(resume=True)
            resumed = time.time()
            for desk in desks:
                until(lambda d=desk: hub.samples_since(d.name, resumed) > 0, f"{desk.name} replicates after it all")
            for desk in desks:
                desk.close()
        finally:
            for desk in desks:
                if desk.proc is not None and desk.proc.poll() is None:
                    desk.proc.kill()
            for sim in sims:
                sim.stop()

        with psycopg.connect(owner) as conn:
            for desk in desks:
                tables = local_rows(desk.db)
                assert len(tables["samples"][1]) > 200 and len(tables["audit"][1]) == 4 and tables["quarantine"][1]
                for table, (columns, rows) in tables.items():
                    on_hub = hub_rows(conn, desk.name, table, columns)
                    assert per_session(columns, on_hub) == per_session(columns, rows), (desk.name, table)
                    assert on_hub == rows, f"{desk.name}: {table} differs on the server"
                local = verify(str(desk.db))
                assert local.returncode == 0 and "audit trail intact (4 audit rows" in local.stdout, local.stdout
            on_server = verify(as_url(desks[0].dsn))  # as a desk's own role: SELECT is all it takes
            assert on_server.returncode == 0, on_server.stdout + on_server.stderr
            for desk in desks:
                assert f"desk {desk.name}: audit trail intact (4 audit rows" in on_server.stdout, on_server.stdout
            sessions = {d.name: conn.execute("SELECT count(*) FROM sessions WHERE desk = %s", (d.name,)).fetchone()[0]
                        for d in desks}
            assert sessions == {"desk-a": 2, "desk-b": 2}, "desk B's killed session was resumed, not restarted"
