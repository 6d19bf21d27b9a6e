"""What the writer says about itself while the database refuses writes: `flush` answers False (not on disk), it is
not healthy and counts what it holds; once the database takes them again, everything is written exactly once and
it is healthy again. (Survivors of benchmarks/mutation.py: these answers were not checked.)"""

from __future__ import annotations

from pathlib import Path

from monitor.devices.events import Sample
from monitor.storage.db import connect
from monitor.storage.writer import SessionWriter


def _count(db: Path) -> int:
    conn = connect(db)
    try:
        return conn.execute("SELECT count(*) FROM samples").fetchone()[0]
    finally:
        conn.close()


def test_flush_says_false_while_refused_and_the_counts_add_up_once_writable(tmp_path: Path) -> None:
    db = tmp_path / "health.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=0.0)
        assert writer.flush(5) and writer.healthy and writer.pending == 0
        commits = writer.commits
        writer.submit(lambda conn: conn.execute("PRAGMA query_only = ON")).result(5)
        writer.add_samples(sid, [Sample("HR", 70.0, float(i), float(i)) for i in range(30)])
        writer.add_link_event(sid, 1.0, "receiving")
        assert writer.flush(1.0) is False, "not on disk: flush must say so"
        assert not writer.healthy and writer.pending == 31 and writer.samples_written == 0
        assert writer.commits == commits
        writer.submit(lambda conn: conn.execute("PRAGMA query_only = OFF")).result(5)
        assert writer.flush(5) is True
        assert writer.healthy and writer.pending == 0 and writer.samples_written == 30
        assert writer.commits > commits
    assert _count(db) == 30
