"""A recorder killed with SIGKILL mid-session: entries survive, at most about a second of samples is lost, and the
session resumes with the time without data recorded as a gap. Real processes, a real pty, a real database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict
from pathlib import Path

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.resume import find_unfinished, restore_unsaved_entries
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.db import EntryRow, connect, read_entries, read_link_events
from monitor.storage.unsaved import save_unsaved
from monitor.storage.writer import SessionWriter
from tests.accounts import recorder

CHILD = textwrap.dedent(
    """
    import sys, time
    from monitor.app.acquisition import Acquisition, AcquisitionConfig
    from monitor.app.session_service import SessionService
    from monitor.clinical.entries import EntryKind
    from monitor.storage.writer import SessionWriter

    port, db = sys.argv[1], sys.argv[2]
    writer = SessionWriter(db)
    writer.start()
    acq = Acquisition(AcquisitionConfig(port, "datex-s5"), writer)
    sid = acq.start()
    service = SessionService(writer, sid, acq.started_at, initials="AB")
    for score in (7, 6, 5):
        service.record(EntryKind.SCORE, {"scale": "pain", "score": score}).result(5)
        print("entry", flush=True)
    while True:  # recording until killed
        time.sleep(0.1)
    """
)


def test_sigkill_loses_no_entry_and_about_a_second_of_samples_then_resumes(tmp_path: Path) -> None:
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=20, link_dir=tmp_path)  # a record every 0.25 s
    port = sim.start()
    db = tmp_path / "crash.sqlite3"
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, port, str(db)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        for _ in range(3):
            assert child.stdout.readline().strip() == "entry"
        time.sleep(3.0)
        killed_at = time.time()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    try:
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        point = find_unfinished(db)
        assert point is not None and point.session.ended_at is None
        assert [e.payload["score"] for e in point.entries] == [7, 6, 5], "every confirmed entry survived"
        assert point.last_sample is not None and killed_at - point.last_sample <= 1.5, "at most ~1 s of samples lost"

        with SessionWriter(db) as writer:
            acq = Acquisition(AcquisitionConfig(port, "datex-s5"), writer)
            assert acq.start(point.session) == point.session.id
            time.sleep(1.5)
            acq.stop()
        conn = connect(db)
        events = read_link_events(conn, point.session.id)
        gap = [e for e in events if e.state == "gap"]
        assert len(gap) == 1 and "program restarted" in gap[0].detail
        after = conn.execute(
            "SELECT count(*) FROM samples WHERE session_id = ? AND host_t > ?", (point.session.id, gap[0].t)
        ).fetchone()[0]
        assert after > 0, "the resumed session records again"
        assert conn.execute("SELECT ended_at FROM sessions WHERE id = ?", (point.session.id,)).fetchone()[0]
        conn.close()
        assert find_unfinished(db) is None
    finally:
        sim.stop()


def test_record_command_runs_headless_and_closes_the_session(tmp_path: Path) -> None:
    """Also: a note the database refused when the previous session closed goes into that session at this start."""
    db = tmp_path / "rec.sqlite3"
    with SessionWriter(db) as writer:
        earlier = writer.open_session("sim", "masimo-ascii", started_at=1000.0)
        writer.end_session(earlier, 2000.0)
    note = EntryRow(earlier, "note", 1500.0, 1500.0, "AB", {"note": "nauseous, ondansetron given"})
    save_unsaved(db, [asdict(note)])
    sim = SimulatedMonitor("masimo-ascii", load_scenario("stable"), speed=5, link_dir=tmp_path)
    port = sim.start()
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "record",
                "--port",
                port,
                "--protocol",
                "masimo-ascii",
                "--db",
                str(db),
                "--duration",
                "3",
                *recorder(db),  # record runs as a service account (issue 18)
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
    finally:
        sim.stop()
    assert result.returncode == 0, result.stderr
    assert "Recording session 2" in result.stdout and "closed:" in result.stdout
    assert result.stdout.startswith("1 nurse entry that could not be saved when the program last closed was added")
    conn = connect(db)
    assert [e.payload for e in read_entries(conn, earlier)] == [note.payload | {"restored": True}]
    assert conn.execute("SELECT count(*) FROM samples WHERE param = 'SPO2'").fetchone()[0] >= 2
    assert conn.execute("SELECT ended_at FROM sessions WHERE id = 2").fetchone()[0] is not None
    assert "PySide6" not in result.stderr
    conn.close()


def test_closing_while_the_database_refuses_writes_keeps_the_entries_and_the_session_open(tmp_path: Path) -> None:
    """The end of the session cannot be written: closing goes on, held entries are saved beside the database,
    and the next start restores them and offers the still-open session for resume."""
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=20, link_dir=tmp_path)
    db = tmp_path / "ro.sqlite3"
    writer = SessionWriter(db)
    writer.start()
    acquisition = Acquisition(AcquisitionConfig(sim.start(), "datex-s5", capture_dir=tmp_path / "cap"), writer)
    try:
        sid = acquisition.start()
        service = SessionService(writer, sid, acquisition.started_at, initials="AB")
        writer.submit(lambda conn: conn.execute("PRAGMA query_only = ON")).result(5)  # read-only from now on
        held = service.record(EntryKind.SCORE, {"scale": "pain", "score": 4})
        try:
            acquisition.stop()  # cannot end the session: logged, not raised
        finally:
            writer.close()
    finally:
        sim.stop()
    assert "NOT saved" in str(held.exception(5))
    assert "1 nurse entry" in (restore_unsaved_entries(db) or "")
    point = find_unfinished(db)
    assert point is not None and point.session.id == sid, "the session stays open, to be resumed"
    assert [e.payload for e in point.entries] == [{"scale": "pain", "score": 4, "restored": True}]
