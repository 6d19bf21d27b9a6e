"""SessionService on a real SQLite writer: validated, durable, append-only entries."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from monitor.app.desk import Desk
from monitor.app.export.csv import write_csv
from monitor.app.export.fhir import session_bundle
from monitor.app.session_record import load_record
from monitor.app.session_service import SessionService, entries_from_rows
from monitor.clinical.entries import PROGRAM_INITIALS, EntryAction, EntryKind
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionState
from monitor.storage.db import connect, read_entries
from monitor.storage.writer import SessionWriter

START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": "10", "weight_kg": "80", "rate_mg_kg_h": "0.5"}


class FakeClock:
    """The session clock, moved by the test (a real clock, set by hand; no mock of the code under test)."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def setup(tmp_path: Path):
    db = tmp_path / "s.sqlite3"
    writer = SessionWriter(db)
    writer.start()
    clock = FakeClock(1_700_000_000.0)
    sid = writer.open_session("sim", "datex-s5", started_at=clock.t)
    service = SessionService(writer, sid, clock.t, clock=clock, initials="ab")
    yield service, clock, db
    writer.close()


def _stored(db: Path, sid: int):
    conn = connect(db)
    try:
        return read_entries(conn, sid)
    finally:
        conn.close()


def test_entry_is_on_disk_when_the_future_completes(setup) -> None:
    service, clock, db = setup
    clock.t += 60
    seen = []
    service.add_listener(seen.append)
    entry = service.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "moderate"}).result(5)
    assert entry.id > 0 and entry.initials == "AB" and entry.t == clock.t
    rows = _stored(db, service.session_id)
    assert [(r.kind, r.payload, r.initials) for r in rows] == [
        ("side_effect", {"effect": "nausea", "severity": "moderate"}, "AB")
    ]
    assert seen == [entry]


def test_refused_entries_store_nothing(setup) -> None:
    service, clock, db = setup
    clock.t += 600
    with pytest.raises(EntryError, match="before this session started"):
        service.record(EntryKind.SCORE, {"scale": "pain", "score": 5}, t=clock.t - 3600)
    with pytest.raises(EntryError, match="in the future"):
        service.record(EntryKind.SCORE, {"scale": "pain", "score": 5}, t=clock.t + 3600)
    with pytest.raises(EntryError, match="Weight 400 kg"):
        service.record(EntryKind.INFUSION, START | {"weight_kg": "400"})
    with pytest.raises(EntryError, match="Cannot pause"):
        service.record(EntryKind.INFUSION, {"action": "pause"})
    service.sign_in_at(Desk(accounts=None, lock_after_s=300))  # a desk nobody is signed in at
    with pytest.raises(EntryError, match="sign in to record"):
        service.record(EntryKind.SCORE, {"scale": "pain", "score": 5})
    assert _stored(db, service.session_id) == []


def test_back_dated_infusion_events_fold_in_time_order(setup) -> None:
    service, clock, _ = setup
    t0 = clock.t
    clock.t = t0 + 3600
    service.record(EntryKind.INFUSION, START, t=t0 + 600).result(5)
    service.record(EntryKind.INFUSION, {"action": "stop"}).result(5)
    with pytest.raises(EntryError, match=r"Cannot pause at .*: the infusion has not been started"):
        service.record(EntryKind.INFUSION, {"action": "pause"}, t=t0 + 300)
    status = service.infusion()
    assert status.state is InfusionState.STOPPED
    assert status.total_mg == pytest.approx(40 * 50 / 60)  # 40 mg/h for 50 min


def test_amend_and_strike_keep_the_original_and_change_the_totals(setup) -> None:
    service, clock, db = setup
    t0 = clock.t
    clock.t = t0 + 1800
    start = service.record(EntryKind.INFUSION, START, t=t0).result(5)
    bolus = service.record(EntryKind.INFUSION, {"action": "bolus", "dose_mg": "10"}).result(5)
    assert service.infusion().total_mg == pytest.approx(20 + 10)
    with pytest.raises(EntryError, match="needs a reason"):
        service.amend(start.id, START | {"rate_mg_kg_h": "1.0"}, reason="")
    service.amend(start.id, START | {"rate_mg_kg_h": "1.0"}, reason="pump was set to 1.0").result(5)
    service.strike(bolus.id, reason="bolus not given").result(5)
    status = service.infusion()
    assert status.total_mg == pytest.approx(40), "80 mg/h for 30 min, no bolus"
    views = service.views()
    assert [v.original.id for v in views] == [start.id, bolus.id]
    assert views[0].amended and views[0].original.payload["rate_mg_kg_h"] == 0.5
    assert views[1].struck
    with pytest.raises(EntryError, match="struck through already"):
        service.strike(bolus.id, reason="again")
    rows = _stored(db, service.session_id)
    assert [r.action for r in rows] == ["create", "create", "amend", "strike"]
    assert rows[2].target_id == start.id and rows[2].reason == "pump was set to 1.0"
    assert rows[3].action == EntryAction.STRIKE and rows[3].target_id == bolus.id


def test_a_strike_that_breaks_the_infusion_sequence_is_refused(setup) -> None:
    service, clock, _ = setup
    clock.t += 600
    start = service.record(EntryKind.INFUSION, START, t=clock.t - 300).result(5)
    service.record(EntryKind.INFUSION, {"action": "pause"}).result(5)
    with pytest.raises(EntryError, match="Cannot pause"):
        service.strike(start.id, reason="wrong session")


