"""Entries the database refused until the program closed are saved beside it and restored at the next start:
unchanged, in order, with their audit rows, once only; what still cannot go in stays in the file with a reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from monitor.app.recovery import restore_unsaved_entries
from monitor.storage import audit
from monitor.storage.db import connect, read_entries
from monitor.storage.unsaved import restore_unsaved, unsaved_path


@pytest.fixture
def left_unsaved(closed_on_a_full_disk) -> tuple[Path, int, int]:
    """(database, session id, how many of the ten notes reached it); the rest are in the file beside it."""
    db, sid, futures = closed_on_a_full_disk
    refused = sum(1 for f in futures if f.exception(5) is not None)
    assert refused and unsaved_path(db).is_file()
    return db, sid, len(futures) - refused


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


def test_what_the_database_cannot_take_stays_in_the_file_with_the_reason(left_unsaved) -> None:
    db, sid, _ = left_unsaved
    lines = unsaved_path(db).read_text().splitlines()
    stray = json.loads(lines[0]) | {"session_id": 999}
    unsaved_path(db).write_text("\n".join([*lines, json.dumps(stray), "{not json"]) + "\n")

    result = restore_unsaved(db)

    assert result is not None and result.restored == len(lines) and len(result.refused) == 2
    assert "session 999" in result.refused[0] and "unreadable" in result.refused[1]
    left = unsaved_path(db).read_text().splitlines()
    assert [json.loads(left[0])["session_id"], left[1]] == [999, "{not json"], "nothing dropped"
    assert "could NOT be added" in result.message() and str(result.kept_as) in result.message()
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
