"""The station killed with SIGKILL while chair 1's infusion runs: the restart offers chair 1 ITS session (by chair,
not by the temporary port of its simulated monitor), closes the other chairs' empty sessions quietly, resumes
nothing without asking when there is no display, and `--resume yes` continues chair 1's session. Real processes:
the real `infusion-monitor run --station 4` on simulated monitors on ptys, a real database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from monitor.app.resume import find_unfinished
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.db import SessionState, connect, list_sessions, read_link_events
from monitor.storage.writer import SessionWriter
from monitor.ui import app
from tests.accounts import PIN, make_account, recorder

CHAIRS = [f"Chair {i}" for i in range(1, 5)]

# The real program; when its station window shows, the nurse AB (her account made by the test) signs in at the desk
# and at chair 1 screens the patient and starts the infusion.
CHILD = textwrap.dedent(
    """
    import sys
    from monitor import cli
    from monitor.clinical.entries import EntryKind
    from monitor.clinical.screening import Caution, Contraindication, Investigation
    from monitor.ui.station_window import StationWindow

    screening = {
        "contraindications": {item.name.lower(): False for item in Contraindication},
        "cautions": {item.name.lower(): False for item in Caution},
        "tests": {prompt.name.lower(): "not indicated" for prompt in Investigation}, "pre_dose_moaas": 5,
        "consent": True, "fasting": True,
        "escort": True, "baseline": {"sys": 128, "dia": 80, "hr": 72, "spo2": 98}, "baseline_pain": 7,
    }
    start = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 70, "rate_mg_kg_h": 0.5}
    shown = StationWindow.show

    def show(self):
        shown(self)
        self.windows[0].workspace.desk.sign_in("AB", sys.argv[2])
        service = self.windows[0].workspace.service
        self.windows[0].workspace.courses.assign_demo_patient(service.session_id).result(5)
        service.record(EntryKind.SCREENING, screening).result(5)
        service.record(EntryKind.INFUSION, start).result(5)
        print(" ".join(str(w.workspace.service.session_id) for w in self.windows), flush=True)

    StationWindow.show = show
    sys.exit(cli.main(["run", "--station", "4", "--speed", "20", "--db", sys.argv[1]]))
    """
)


def _env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "QT_QPA_PLATFORM": "offscreen"}


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _sessions(db: Path):
    conn = connect(db)
    try:
        return list_sessions(conn)
    finally:
        conn.close()


def _gap_in(db: Path, session_id: int) -> bool:
    conn = connect(db)
    try:
        return any(e.state == "gap" for e in read_link_events(conn, session_id))
    finally:
        conn.close()


def _run_station(db: Path, *extra: str, until: Callable[[], bool]) -> subprocess.CompletedProcess:
    """The real station program until `until` holds, then SIGTERM (a logout): it closes as a Quit would."""
    args = [sys.executable, "-m", "monitor", "run", "--station", "4", "--speed", "20", "--db", str(db), *extra]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    try:
        _wait_for(lambda: until() or child.poll() is not None, "the station to start")
        assert child.poll() is None, child.stderr.read()
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    return subprocess.CompletedProcess(args, child.returncode, out, err)


def test_station_sigkill_then_each_chair_is_offered_its_own_unfinished_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "station.sqlite3"
    make_account(db, "AB")  # a desk runs only once it has an account (the first start asks for an administrator)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), PIN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        line = child.stdout.readline()
        assert line, child.stderr.read() if child.poll() is not None else "no session ids"
        ids = dict(zip(CHAIRS, map(int, line.split()), strict=True))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    killed = {s.id: s for s in _sessions(db)}
    assert all(killed[i].state is SessionState.OPEN for i in ids.values()), "a crash closes nothing"
    assert "/" in killed[ids["Chair 1"]].source, "its monitor was a temporary simulator pty"

    # The restart with a nurse to ask: one question, about chair 1's running infusion; the empty ones close quietly.
    asked: list[tuple[str, str]] = []

    def question(_parent, title: str, text: str, *_a, **_k):
        asked.append((title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    points = app._resume_points(db, CHAIRS, "ask", headless=False)
    assert list(points) == ["Chair 1"] and points["Chair 1"].session.id == ids["Chair 1"]
    ((title, text),) = asked
    assert title.startswith("Chair 1:") and f"session {ids['Chair 1']} (Chair 1)" in text
    assert "the infusion is RUNNING at 0.5 mg/kg/h" in text
    after = {s.id: s for s in _sessions(db)}
    assert [after[ids[c]].state for c in CHAIRS[1:]] == [SessionState.ENDED] * 3, "empty: closed, never offered"

    # Without a display nobody can be asked: nothing resumes, and stderr says how to.
    before = len(_sessions(db))
    quiet = _run_station(db, until=lambda: len(_sessions(db)) >= before + 4)
    assert quiet.returncode == 0, quiet.stderr
    assert f"session {ids['Chair 1']} (Chair 1)" in quiet.stderr and "--resume yes" in quiet.stderr
    assert not _gap_in(db, ids["Chair 1"]), "not resumed silently"
    assert find_unfinished(db, chair="Chair 1").session.id == ids["Chair 1"], "still waiting for its chair"

    # --resume yes: chair 1 continues its own session (a gap marks the crash); closing leaves it open (running).
    before = len(_sessions(db))
    resumed = _run_station(
        db, "--resume", "yes", until=lambda: _gap_in(db, ids["Chair 1"]) and len(_sessions(db)) >= before + 3
    )
    assert resumed.returncode == 0, resumed.stderr
    final = {s.id: s for s in _sessions(db)}
    assert final[ids["Chair 1"]].state is SessionState.OPEN, "the infusion still runs: resumable again"
    assert len(final) == before + 3, "chairs 2 to 4 started new sessions; chair 1 started none"
    assert all(final[i].state is SessionState.ENDED for i in list(final)[before:]), "empty ones closed quietly"


def test_record_resume_continues_only_the_session_of_its_own_port_and_leaves_unfinished_work_open(
    tmp_path: Path,
) -> None:
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=5, link_dir=tmp_path)
    port = sim.start()
    db = tmp_path / "rec.sqlite3"
    with SessionWriter(db) as writer:
        own = writer.open_session(port, "datex-s5", started_at=time.time() - 60)
        other = writer.open_session("/dev/ttyUSB7", "datex-s5", started_at=time.time() - 30, chair="Chair 2")
        for sid in (own, other):
            service = SessionService(writer, sid, time.time() - 60, initials="AB")
            service.record(EntryKind.NOTE, {"note": "infusion running on the pump"}).result(5)
    resume = ["--db", str(db), "--resume", "--duration", "2", *recorder(db)]
    try:
        result = subprocess.run(
            [sys.executable, "-m", "monitor", "record", "--port", port, "--protocol", "datex-s5", *resume],
            capture_output=True,
            text=True,
            timeout=60,
            env=_env(),
            check=False,
        )
    finally:
        sim.stop()
    assert result.returncode == 0, result.stderr
    assert f"Resumed session {own} from {port}" in result.stdout, "the newer session of another port is not taken"
    assert _gap_in(db, own) and not _gap_in(db, other)
    states = {s.id: s.state for s in _sessions(db)}
    assert states == {own: SessionState.OPEN, other: SessionState.OPEN}, "a nurse's unfinished work stays open"
