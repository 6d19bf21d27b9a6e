"""The replication worker against a real PostgreSQL server that goes away and comes back (issue 17 point 2): the
stall becomes a standing technical condition on the desk, it clears when the server is back, the backlog arrives
exactly once, and a close says what is left and sends it at the next start."""

from __future__ import annotations

import queue
import sqlite3
from pathlib import Path

import hub_desks
import psycopg
import pytest
from waiting import WAIT_S, until

from monitor.app.replication import Replication, left_text
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import CLINIC_DB_KEY, AlarmCategory, AlarmEngine
from monitor.devices.events import Sample
from monitor.storage.writer import SessionWriter

T0 = 1_767_225_600.0


def _record(path: Path, sid: int | None, t0: float, n: int = 200) -> int:
    with SessionWriter(path) as writer:
        if sid is None:
            sid = writer.open_session("sim", "datex-s5", started_at=t0)
        writer.add_samples(sid, [Sample("HR", 60.0 + i % 9, t0 + i, t0 + i) for i in range(n)])
        writer.add_link_event(sid, t0, "receiving")
        writer.flush()
    return sid


def _hub_samples(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT id, session_id, t, value FROM samples WHERE desk = 'desk-a' ORDER BY id").fetchall()


def _local_samples(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT rowid, session_id, t, value FROM samples ORDER BY rowid").fetchall()
    conn.close()
    return rows


def test_a_stall_is_a_standing_condition_that_clears_when_the_server_is_back(pg_cluster, tmp_path: Path) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_cluster.dsn, "desk_a")
    path = tmp_path / "desk.sqlite3"
    sid = _record(path, None, T0)
    problems: queue.Queue[str | None] = queue.Queue()
    replication = Replication(path, desk_dsn, "desk-a", stall_after_s=1.0)
    replication.add_problem_listener(problems.put)
    replication.start()
    try:
        until(lambda: replication.status().pending == 0, "the first rows never reached the server")
        assert replication.status().connected and problems.empty()

        pg_cluster.stop()
        _record(path, sid, T0 + 1000)  # the desk records on, locally
        problem = problems.get(timeout=WAIT_S)
        assert problem is not None and problem.startswith("clinic database unreachable since ")
        assert problem.endswith(" — recording locally")
        status = replication.status()
        assert not status.connected and status.stalled_since is not None and status.problem == problem

        pg_cluster.start()
        assert problems.get(timeout=WAIT_S) is None  # cleared when shipping resumes
        until(lambda: replication.status().pending == 0, "the backlog never reached the server")
    finally:
        assert replication.stop(flush_timeout_s=5) == 0
    assert _hub_samples(pg_cluster.dsn) == _local_samples(path)  # each row once, in order


def test_a_closed_port_is_a_stall_too(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    _record(path, None, T0, n=10)
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    problems: queue.Queue[str | None] = queue.Queue()
    replication = Replication(path, f"host=127.0.0.1 port={port} user=x password=secret", "desk-a", stall_after_s=0.5)
    replication.add_problem_listener(problems.put)
    replication.start()
    try:
        assert "unreachable since" in (problems.get(timeout=WAIT_S) or "")
    finally:
        left = replication.stop(flush_timeout_s=0.5)
    assert left == 10 + 1 + 1 + 1  # samples, the link event, the session, its record-chain row: nothing was sent


def test_a_close_with_the_server_gone_says_what_is_left_and_the_next_start_sends_it(
    pg_cluster, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    desk_dsn = hub_desks.desk_dsn(pg_cluster.dsn, "desk_a")
    path = tmp_path / "desk.sqlite3"
    sid = _record(path, None, T0)
    first = Replication(path, desk_dsn, "desk-a")
    first.start()
    until(lambda: first.status().pending == 0, "the first rows never reached the server")
    pg_cluster.stop()
    _record(path, sid, T0 + 1000, n=50)
    left = first.stop(flush_timeout_s=1)
    assert left == 50 + 1
    assert left_text(51) in caplog.text
    assert "secret" not in caplog.text

    pg_cluster.start()
    second = Replication(path, desk_dsn, "desk-a")
    second.start()
    assert second.stop(flush_timeout_s=WAIT_S) == 0
    assert _hub_samples(pg_cluster.dsn) == _local_samples(path)


def test_the_condition_stands_apart_from_alarms_and_nothing_silences_it() -> None:
    engine = AlarmEngine()
    text = "clinic database unreachable since 10:42 — recording locally"
    (onset,) = engine.on_clinic_db(text, T0)
    assert onset.message == text and onset.category is AlarmCategory.TECHNICAL
    alarm = engine.alarms[CLINIC_DB_KEY]
    assert alarm.standing and alarm.priority is AlarmPriority.LOW
    assert engine.audio_priority(T0) is None  # never sounds: nothing for the nurse to do at the bedside
    assert engine.acknowledge(T0 + 1, "KM") == []
    engine.pause_audio(T0 + 2, "KM")
    engine.tick(T0 + 10_000)
    engine.end_patient(T0 + 10_001)  # about the desk, not the patient
    assert engine.alarms[CLINIC_DB_KEY].message == text
    (clear,) = engine.on_clinic_db(None, T0 + 10_002)
    assert clear.action == "clear" and CLINIC_DB_KEY not in engine.alarms


def test_every_chair_shows_the_condition_and_its_record_reaches_the_server(pg_cluster, tmp_path: Path) -> None:
    from monitor.app.chair import Chair, ChairConfig

    desk_dsn = hub_desks.desk_dsn(pg_cluster.dsn, "desk_a")
    pg_cluster.stop()
    path = tmp_path / "desk.sqlite3"
    with SessionWriter(path) as writer:
        chairs = [Chair(ChairConfig(f"Chair {i}", None, speed=20), writer) for i in (1, 2)]
        replication = Replication(path, desk_dsn, "desk-a", stall_after_s=0.5)
        try:
            for chair in chairs:
                chair.start(require_screening=False, require_patient=False)
            replication.watch_chairs(lambda: [chair.alarms for chair in chairs])
            replication.start()
            shown = lambda: [[a.message for a in chair.alarms.standing()] for chair in chairs]  # noqa: E731
            until(lambda: all(any("unreachable since" in m for m in s) for s in shown()), "not shown on each chair")
            assert not [a for chair in chairs for a in chair.alarms.alarms() if a.key == CLINIC_DB_KEY]  # apart
            pg_cluster.start()
            until(lambda: shown() == [[], []], "the condition did not clear")
        finally:
            for chair in chairs:
                chair.stop()
    assert replication.stop(flush_timeout_s=WAIT_S) == 0
    with psycopg.connect(pg_cluster.dsn) as conn:
        events = conn.execute(
            "SELECT session_id, action FROM alarm_events WHERE key = 'clinic database' ORDER BY id"
        ).fetchall()
    assert sorted(events) == [(1, "clear"), (1, "onset"), (2, "clear"), (2, "onset")]  # on each chair's record
