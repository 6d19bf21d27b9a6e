"""The record chain (issue 18 point 9): alarm events, accounts, patients, course links and each session's samples,
keyed and chained; `verify` names what was edited, deleted or slipped in, and counts what predates the chain."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from monitor.cli import main
from monitor.clinical.roles import Role
from monitor.devices.events import Sample, Wave, WaveBlock
from monitor.storage.append_only import APPEND_ONLY_TRIGGERS, append_only_sql, missing_triggers, trigger_names
from monitor.storage.chain_anchor import CHAINS, check_heads, record_heads
from monitor.storage.db import connect
from monitor.storage.patients import add_course, add_patient, assign_session
from monitor.storage.record_chain import SAMPLES, seal_unsealed, verify_chain
from monitor.storage.schema import MIGRATIONS
from monitor.storage.writer import SessionWriter
from tests.accounts import cli_user, make_account

PATIENT = {"name": "Ada Test", "mrn": "MRN-1", "dob": "1970-01-01", "weight_kg": 70.0, "allergies": ""}


@pytest.fixture
def chained(recorded_session: tuple[Path, int]) -> tuple[Path, int]:
    """The recorded session with an alarm event, a patient and course it is linked to, and an account."""
    db, sid = recorded_session
    with SessionWriter(db) as writer:
        writer.add_alarm_event(sid, 1.767e9, "acknowledge", "HR high", "HR 130 > 120", "high", "clinical", 130.0,
                               120.0, who="KM")
        writer.flush()
    conn = connect(db)
    pid = add_patient(conn, PATIENT)
    assign_session(conn, sid, add_course(conn, pid, "course 1"))
    record_heads(conn)
    conn.close()
    make_account(db, "KM", Role.NURSE)
    return db, sid


def _raw(db: Path) -> sqlite3.Connection:
    """A connection that is not the program's (no chaining triggers): how a file is edited behind its back."""
    return sqlite3.connect(db, isolation_level=None)


def _problems(db: Path) -> tuple[str, ...]:
    conn = connect(db)
    try:
        return verify_chain(conn).problems
    finally:
        conn.close()


def test_everything_recorded_is_chained_and_verifies(chained: tuple[Path, int]) -> None:
    db, _sid = chained
    conn = connect(db)
    covered = {r[0] for r in conn.execute("SELECT DISTINCT covers FROM record_chain")}
    assert {"alarm_events", "accounts", "account_events", "patients", "courses", "sessions", SAMPLES} <= covered
    result = verify_chain(conn)
    assert result.ok, result.problems
    assert result.sealed_sessions == 1 and result.unchained == 0 and result.unsealed_samples == 0
    assert "record_chain" in CHAINS and check_heads(conn) == []


EDITS = {  # what is edited behind the program (the append-only trigger dropped first, where there is one): the finding
    "alarm event": ("alarm_events_are_append_only_update", "UPDATE alarm_events SET who = 'XX'",
                    "alarm event 1 (alarm_events) was altered"),
    "account": (None, "UPDATE accounts SET role = 'admin' WHERE initials = 'KM'", "account 2 (accounts) was altered"),
    "patient": ("patients_are_append_only_update", "UPDATE patients SET dob = '1980-01-01'",
                "patient 1 (patients) was altered"),
    "course link": (None, "UPDATE sessions SET course_id = NULL",
                    "session (its course link, end or discharge) 1 (sessions) was altered"),
}


@pytest.mark.parametrize("kind", EDITS)
def test_each_edit_kind_is_named(chained: tuple[Path, int], kind: str) -> None:
    db, _sid = chained
    trigger, edit, finding = EDITS[kind]
    raw = _raw(db)
    if trigger:
        raw.execute(f"DROP TRIGGER {trigger}")
    raw.execute(edit)
    assert any(finding in p for p in _problems(db)), _problems(db)


def test_a_changed_account_through_the_program_stays_valid(chained: tuple[Path, int]) -> None:
    db, _sid = chained
    conn = connect(db)
    conn.execute("UPDATE accounts SET failed = 3 WHERE initials = 'KM'")  # as a wrong PIN does: chained again
    assert verify_chain(conn).ok


def test_a_row_slipped_in_is_named(chained: tuple[Path, int]) -> None:
    db, sid = chained
    _raw(db).execute("INSERT INTO alarm_events (session_id, t, action, key, message) VALUES (?, 1, 'ack', 'k', 'm')",
                     (sid,))
    assert any("alarm event 2 (alarm_events) is not in the record chain" in p for p in _problems(db))


def test_a_changed_sample_is_named(chained: tuple[Path, int]) -> None:
    db, sid = chained
    _raw(db).execute("UPDATE samples SET value = 60 WHERE rowid = 100")
    assert any(f"session {sid}'s samples were changed" in p for p in _problems(db))


def test_a_deleted_sample_is_named(chained: tuple[Path, int]) -> None:
    db, sid = chained
    _raw(db).execute("DELETE FROM samples WHERE rowid = 100")
    assert any(f"session {sid}'s samples: 1 deleted" in p for p in _problems(db))


def test_a_sample_added_after_the_end_is_named(chained: tuple[Path, int]) -> None:
    db, sid = chained
    _raw(db).execute("INSERT INTO samples (session_id, param, t, host_t, value) VALUES (?, 'HR', 1, 1, 80)", (sid,))
    assert any(f"session {sid}: 1 samples added after" in p for p in _problems(db))


