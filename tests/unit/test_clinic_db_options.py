"""`record --clinic-db DSN --desk NAME` (and clinic.json's "clinic_db"/"desk"): the headless recorder ships its
session to a real PostgreSQL server, closes with everything sent, and never shows the DSN's password."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

import pg
import psycopg
import pytest

from monitor.cli import main
from monitor.cli.parser import build_parser
from monitor.clinical.clinic_protocol import ProtocolError, parse_protocol
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage import hub_schema
from tests.accounts import recorder


def _record(argv: list[str]) -> int:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return main(argv)
    finally:
        for sig, handler in handlers.items():  # the recorder installs its own
            signal.signal(sig, handler)


def test_record_ships_its_session_and_the_command_line_wins_over_clinic_json(
    pg_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    hub_schema.init(pg_dsn, desk_role="desk_a")
    dbname = psycopg.conninfo.conninfo_to_dict(pg_dsn)["dbname"]
    desk_dsn = pg.with_dbname(pg_dsn, dbname, "desk_a") + " password=s3cret-pw"  # trust: sent only if asked
    clinic = tmp_path / "clinic.json"
    clinic.write_text(json.dumps({"clinic_db": desk_dsn, "desk": "from-the-file"}))
    db = tmp_path / "desk.sqlite3"
    sim = SimulatedMonitor("masimo-ascii", load_scenario("stable"), speed=5, link_dir=tmp_path)
    port = sim.start()
    try:
        argv = ["record", "--port", port, "--protocol", "masimo-ascii", "--db", str(db), "--duration", "2"]
        argv += recorder(db, desk_dsn, "desk-a")  # a clinic-wide service account (issue 18)
        assert _record([*argv, "--clinic", str(clinic), "--desk", "desk-a"]) == 0
    finally:
        sim.stop()
    out = capsys.readouterr()
    assert "Everything recorded is on the clinic database." in out.out
    assert "desk 'desk-a'" in out.out
    assert "s3cret-pw" not in out.out + out.err + caplog.text
    local = sqlite3.connect(db)
    with psycopg.connect(pg_dsn) as hub:
        assert hub.execute("SELECT desk FROM desks").fetchall() == [("desk-a",)]
        for table in ("sessions", "samples", "link_events", "alarm_events"):
            count = local.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert hub.execute(f"SELECT count(*) FROM {table} WHERE desk = 'desk-a'").fetchone() == (count,), table
        ended = local.execute("SELECT ended_at FROM sessions").fetchone()[0]
        assert ended is not None and hub.execute("SELECT ended_at FROM sessions").fetchone() == (ended,)
    local.close()


def test_desk_names_are_checked_where_they_are_given() -> None:
    assert build_parser().parse_args(["record", "--port", "p", "--protocol", "datex-s5", "--desk", "desk-b"]).desk
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--desk", "desk b"])
    with pytest.raises(ProtocolError, match="desk"):
        parse_protocol({"desk": "a/b"}, "test")
    protocol = parse_protocol({"clinic_db": "host=db password=hidden", "desk": "desk-c"}, "test")
    assert protocol.desk == "desk-c" and "hidden" not in repr(protocol) + protocol.describe()
