from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from monitor.cli import main
from monitor.devices.events import Sample
from monitor.storage.writer import SessionWriter
from tests.accounts import cli_user


def test_backup_while_recording_is_consistent_and_never_overwrites(tmp_path: Path, capsys, monkeypatch) -> None:
    db, copy = tmp_path / "live.sqlite3", tmp_path / "backups" / "copy.sqlite3"
    with SessionWriter(db, flush_interval=0.05) as writer:
        sid = writer.open_session("sim", "datex-s5")
        cli_user(monkeypatch, db)  # the command line signs in (issue 18)
        for i in range(200):
            writer.add_samples(sid, [Sample("HR", 70.0 + i % 5, 1000.0 + i, time.time())])
        writer.flush()
        assert main(["backup", str(copy), "--db", str(db)]) == 0  # while the writer is open
        for i in range(200, 300):
            writer.add_samples(sid, [Sample("HR", 70.0, 1000.0 + i, time.time())])
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 200
    conn.close()
    assert main(["backup", str(copy), "--db", str(db)]) == 1
    assert "exists already" in capsys.readouterr().err
