"""Entries the database refused until the program closed are saved beside it and restored at the next start:
unchanged, in order, with their audit rows, once only; what still cannot go in stays in the file with a reason."""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from monitor.app.resume import restore_unsaved_entries
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind, describe
from monitor.storage import audit
from monitor.storage.db import EntryRow, connect, insert_entry, read_entries
from monitor.storage.unsaved import refused_path, restore_unsaved, save_unsaved, unsaved_path
from monitor.storage.writer import SessionWriter


@pytest.fixture
def left_unsaved(closed_on_a_full_disk) -> tuple[Path, int, int]:
    """(database, session id, how many of the ten notes reached it); the rest are in the file beside it."""
    db, sid, futures = closed_on_a_full_disk
    refused = sum(1 for f in futures if f.exception(5) is not None)
    assert refused and unsaved_path(db).is_file()
    return db, sid, len(futures) - refused


def save_line(db: Path, entry: dict) -> Path:
    """Write `entry` as the program writes an unsaved entry (with its checksum), beside `db`; returns `db`."""
    save_unsaved(db, [entry])
    return db


def _notes(db: Path, sid: int) -> list[str]:
    conn = connect(db)
    try:
        return [e.payload["note"].split()[0] for e in read_entries(conn, sid)]
    finally:
        conn.close()


def test_saved_entries_go_back_into_the_database_in_order_with_their_audit(left_unsaved) -> None:
    db, sid, on_disk = left_unsaved
    saved = unsaved_path(db).read_text()

    result = restore_unsaved(db)

    assert result is not None and result.restored == 10 - on_disk and not result.refused
    assert _notes(db, sid) == [str(i) for i in range(10)], "every entry once, in the order typed"
    conn = connect(db)
    try:
        assert audit.verify(conn).ok and audit.verify(conn).entries == 10
    finally:
        conn.close()
    assert not unsaved_path(db).exists(), "not restored a second time"
    assert result.kept_as is not None and result.kept_as.read_text() == saved, "the file is kept for the record"
    assert restore_unsaved(db) is None


def test_a_restore_cut_short_before_the_rename_adds_nothing_twice(left_unsaved) -> None:
    db, sid, on_disk = left_unsaved
    backup = db.with_name("copy.jsonl")
    shutil.copy(unsaved_path(db), backup)
    restore_unsaved(db)
    shutil.copy(backup, unsaved_path(db))  # as if the program stopped between the commit and the rename

    again = restore_unsaved(db)

    assert again is not None and again.restored == 0 and again.already == 10 - on_disk
    assert _notes(db, sid) == [str(i) for i in range(10)]


def test_what_the_database_cannot_take_is_kept_aside_with_the_reason(left_unsaved) -> None:
    db, sid, _ = left_unsaved
    lines = unsaved_path(db).read_text().splitlines()
    entry = json.loads(lines[0])["entry"] | {"session_id": 999}
    other = unsaved_path(save_line(db.with_name("other.sqlite3"), entry)).read_text().strip()  # a valid checksum
    unsaved_path(db).write_text("\n".join([*lines, other, "{not json"]) + "\n")

    result = restore_unsaved(db)

    assert result is not None and result.restored == len(lines) and len(result.refused) == 2
    assert "session 999" in result.refused[0] and "unreadable" in result.refused[1]
    aside = [json.loads(line) for line in refused_path(db).read_text().splitlines()]
    assert [a["line"] for a in aside] == [other, "{not json"], "nothing dropped"
    assert [a["reason"] for a in aside] == result.refused
    assert not unsaved_path(db).exists(), "never tried again as if it were new"
    assert "could NOT be added" in result.message() and str(refused_path(db)) in result.message()
    assert _notes(db, sid) == [str(i) for i in range(10)]


