"""Record-chain figures (issue 18 point 9): what sealing and verifying cost on a 4-chair, 4-hour database.

Run: .venv/bin/python benchmarks/chain.py [--chairs 4] [--hours 4]
In a temporary database and key file: --chairs sessions of --hours each (benchmarks.storage.build_session: 1 Hz
vitals, NIBP every 5 s, 60 entries) plus 100 alarm events per chair; then
1. the seal at each session's end (its samples' sha256, in the end's transaction on the writer thread), seconds;
2. reading every sample once (the floor of any check of them), then `verify`'s checks: the audit chain and the
   record chain (links, covered rows, every session's samples against its seal), seconds.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from storage import build_session  # benchmarks/storage.py: run as a script, this folder is sys.path[0]

from monitor.storage import audit
from monitor.storage.db import connect
from monitor.storage.record_chain import seal_samples, verify_chain
from monitor.storage.writer import SessionWriter


def build(db: Path, chairs: int, hours: float) -> list[int]:
    sessions = [build_session(db, hours) for _ in range(chairs)]
    with SessionWriter(db) as writer:
        for sid in sessions:
            for k in range(100):
                writer.add_alarm_event(sid, 1.767e9 + k * 60, "onset", "HR high", "HR 130 > 120", "high", "clinical",
                                       130.0, 120.0)
        writer.flush(timeout=60)
    return sessions


def seal_time(db: Path, sid: int) -> float:
    conn = connect(db)
    try:
        start = time.perf_counter()
        conn.execute("BEGIN")
        seal_samples(conn, sid)
        conn.execute("ROLLBACK")
        return time.perf_counter() - start
    finally:
        conn.close()


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--chairs", type=int, default=4)
    parser.add_argument("--hours", type=float, default=4.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ism-chain-"))
    os.environ["INFUSION_MONITOR_KEY_FILE"] = str(tmp / "desk.key")
    db = tmp / "chairs.sqlite3"
    start = time.perf_counter()
    sessions = build(db, args.chairs, args.hours)
    conn = connect(db)
    samples = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
    chained = conn.execute("SELECT count(*) FROM record_chain").fetchone()[0]
    print(f"built {args.chairs} sessions of {args.hours:g} h in {time.perf_counter() - start:.1f} s: "
          f"{samples:,} samples, {chained} record-chain rows ({db.stat().st_size / 1e6:.0f} MB)")
    print(f"seal at a session's end ({samples // args.chairs:,} samples): {seal_time(db, sessions[0]):.3f} s")
    start = time.perf_counter()
    conn.execute("SELECT rowid, * FROM samples").fetchall()
    print(f"for scale, reading every sample once: {time.perf_counter() - start:.3f} s (this machine, now)")
    start = time.perf_counter()
    result = audit.verify(conn)
    audited = time.perf_counter() - start
    start = time.perf_counter()
    chain = verify_chain(conn)
    verified = time.perf_counter() - start
    conn.close()
    assert result.ok and chain.ok, (result.problem, chain.problems)
    print(f"verify: audit chain {audited:.3f} s; record chain {verified:.3f} s ({chain.rows} rows, samples of "
          f"{chain.sealed_sessions} sessions against their seals)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
