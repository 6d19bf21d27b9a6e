"""Replaying a raw capture into a new session: every decoded sample, the recorded receive times, the gaps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from monitor.app.session_record import load_record
from monitor.cli import main
from monitor.storage.paths import default_db_path
from tests.accounts import cli_user


@pytest.fixture(autouse=True)
def _signed_in_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line signs in (issue 18) with the desk's own accounts: these commands' --db is new or a DSN."""
    cli_user(monkeypatch, default_db_path())



def test_replay_command_rebuilds_the_session_from_the_capture(capture_file: Path, tmp_path: Path, capsys) -> None:
    db = tmp_path / "replay.sqlite3"
    assert main(["replay", str(capture_file), "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert "replay: 100 %" in err and "into session 1" in out
    assert main(["decode", "--protocol", "datex-s5", str(capture_file)]) == 0
    decoded = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    record = load_record(db, 1)
    hr = record.series["HR"]
    assert len(hr.t) == 119 == len([d for d in decoded if d["param"] == "HR"]), "every record, none invented"
    assert hr.host_t[0] == record.session.started_at and record.session.ended_at == hr.host_t[-1]
    assert np.all(np.diff(hr.t) > 0)
    assert [(e.state, e.detail) for e in record.link_events] == [("disconnected", "port vanished")]
    assert "replay of session.ismcap" in record.session.source


def test_replay_refuses_a_file_that_is_not_a_capture(tmp_path: Path, capsys) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x7e\x01\x02")
    assert main(["replay", str(junk), "--db", str(tmp_path / "r.sqlite3")]) == 2
    assert "not a raw capture file" in capsys.readouterr().err
