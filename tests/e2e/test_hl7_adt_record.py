"""`record --hl7-in PORT` as the program runs (a real process, a simulated monitor on a real pty): it takes an
ADT^A04 over MLLP and answers AA; a port it cannot bind is said at the start and recorded on the chair as a standing
condition, and the recording goes on."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.app.hl7.ack import AckCode, parse_ack
from monitor.app.hl7.mllp import send_and_wait_ack
from monitor.clinical.alarms import EHR_IN_KEY
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from tests.accounts import recorder
from tests.hl7_adt import adt

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0


@contextmanager
def recording(tmp_path: Path, db: Path, hl7_port: int) -> Iterator[subprocess.Popen]:
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=5, link_dir=tmp_path)
    port = sim.start()
    argv = [sys.executable, "-m", "monitor", "record", "--port", port, "--protocol", "datex-s5", "--db", str(db)]
    argv += ["--hl7-in", str(hl7_port), *recorder(db)]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=WAIT_S)
        sim.stop()


def _line(stream, starts: str) -> str:
    said = []
    while True:
        line = stream.readline()
        assert line, f"ended before {starts!r}: {''.join(said)}"
        if line.startswith(starts):
            return line
        said.append(line)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_record_takes_an_a04_on_its_hl7_in_port(tmp_path: Path) -> None:
    db, port = tmp_path / "desk.sqlite3", _free_port()
    with recording(tmp_path, db, port) as proc:
        assert f"on port {port}" in _line(proc.stdout, "Taking patients from the EHR")
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S) as sock:
            ack = parse_ack(send_and_wait_ack(sock, adt(mrn="4711"), WAIT_S))
        assert ack.code is AckCode.AA
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT event, mrn FROM ehr_registrations").fetchall() == [("A04", "4711")]
    assert proc.returncode == 0


def test_a_port_it_cannot_bind_is_said_at_the_start_and_stands_on_the_chair(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    with socket.socket() as blocker:
        blocker.bind(("", 0))  # every interface, as the desk binds
        blocker.listen(1)
        port = blocker.getsockname()[1]
        with recording(tmp_path, db, port) as proc:
            said = _line(proc.stderr, "EHR patients: port")
            assert said.strip() == f"EHR patients: port {port} unavailable (Address already in use)"
            _line(proc.stdout, "Recording session")  # the recording goes on
            _wait_for_condition(db)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT action, message FROM alarm_events WHERE key = ?", (EHR_IN_KEY,)).fetchall()
    assert rows[0][0] == "onset" and f"port {port} unavailable" in rows[0][1]
    assert proc.returncode == 0


def _wait_for_condition(db: Path) -> None:
    """Until the chair has recorded the condition (polling the database; WAIT_S bounds it)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            if conn.execute("SELECT 1 FROM alarm_events WHERE key = ?", (EHR_IN_KEY,)).fetchone():
                return
        time.sleep(0.1)
    raise AssertionError("the chair never recorded the EHR patients condition")
