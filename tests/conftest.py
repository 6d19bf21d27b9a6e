"""Test-wide setup: headless Qt, and every path the program writes points into a temporary folder."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Sample
from monitor.storage.writer import SessionWriter

# Must be set before any QApplication exists; pytest-qt creates it lazily.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never depend on a sound card or a sound server: QtMultimedia is pointed at servers that are not there, so it
# finds no audio output on every machine alike (the tests of the players use stand-ins; a desk's real sound is
# proved by `infusion-monitor sound-check`). Set before QtMultimedia is first imported.
_NO_SOUND_SERVER = "/nonexistent/infusion-monitor-tests-sound-server"
os.environ["PULSE_SERVER"] = f"unix:{_NO_SOUND_SERVER}"
os.environ["PIPEWIRE_REMOTE"] = _NO_SOUND_SERVER

# Real device records, carried with the tests (provenance in tests/vectors/README.md).
VECTORS = Path(__file__).resolve().parent / "vectors"


@pytest.fixture(autouse=True)
def _no_unanswered_cosign_dialog(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The co-signature dialog is modal: offscreen nobody answers it, and the run would wait until the timeout kills
    it. A test that meets one without meaning to fails at once, naming the safeguard (a nurse at the desk who
    overrides, widens a limit or doses above the ceiling: sign in a charge nurse, or answer the dialog and mark the
    test `real_cosign_dialog`)."""
    if request.node.get_closest_marker("real_cosign_dialog") is not None:
        return
    from monitor.ui.cosign_dialog import CoSignDialog

    def unanswered(dialog: CoSignDialog) -> int:
        raise AssertionError(f"a co-signature dialog nobody answers: {dialog.safeguard}")

    monkeypatch.setattr(CoSignDialog, "exec", unanswered)


@pytest.fixture(autouse=True, scope="session")
def _garbage_collected_on_the_main_thread():
    """Python's automatic garbage collection runs on whichever thread happens to allocate: a worker thread (the
    writer, an acquisition, a sender) could then delete a Qt object that lives on the GUI thread, whose timers stay
    registered and later fire on freed memory — the segmentation faults seen after the 8-chair station tests
    (gdb, 2026-11-29: QTimerInfoList::activateTimers -> notifyInternal2 on a deleted receiver). The program
    collects on the GUI thread only (monitor.ui.app: pyqtgraph's GarbageCollector); the tests do the same: no
    automatic collection, and each test's garbage collected at its own teardown (below)."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _qt_garbage_collected_where_it_was_made():
    """Each test's leftover Qt objects are collected at its own teardown, on the main thread, with their pending
    events processed there."""
    yield
    gc.collect()
    app = QApplication.instance()
    if app is not None:
        app.processEvents()


@pytest.fixture(autouse=True)
def _one_stylesheet() -> None:
    """Tests see what the nurse sees: the program's stylesheet on the QApplication, as monitor.ui.app installs it.
    pytest-qt makes the application in a session fixture, which runs before this one in a test that uses Qt."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        from monitor.ui.stylesheet import install

        install(app)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("INFUSION_MONITOR_DATA_DIR", str(data))
    return data


