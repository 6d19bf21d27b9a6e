"""A nurse entry is committed with synchronous=FULL (fsynced before the nurse sees it confirmed), samples with the
WAL's NORMAL. Checked on the writer's own connection: at every COMMIT the test reads PRAGMA synchronous, the
setting actually in effect for that transaction -- not what the code meant to set."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import monitor.storage.writer as writer_module
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Sample
from monitor.storage.db import connect
from monitor.storage.writer import SessionWriter

FULL, NORMAL = 2, 1  # PRAGMA synchronous values


class CommitProbe:
    """The writer's connection, with a look at each COMMIT: which tables the transaction wrote, and the
    synchronous level in effect when it committed."""

    def __init__(self, conn: sqlite3.Connection, commits: list[tuple[frozenset[str], int]]) -> None:
        self._conn = conn
        self._commits = commits
        self._wrote: set[str] = set()

    def __getattr__(self, name: str):
        return getattr(self._conn, name)

    def _note(self, sql: str) -> None:
        words = sql.split()
        if len(words) > 2 and words[0].upper() == "INSERT" and words[1].upper() == "INTO":
            self._wrote.add(words[2].lower())

    def _committing(self) -> None:
        level = self._conn.execute("PRAGMA synchronous").fetchone()[0]
        self._commits.append((frozenset(self._wrote), level))
        self._wrote = set()

    def execute(self, sql: str, *args):
        self._note(sql)
        if sql.strip().upper() in ("COMMIT", "END"):
            self._committing()
        return self._conn.execute(sql, *args)

    def commit(self) -> None:
        self._committing()
        self._conn.commit()

    def executemany(self, sql: str, rows):
        self._note(sql)
        return self._conn.executemany(sql, rows)


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[frozenset[str], int]]:
    seen: list[tuple[frozenset[str], int]] = []
    lock = threading.Lock()

    def probed(path: Path | str) -> CommitProbe:
        with lock:
            return CommitProbe(connect(path), seen)

    monkeypatch.setattr(writer_module, "connect", probed)
    return seen


def test_entries_commit_with_synchronous_full_and_samples_with_normal(tmp_path: Path, commits) -> None:
    t0 = 1_767_225_600.0
    with SessionWriter(tmp_path / "durable.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=t0)
        service = SessionService(writer, sid, t0, clock=lambda: t0 + 60, initials="AB")
        writer.add_samples(sid, [Sample("HR", 72.0, t0 + i, t0 + i) for i in range(10)])
        assert writer.flush()
        pain = service.record(EntryKind.SCORE, {"scale": "pain", "score": 6}).result(5)
        service.amend(pain.id, {"scale": "pain", "score": 5}, "misheard").result(5)
        writer.add_samples(sid, [Sample("HR", 73.0, t0 + 20, t0 + 20)])
        assert writer.flush()
    entry_commits = [level for wrote, level in commits if "entries" in wrote]
    sample_commits = [level for wrote, level in commits if "samples" in wrote and "entries" not in wrote]
    assert len(entry_commits) == 2, commits
    assert entry_commits == [FULL, FULL], "a confirmed nurse entry must be fsynced: synchronous=FULL"
    assert sample_commits and set(sample_commits) == {NORMAL}, "samples keep the WAL's NORMAL (a second at risk)"
