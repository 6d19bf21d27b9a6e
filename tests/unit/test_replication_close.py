"""A desk's close sends everything recorded before it, even when a replication pass is under way at that moment
(issue 17 point 2: "on a normal close the desk finishes sending what is pending"). Found by benchmarks/hub.py: a
pass that took its snapshot before the writer's last commit ended the close's flush with those rows unsent."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
from hub_desks import desk_dsn
from waiting import WAIT_S, until

from monitor.app.replication import Replication
from monitor.devices.events import Sample
from monitor.storage.writer import SessionWriter

T0 = 1_767_225_600.0


def _scalar(dsn: str, query: str, *params: object) -> object:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, params).fetchone()[0]


def test_a_close_during_a_pass_still_sends_the_rows_committed_after_that_pass_began(tmp_path: Path, pg_dsn: str):
    db = tmp_path / "desk.sqlite3"
    hub_samples = lambda: _scalar(pg_dsn, "SELECT count(*) FROM samples WHERE desk = 'desk-a'")  # noqa: E731
    with SessionWriter(db) as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)

        def record(first: int, n: int) -> None:
            writer.add_samples(sid, [Sample("HR", 70.0, T0 + i, T0 + i) for i in range(first, first + n)])
            assert writer.flush(10)

        record(0, 200)
        replication = Replication(db, desk_dsn(pg_dsn, "desk_a"), "desk-a", interval_s=0.05)
        replication.start()
        try:
            until(lambda: hub_samples() == 200, "the first rows reach the server")
            with psycopg.connect(pg_dsn) as blocker:  # writes to samples wait; reads do not
                blocker.execute("LOCK TABLE samples IN EXCLUSIVE MODE")
                record(200, 50)
                until(lambda: _scalar(pg_dsn, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                                               " WHERE NOT l.granted AND a.usename = 'desk_a'") == 1,
                       "a pass is under way (its snapshot taken, its batch waiting on the server)")
                record(250, 30)  # the writer's last commit, after that pass's snapshot
                left: list[int] = []
                closing = threading.Thread(target=lambda: left.append(replication.stop(WAIT_S)))
                closing.start()
                until(lambda: replication._flush_until is not None, "the close has begun")
            closing.join(WAIT_S + 10)
        finally:
            replication.stop(0)
    assert left == [0], "the close stopped before sending the last rows"
    assert hub_samples() == 280
