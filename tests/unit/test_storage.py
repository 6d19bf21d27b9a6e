"""Storage: schema versioning, WAL, the writer thread's batching, and no loss when the disk refuses writes."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, SampleFlag, ValueState
from monitor.storage import paths
from monitor.storage.db import connect, list_sessions, read_device_status, read_link_events, read_samples
from monitor.storage.schema import SCHEMA_VERSION, SchemaTooNewError, migrate
from monitor.storage.writer import SessionWriter


def test_migrations_reach_the_current_version_and_are_idempotent(tmp_path: Path) -> None:
    conn = connect(tmp_path / "m.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert migrate(conn) == SCHEMA_VERSION  # nothing left to do
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sessions", "samples", "link_events", "device_status"} <= tables


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(SchemaTooNewError, match="newer than this program"):
        connect(path)


def test_wal_mode(tmp_path: Path) -> None:
    conn = connect(tmp_path / "m.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_data_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "elsewhere"))
    assert paths.default_db_path() == tmp_path / "elsewhere" / "monitor.sqlite3"
    assert (tmp_path / "elsewhere").is_dir()


def _samples(n: int, t0: float = 1_700_000_000.0) -> list[Sample]:
    return [Sample("HR", 60.0 + i % 50, t0 + i, t0 + i + 0.2, SampleFlag(i % 4)) for i in range(n)]


def test_samples_from_another_thread_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5")
        samples = _samples(10_000)

        def feed() -> None:
            for i in range(0, 10_000, 25):
                writer.add_samples(sid, samples[i : i + 25])

        feeder = threading.Thread(target=feed)
        feeder.start()
        feeder.join()
        assert writer.flush()
        reader = connect(db)
        rows = reader.execute("SELECT param, t, host_t, value, flags FROM samples ORDER BY t").fetchall()
        assert rows == [(s.param, s.time, s.host_time, s.value, int(s.flags)) for s in samples]
        assert writer.samples_written == 10_000


def test_samples_reach_disk_within_a_second_without_flush(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    with SessionWriter(db, flush_interval=0.5) as writer:
        sid = writer.open_session("loop://", "masimo-ascii")
        writer.add_samples(sid, _samples(3))
        reader = connect(db)
        t0 = time.monotonic()
        while reader.execute("SELECT count(*) FROM samples").fetchone()[0] < 3:
            assert time.monotonic() - t0 < 1.5, "samples not visible to another connection after 1.5 s"
            time.sleep(0.02)


def test_link_events_status_and_session_end(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    writer = SessionWriter(db)
    writer.start()
    sid = writer.open_session("/dev/ttyS0", "datex-s5", capture_path="/tmp/c.ismcap", started_at=100.0)
    writer.add_link_event(sid, 101.0, "connecting", "opened /dev/ttyS0")
    writer.add_link_event(sid, 150.0, "disconnected", "port closed")
    status = DeviceStatus(120.0, 120.5, frozenset({DeviceCondition.SENSOR_OFF}), (("SPO2", ValueState.INVALID),))
    writer.add_status(sid, status)
    writer.add_samples(sid, _samples(5))
    writer.end_session(sid, 200.0)
    writer.close()  # the tail is committed on close
    conn = connect(db)
    (session,) = list_sessions(conn)
    assert (session.started_at, session.ended_at, session.capture_path) == (100.0, 200.0, "/tmp/c.ismcap")
    assert [(e.state, e.detail) for e in read_link_events(conn, sid)] == [
        ("connecting", "opened /dev/ttyS0"), ("disconnected", "port closed"),
    ]  # fmt: skip
    (row,) = read_device_status(conn, sid)
    assert row.conditions == ["sensor off"] and row.unavailable == {"SPO2": "invalid"}
    times, values = read_samples(conn, sid, "HR")
    assert len(times) == 5 and values[0] == 60.0


def test_a_full_disk_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    writer = SessionWriter(db, flush_interval=0.1)
    writer.start()
    sid = writer.open_session("loop://", "datex-s5")
    # Another connection holds the write lock: every commit of the writer fails with "database is locked",
    # which stands for any refusal of the disk (full, read-only) that sqlite reports as OperationalError.
    blocker = sqlite3.connect(db, isolation_level=None, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    writer.add_samples(sid, _samples(100))
    t0 = time.monotonic()
    while writer.healthy:
        assert time.monotonic() - t0 < 15, "writer never reported the failure"
        time.sleep(0.05)
    assert "locked" in (writer.last_error or "")
    writer.add_samples(sid, _samples(50, t0=1_800_000_000.0))
    blocker.execute("ROLLBACK")
    blocker.close()
    assert writer.flush(timeout=15)
    assert writer.healthy and writer.last_error
    writer.close()
    count = connect(db).execute("SELECT count(*) FROM samples").fetchone()[0]
    assert count == 150
