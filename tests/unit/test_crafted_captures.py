"""Issue 14 point 5: a crafted capture file is refused with the byte offset and the reason, never a traceback or a
4 GiB allocation; a replay that meets one ends its session as "replay failed" (never offered for resume); a time
jump with --speed is replayed as a gap, not slept through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.app.replay import MAX_PAUSE_S, REPLAY_FAILED, replay_capture
from monitor.app.resume import find_unfinished
from monitor.cli import main
from monitor.devices import masimo_ascii
from monitor.devices.capture import MAGIC, RECORD, CaptureError, read_capture
from monitor.storage.db import SessionState, connect, list_sessions, read_link_events
from monitor.storage.paths import default_db_path
from monitor.storage.writer import SessionWriter
from tests.accounts import cli_user

T = 1_767_225_600.0
HEADER = {"format": 1, "protocol": "masimo-ascii", "source": "/dev/ttyUSB0", "line": {}, "created": "2026-01-01"}

@pytest.fixture(autouse=True)
def _signed_in_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line signs in (issue 18) with the desk's own accounts: these commands' --db is new or a DSN."""
    cli_user(monkeypatch, default_db_path())



def line(t: float) -> bytes:
    return masimo_ascii.format_line(time=t, spo2=97, pr=70, pi=2.5, pvi=10)


def craft(path: Path, records: list[tuple[int, float, bytes] | bytes], header: bytes | None = None) -> list[int]:
    """Write a capture of (kind, time, payload) records (or raw bytes); returns each record's byte offset."""
    data = MAGIC + (header if header is not None else json.dumps(HEADER).encode() + b"\n")
    offsets = []
    for record in records:
        offsets.append(len(data))
        data += record if isinstance(record, bytes) else RECORD.pack(*record[:2], len(record[2])) + record[2]
    path.write_bytes(data)
    return offsets


GOOD = [(0, T, line(T)), (0, T + 1, line(T + 1))]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ((1, T + 2, b'["disconnected", "port closed"]'), "link event is not an object with a state"),
        ((1, T + 2, b'{"state": 5}'), "link event is not an object with a state"),
        ((1, T + 2, b'{"state": "silent", "detail": ["x"]}'), "link event detail is not text"),
        ((1, T + 2, b"{not json"), "link event is not JSON"),
        (RECORD.pack(0, T + 2, 0xFFFFFFF0) + b"x" * 64, "record length 4294967280 bytes is over the 1048576"),
        (RECORD.pack(0, T + 2, (1 << 20) + 1) + b"x" * 64, "record length 1048577 bytes is over"),
        ((7, T + 2, b"x"), "unknown record kind 7"),
        ((0, float("nan"), line(T + 2)), "receive time nan is not a time"),
        ((0, float("inf"), line(T + 2)), "receive time inf is not a time"),
        ((0, -5.0, line(T + 2)), "receive time -5.0 is not a time"),
    ],
)
def test_a_bad_record_is_refused_with_its_offset_and_the_replay_session_is_closed_as_failed(
    tmp_path: Path, capsys, bad, reason: str
) -> None:
    path, db = tmp_path / "crafted.ismcap", tmp_path / "r.sqlite3"
    offset = craft(path, [*GOOD, bad, (0, T + 3, line(T + 3))])[2]
    with pytest.raises(CaptureError, match=f"bad record at byte {offset}: "):
        list(read_capture(path).records())
    assert main(["decode", "--protocol", "masimo-ascii", str(path)]) == 2
    assert f"bad record at byte {offset}: {reason}" in capsys.readouterr().err
    assert main(["replay", str(path), "--db", str(db)]) == 2
    assert f"replay: {path}: bad record at byte {offset}: {reason}" in capsys.readouterr().err
    conn = connect(db)
    try:
        (session,) = list_sessions(conn)
        events = read_link_events(conn, session.id)
        samples = conn.execute("SELECT count(*) FROM samples WHERE param = 'SPO2'").fetchone()[0]
    finally:
        conn.close()
    assert session.state is SessionState.ENDED and session.ended_at == T + 1, "ended at the last good record"
    assert [e.state for e in events] == [REPLAY_FAILED] and f"byte {offset}: {reason}" in events[0].detail
    assert samples == 2, "the good records before it are kept"
    assert find_unfinished(db) is None, "never offered as a crashed session to resume"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (b'["masimo-ascii"]\n', "not a format 1 header object"),
        (b'{"format": 1, "protocol": 5, "source": "", "line": {}, "created": ""}\n', "protocol, source and"),
        (b'{"format": 1, "protocol": "masimo-ascii", "source": "", "line": [], "created": ""}\n', "line must be"),
        (b"{" + b" " * (70 * 1024), "no end of header line within 65536 bytes"),
    ],
)
def test_a_crafted_header_is_refused_before_any_session_opens(tmp_path: Path, capsys, header: bytes, reason) -> None:
    path, db = tmp_path / "crafted.ismcap", tmp_path / "r.sqlite3"
    craft(path, GOOD, header=header)
    assert main(["replay", str(path), "--db", str(db)]) == 2
    assert f"damaged capture header: {reason}" in capsys.readouterr().err
    conn = connect(db)
    try:
        assert list_sessions(conn) == []
    finally:
        conn.close()


def test_a_months_long_time_jump_is_replayed_as_a_gap_not_slept_through(tmp_path: Path) -> None:
    path = tmp_path / "jump.ismcap"
    months = 90 * 86400.0
    craft(path, [*GOOD, (1, T + 2, b'{"state": "disconnected", "detail": "port vanished"}'), (0, T + months, line(T))])
    waits: list[float] = []
    with SessionWriter(tmp_path / "r.sqlite3") as writer:
        sid = replay_capture(path, writer, speed=1.0, sleep=waits.append)
    assert max(waits) <= MAX_PAUSE_S and sum(waits) < 3 * MAX_PAUSE_S, waits
    conn = connect(tmp_path / "r.sqlite3")
    try:
        (session,) = list_sessions(conn)
        assert session.id == sid and session.ended_at == T + months, "the gap is on the record, at its real length"
        assert [e.state for e in read_link_events(conn, sid)] == ["disconnected"]
    finally:
        conn.close()


def test_the_writer_splits_a_huge_read_so_its_own_captures_stay_readable(tmp_path: Path) -> None:
    from monitor.devices.capture import MAX_PAYLOAD, CaptureWriter

    path = tmp_path / "big.ismcap"
    writer = CaptureWriter(path, protocol="masimo-ascii", source="/dev/ttyUSB0", line={})
    writer.write_data(T, b"\x00" * (2 * MAX_PAYLOAD + 5))
    writer.close()
    assert [len(r.payload) for r in read_capture(path).records()] == [MAX_PAYLOAD, MAX_PAYLOAD, 5]