def test_entries_table_is_append_only(setup) -> None:
    service, _clock, db = setup
    service.record(EntryKind.NOTE, {"note": "patient comfortable"}).result(5)
    conn = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE entries SET payload = '{}'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM entries")
    finally:
        conn.close()


def test_an_entry_the_disk_cannot_take_is_held_in_memory_and_written_when_possible(setup) -> None:
    service, _clock, db = setup
    writer = service.writer
    pages = writer.submit(lambda conn: conn.execute("PRAGMA page_count").fetchone()[0]).result(5)
    writer.submit(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages}")).result(5)  # the disk is full
    futures = [service.record(EntryKind.NOTE, {"note": f"obs {i} " + "x" * 400}) for i in range(20)]
    deadline = time.monotonic() + 5
    while writer.healthy and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not writer.healthy and "full" in (writer.last_error or "")
    assert not all(f.done() for f in futures), "not confirmed while it is not on disk"
    assert writer.pending > 0
    writer.submit(lambda conn: conn.execute("PRAGMA max_page_count = 1073741823")).result(5)  # space again
    stored = [f.result(10) for f in futures]
    assert [e.payload["note"].split()[1] for e in stored] == [str(i) for i in range(20)], "in order, none lost"
    assert writer.healthy
    assert len(_stored(db, service.session_id)) == 20


def test_entries_the_database_never_took_are_saved_beside_it_on_close(closed_on_a_full_disk) -> None:
    db, _sid, futures = closed_on_a_full_disk
    refused = [f for f in futures if f.exception(5) is not None]
    assert refused, "the disk filled up"
    assert all("NOT saved" in str(f.exception()) for f in refused)
    saved = [json.loads(line) for line in db.with_name("full.sqlite3.unsaved-entries.jsonl").read_text().splitlines()]
    on_disk = len(futures) - len(refused)
    assert [r["entry"]["payload"]["note"].split()[0] for r in saved] == [str(i) for i in range(on_disk, 10)], (
        "nothing lost"
    )


def test_a_read_only_database_holds_samples_and_entries_until_it_is_writable_again(setup) -> None:
    from monitor.devices.events import Sample

    service, clock, db = setup
    writer = service.writer
    writer.submit(lambda conn: conn.execute("PRAGMA query_only = ON")).result(5)  # the database turned read-only
    writer.add_samples(service.session_id, [Sample("HR", 70.0 + i, clock.t + i, clock.t + i) for i in range(50)])
    clock.t += 60
    future = service.record(EntryKind.NOTE, {"note": "written while read-only"})
    deadline = time.monotonic() + 5
    while writer.healthy and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not writer.healthy and "readonly" in (writer.last_error or "").replace("-", "").replace(" ", "")
    assert not future.done() and writer.pending >= 50
    writer.submit(lambda conn: conn.execute("PRAGMA query_only = OFF")).result(5)
    assert future.result(10).payload["note"] == "written while read-only"
    assert writer.flush(10) and writer.healthy
    conn = connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 50, "no sample lost"
    finally:
        conn.close()


def test_each_missed_check_is_on_the_record_once_by_the_program_even_after_a_restart(setup, tmp_path) -> None:
    service, clock, db = setup
    t0 = clock.t
    service.record(EntryKind.INFUSION, START).result(5)
    clock.t = t0 + 50 * 60  # checks due at 15 and 30 min were never done; the one due at 45 is overdue
    stored = [f.result(5) for f in service.record_missed_checks([], clock.t)]
    assert [(e.kind, e.t - t0, e.initials) for e in stored] == [
        (EntryKind.MISSED_CHECK, 15 * 60, PROGRAM_INITIALS),
        (EntryKind.MISSED_CHECK, 30 * 60, PROGRAM_INITIALS),
    ]
    assert service.record_missed_checks([], clock.t) == [], "never twice"
    with pytest.raises(EntryError, match="cannot be amended"):
        service.amend(stored[0].id, {"due_at": 0, "missing": []}, "not missed")
    # A restart: the session's entries are read back; nothing is recorded again, the next missed one is.
    resumed = SessionService(
        service.writer, service.session_id, t0, clock=clock, entries=entries_from_rows(_stored(db, service.session_id))
    )
    assert resumed.record_missed_checks([], clock.t) == []
    clock.t = t0 + 65 * 60
    (third,) = [f.result(5) for f in resumed.record_missed_checks([], clock.t)]
    assert third.t == t0 + 45 * 60
    # Everywhere the record goes: the review record, the CSV timeline, FHIR (attributed to the program).
    record = load_record(db, service.session_id)
    missed = [v for v in record.entries if v.kind is EntryKind.MISSED_CHECK]
    assert len(missed) == 3 and record.initials == ("AB",), "the program is not listed as a nurse"
    _samples, timeline = write_csv(record, tmp_path / "csv")
    rows = [line for line in timeline.read_text().splitlines() if ",missed_check," in line]
    assert len(rows) == 3 and "missed (not done: vitals, sedation score, dissociation, side-effect review)" in rows[0]
    performers = [
        r["resource"]["performer"][0]["display"]
        for r in session_bundle(record)["entry"]
        if r["resource"].get("code", {}).get("text") == "missed check"
    ]
    assert performers == ["Infusion Station Monitor (program)"] * 3