def test_a_cut_tail_is_found(chained: tuple[Path, int], monkeypatch, capsys) -> None:
    db, _sid = chained
    cli_user(monkeypatch, db)
    conn = connect(db)
    record_heads(conn)
    last = conn.execute("SELECT max(id) FROM record_chain").fetchone()[0]
    conn.close()
    raw = _raw(db)
    raw.execute("DROP TRIGGER record_chain_is_append_only_delete")
    raw.execute("DELETE FROM record_chain WHERE id = ?", (last,))
    assert main(["verify", str(db)]) == 1
    out = capsys.readouterr().out
    assert f"record_chain: row {last}" in out  # gone, or (signing in chained a row since) rewritten
    assert "record_chain_is_append_only_delete" in out  # the dropped trigger is named too


def test_a_running_session_is_sealed_at_verify_and_checked_after(tmp_path: Path) -> None:
    db = tmp_path / "running.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=1.767e9)
        writer.add_samples(sid, [Sample("HR", 70.0 + i % 5, 1.767e9 + i, 1.767e9 + i) for i in range(50)])
        writer.flush()
        conn = connect(db)
        first = verify_chain(conn)
        assert first.ok and first.unsealed_samples == 50  # not proven yet: counted
        assert seal_unsealed(conn) == 1
        assert verify_chain(conn).unsealed_samples == 0
        writer.add_samples(sid, [Sample("HR", 71.0, 1.767e9 + 60, 1.767e9 + 60)])
        writer.flush()
        assert verify_chain(conn).ok and verify_chain(conn).unsealed_samples == 1  # still running: fine
        _raw(db).execute("UPDATE samples SET value = 99 WHERE rowid = 3")
        assert any(f"session {sid}'s samples were changed" in p for p in verify_chain(conn).problems)
        conn.close()


def _database_at(path: Path, version: int) -> sqlite3.Connection:
    raw = _raw(path)
    for v, script in MIGRATIONS:
        if v <= version:
            raw.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {v};\nCOMMIT;")
    return raw


def test_an_older_database_counts_its_unchained_rows(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "old.sqlite3"
    raw = _database_at(db, 13)
    raw.execute("INSERT INTO sessions (started_at, source, protocol, ended_at) VALUES (1, 'p', 'datex-s5', 9)")
    raw.executemany("INSERT INTO samples (session_id, param, t, host_t, value) VALUES (1, 'HR', ?, ?, 70)",
                    [(t, t) for t in range(1, 9)])
    raw.execute("INSERT INTO alarm_events (session_id, t, action, key, message) VALUES (1, 2, 'onset', 'k', 'm')")
    raw.close()
    cli_user(monkeypatch, db)  # opens it: migration 14
    conn = connect(db)
    result = verify_chain(conn)
    assert result.ok, result.problems
    assert result.unchained == 2  # the session and the alarm event (the account cli_user made is chained)
    assert result.unsealed_samples == 8
    conn.close()
    assert main(["verify", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2 rows unchained before" in out and "the samples of 1 session sealed now" in out
    _raw(db).execute("DELETE FROM samples WHERE rowid = 2")  # the older session's samples are proven from now on
    assert main(["verify", str(db)]) == 1
    assert "1 deleted" in capsys.readouterr().out


def test_without_the_key_only_the_links_are_checked(chained: tuple[Path, int]) -> None:
    db, _sid = chained
    conn = connect(db)
    result = verify_chain(conn, key=None)
    assert result.ok and result.unchecked == result.rows > 0
    assert not verify_chain(conn, key=b"k" * 32).ok  # another desk's key: the hashes do not match


def test_the_generated_triggers_are_in_the_database_and_in_verify_s_list(chained: tuple[Path, int]) -> None:
    conn = connect(chained[0])
    assert missing_triggers(conn) == []
    for name in ("record_chain_is_append_only_update", "session_changes_is_append_only_delete",
                 "account_events_append_only_update", "accounts_never_deleted"):
        assert name in APPEND_ONLY_TRIGGERS
    assert "record_chain_is_append_only_delete" in append_only_sql("record_chain")
    with pytest.raises(sqlite3.IntegrityError, match="record chain is append-only"):
        conn.execute("DELETE FROM record_chain")


def test_a_session_without_samples_is_sealed_empty_at_its_end(tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=1.767e9)
        writer.end_session(sid, 1.767e9 + 10)
    conn = connect(db)
    assert conn.execute("SELECT sample_count FROM record_chain WHERE covers = ?", (SAMPLES,)).fetchall() == [(0,)]
    assert verify_chain(conn).ok


def test_stored_waves_are_chained_block_by_block_and_an_edited_block_is_named(chained: tuple[Path, int]) -> None:
    """The waves are the record too since issue 22 (full disclosure, the PDF's strips): local migration 20."""
    db, sid = chained
    t0 = 1.767e9
    with SessionWriter(db) as writer:  # 12 s of pleth: one full ~10 s block and the rest drained at the close
        writer.add_waves(sid, [WaveBlock(Wave.PLETH, t0, 100.0, np.sin(np.arange(1200) / 7).astype(np.float32), t0)])
    conn = connect(db)
    blocks = [r[0] for r in conn.execute("SELECT id FROM wave_blocks ORDER BY id")]
    chained_blocks = {r[0] for r in conn.execute("SELECT row_id FROM record_chain WHERE covers = 'wave_blocks'")}
    assert blocks and set(blocks) == chained_blocks
    assert verify_chain(conn).ok
    raw = _raw(db)
    update, _delete = trigger_names("wave_blocks")
    raw.execute(f"DROP TRIGGER {update}")
    raw.execute("UPDATE wave_blocks SET payload = zeroblob(length(payload)) WHERE id = ?", (blocks[0],))
    assert f"wave block {blocks[0]} (wave_blocks) was altered: it differs from its chained digest" in _problems(db)