def test_at_start_the_nurse_is_told_and_a_database_that_still_refuses_loses_nothing(left_unsaved) -> None:
    db, sid, on_disk = left_unsaved
    saved = unsaved_path(db).read_text()
    holder = connect(db)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the database: it refuses writes (after 5 s)
    try:
        message = restore_unsaved_entries(db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert message is not None and "tell IT" in message and str(unsaved_path(db)) in message
    assert unsaved_path(db).read_text() == saved

    message = restore_unsaved_entries(db)
    assert message is not None and message.startswith(f"{10 - on_disk} nurse entr")
    assert _notes(db, sid) == [str(i) for i in range(10)]


# --- nothing enters the record without validation (issue 14, point 3) -------------------------------------------


@pytest.fixture
def session_db(tmp_path: Path) -> tuple[Path, int]:
    """A database with one session started at 1000 s, and nothing yet in the unsaved-entries file."""
    db = tmp_path / "clinic.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=1000.0)
    return db, sid


def _row(sid: int, kind: str, payload: dict, t: float = 1050.0, initials: str = "AB") -> dict:
    return asdict(EntryRow(sid, kind, t, 1100.0, initials, payload))


def _stored(db: Path, sid: int) -> list[EntryRow]:
    conn = connect(db)
    try:
        assert audit.verify(conn).ok, "verify is still intact"
        return read_entries(conn, sid)
    finally:
        conn.close()


def test_forged_lines_are_refused_and_kept_aside_a_good_one_restored_marked(session_db) -> None:
    """A forged 'pain 99/10' and a note dated 24 h before the session, both with a valid checksum (anyone can
    compute one), go through the validation a typed entry does: refused, kept aside; the good line goes in with
    its author and times, marked restored."""
    db, sid = session_db
    good = _row(sid, "score", {"scale": "pain", "score": 4})
    forged_pain = _row(sid, "score", {"scale": "pain", "score": 99})
    day_before = _row(sid, "note", {"note": "given 2 mg midazolam"}, t=1000.0 - 86_400)
    bad_initials = _row(sid, "note", {"note": "fine"}, initials="A1")
    save_unsaved(db, [forged_pain, good, day_before, bad_initials])

    message = restore_unsaved_entries(db)

    stored = _stored(db, sid)
    assert [(e.kind, e.payload) for e in stored] == [("score", {"scale": "pain", "score": 4, "restored": True})]
    assert (stored[0].t, stored[0].recorded_at, stored[0].initials) == (1050.0, 1100.0, "AB"), "author, times kept"
    assert describe(EntryKind.SCORE, stored[0].payload) == "Pain 4/10 (restored after a database failure)"
    aside = [json.loads(line) for line in refused_path(db).read_text().splitlines()]
    assert [json.loads(a["line"])["entry"]["payload"] for a in aside] == [
        forged_pain["payload"],
        day_before["payload"],
        bad_initials["payload"],
    ]
    assert "Pain NRS score must be a whole number from 0 to 10" in aside[0]["reason"]
    assert "before the session started" in aside[1]["reason"]
    assert "initials" in aside[2]["reason"]
    assert message is not None and "3 could NOT be added" in message and str(refused_path(db)) in message


def test_a_tampered_line_is_refused_by_its_checksum(session_db) -> None:
    db, sid = session_db
    save_unsaved(db, [_row(sid, "score", {"scale": "pain", "score": 2})])
    path = unsaved_path(db)
    path.write_text(path.read_text().replace('"score": 2', '"score": 8'))  # still a valid pain score
    old_format = json.dumps(_row(sid, "note", {"note": "written by hand"}))  # no checksum at all
    path.write_text(path.read_text() + old_format + "\n")

    message = restore_unsaved_entries(db)

    assert _stored(db, sid) == []
    reasons = [json.loads(line)["reason"] for line in refused_path(db).read_text().splitlines()]
    assert reasons == [
        "checksum does not match: the line was altered or damaged",
        "no checksum: not written by this program",
    ]
    assert message is not None and "2 could NOT be added" in message


def test_a_correction_of_an_entry_of_another_kind_is_refused(session_db) -> None:
    db, sid = session_db
    with SessionWriter(db) as writer:
        service = SessionService(writer, sid, 1000.0, clock=lambda: 1100.0, initials="AB")
        note = service.record(EntryKind.NOTE, {"note": "calm"}).result(5)
    amend = asdict(
        EntryRow(sid, "score", 1060.0, 1100.0, "AB", {"scale": "pain", "score": 3}, "amend", note.id, "typo")
    )
    save_unsaved(db, [amend])

    restore_unsaved_entries(db)

    assert len(_stored(db, sid)) == 1
    assert "not a score entry" in json.loads(refused_path(db).read_text())["reason"]


def test_when_the_fallback_file_cannot_be_written_the_log_has_no_entry_text(tmp_path: Path, caplog) -> None:
    db = tmp_path / "full.sqlite3"
    unsaved_path(db).mkdir()  # the file cannot be created: as on the same full disk
    writer = SessionWriter(db)
    writer.start()
    sid = writer.open_session("sim", "datex-s5", started_at=1000.0)
    service = SessionService(writer, sid, 1000.0, clock=lambda: 1100.0, initials="AB")
    pages = writer.submit(lambda conn: conn.execute("PRAGMA page_count").fetchone()[0]).result(5)
    writer.submit(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages}")).result(5)
    futures = [service.record(EntryKind.NOTE, {"note": f"SECRET-{i} " + "x" * 450}) for i in range(10)]
    with caplog.at_level(logging.INFO):
        writer.close()
    refused = sum(1 for f in futures if f.exception(5) is not None)
    critical = [r.getMessage() for r in caplog.records if r.levelno >= logging.CRITICAL]
    assert refused and critical and f"{refused} entries NOT saved" in critical[0]
    assert not any("SECRET" in r.getMessage() for r in caplog.records), "no entry text (PHI) in the log"


def test_a_demo_on_the_simulated_clock_restores_entries_stamped_ahead_of_this_one(tmp_path: Path) -> None:
    """A sped-up demo stamps entries on the simulated clock (timebase 'device'), ahead of the wall clock: they are
    inside their session and go back in; malformed content is refused with a reason, not a traceback."""
    db = tmp_path / "demo.sqlite3"
    ahead = time.time() + 30 * 86_400
    with SessionWriter(db) as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=ahead, timebase="device")
    note = asdict(EntryRow(sid, "note", ahead + 60, ahead + 120, "AB", {"note": "demo"}))
    malformed = asdict(EntryRow(sid, "screening", ahead + 60, ahead + 120, "AB", {"baseline": [1, 2]}))
    save_unsaved(db, [note, malformed])

    restore_unsaved_entries(db)

    assert [e.payload for e in _stored(db, sid)] == [{"note": "demo", "restored": True}]
    assert "refused as a typed entry would be" in json.loads(refused_path(db).read_text())["reason"]


def test_an_entry_for_a_session_already_discharged_is_refused_as_a_typed_one_would_be(session_db) -> None:
    """A discharged session is closed for real (issue 13): a typed entry is refused after the discharge, and so
    is a restored one; kept aside with the reason, never inserted."""
    db, sid = session_db
    conn = connect(db)
    try:
        with conn:
            insert_entry(conn, EntryRow(sid, "discharge", 1080.0, 1080.0, "CD", {"destination": "home"}))
    finally:
        conn.close()
    save_unsaved(db, [_row(sid, "note", {"note": "late"}, t=1090.0)])

    message = restore_unsaved_entries(db)

    assert [e.kind for e in _stored(db, sid)] == ["discharge"]
    reasons = [json.loads(line)["reason"] for line in refused_path(db).read_text().splitlines()]
    assert len(reasons) == 1 and "the session was closed: discharged at" in reasons[0] and "by CD" in reasons[0]
    assert message is not None and "1 could NOT be added" in message