@pytest.fixture(autouse=True)
def _isolated_desk_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The desk key (monitor.storage.desk_key: HMAC key of the chain, PIN pepper) is a test's own, never the user's."""
    key = tmp_path / "key" / "desk.key"
    monkeypatch.setenv("INFUSION_MONITOR_KEY_FILE", str(key))
    return key


@pytest.fixture
def vectors() -> Path:
    if not VECTORS.is_dir():
        pytest.fail(f"test vectors not found at {VECTORS}")
    return VECTORS


T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z: the recorded session's start


@pytest.fixture
def recorded_session(tmp_path: Path) -> tuple[Path, int]:
    """A finished one-hour session in a real database: samples (NIBP resent with every record, a new reading at
    30 min), an infusion with a bolus, scores and side effects, one amended and one struck entry."""
    db = tmp_path / "export.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=T0)
        samples = []
        for i in range(0, 3600, 5):  # an hour, a record every 5 s; the NIBP reading is resent with each
            t = T0 + i
            nibp = (120.0, 80.0, 93.0) if i < 1800 else (150.0, 95.0, 113.0)
            vitals = {"HR": 70 + i % 7, "SPO2": 97.0, "RR": 14.0}
            vitals |= dict(zip(("NIBP_SYS", "NIBP_DIA", "NIBP_MEAN"), nibp, strict=True))
            for param, value in vitals.items():
                samples.append(Sample(param, float(value), t, t + 0.2))
        writer.add_samples(sid, samples)
        service = SessionService(writer, sid, T0, clock=lambda: T0 + 3600, initials="KM")
        start = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 80, "rate_mg_kg_h": 0.5}
        service.record(EntryKind.INFUSION, start, t=T0 + 300).result(5)
        service.record(EntryKind.INFUSION, {"action": "bolus", "dose_mg": 10}, t=T0 + 600).result(5)
        pain = service.record(EntryKind.SCORE, {"scale": "pain", "score": 7}, t=T0 + 120).result(5)
        nausea = service.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"}, t=T0 + 900).result(5)
        service.record(EntryKind.SCORE, {"scale": "rass", "score": -1}, t=T0 + 1000).result(5)
        service.record(EntryKind.INFUSION, {"action": "stop"}, t=T0 + 3300).result(5)
        service.amend(pain.id, {"scale": "pain", "score": 6}, "misheard").result(5)
        service.strike(nausea.id, "wrong patient").result(5)
        writer.end_session(sid, T0 + 3600)
    return db, sid


@pytest.fixture
def capture_file(tmp_path: Path) -> Path:
    """A raw capture of ten minutes of DRI records (one per 5 s) with a disconnection in the middle."""
    from monitor.devices import datex_s5
    from monitor.devices.capture import CaptureWriter

    path = tmp_path / "captures" / "session.ismcap"
    writer = CaptureWriter(path, protocol="datex-s5", source="/dev/ttyUSB0", line={"baudrate": 19200})
    for i in range(120):
        t = T0 + 5 * i
        if i == 60:
            writer.write_event(t - 2, "disconnected", "port vanished")
            continue
        vitals = {"HR": 60.0 + i % 40, "SPO2": 97.0, "NIBP_SYS": 120.0, "NIBP_DIA": 80.0, "NIBP_MEAN": 93.0}
        record = datex_s5.encode_displayed_record(vitals, time=int(t))
        writer.write_data(t + 0.1, datex_s5.frame(record))
    writer.close()
    return path


@pytest.fixture
def closed_on_a_full_disk(tmp_path: Path):
    """A session whose disk filled up: ten notes, the first ones stored, the rest held, then the program closed.
    Returns (database, session id, the ten futures)."""
    db = tmp_path / "full.sqlite3"
    writer = SessionWriter(db)
    writer.start()
    sid = writer.open_session("sim", "datex-s5", started_at=1000.0)
    service = SessionService(writer, sid, 1000.0, clock=lambda: 1100.0, initials="AB")
    pages = writer.submit(lambda conn: conn.execute("PRAGMA page_count").fetchone()[0]).result(5)
    writer.submit(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages}")).result(5)  # this connection only
    futures = [service.record(EntryKind.NOTE, {"note": f"{i} " + "x" * 450}) for i in range(10)]
    writer.close()
    return db, sid, futures


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL for the session (tests/pg.py): MONITOR_TEST_PG_DSN's, or a throwaway cluster; fails, never
    skips, when neither is there. Yields the superuser DSN."""
    import pg

    with pg.server() as dsn:
        yield dsn


@pytest.fixture
def pg_cluster():
    """A PostgreSQL cluster of this test's own, started, that the test may stop() and start() again (a server gone
    and back); removed after it. Always a throwaway cluster (never MONITOR_TEST_PG_DSN's shared server)."""
    import pg

    with pg.Cluster() as cluster:
        yield cluster


@pytest.fixture
def pg_dsn(pg_server: str, request: pytest.FixtureRequest):
    """A fresh, empty database of its own for each test, dropped after it; yields its superuser DSN."""
    import re
    import uuid

    import pg
    import psycopg
    from psycopg import sql

    name = f"t_{re.sub(r'[^a-z0-9]+', '_', request.node.name.lower())[:40]}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield pg.with_dbname(pg_server, name)
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
