"""Raw capture files: round trip, crash-truncated tails, plain dumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.devices.capture import RECORD, CaptureWriter, RecordKind, is_capture, iter_chunks, read_capture


def _write(path: Path) -> None:
    writer = CaptureWriter(path, protocol="datex-s5", source="/dev/ttyUSB0", line={"baudrate": 19200})
    writer.write_event(1.0, "connecting", "opened /dev/ttyUSB0")
    writer.write_data(1.5, b"\x7e\x01\x02")
    writer.write_data(2.5, b"\x7d\x5e\x7e")
    writer.write_event(3.0, "disconnected", "port closed")
    writer.close()


def test_round_trip_keeps_bytes_times_and_events(tmp_path: Path) -> None:
    path = tmp_path / "a.ismcap"
    _write(path)
    capture = read_capture(path)
    assert capture.header.protocol == "datex-s5" and capture.header.source == "/dev/ttyUSB0"
    records = list(capture.records())
    assert [(r.kind, r.host_time) for r in records] == [
        (RecordKind.LINK_EVENT, 1.0), (RecordKind.DATA, 1.5), (RecordKind.DATA, 2.5), (RecordKind.LINK_EVENT, 3.0),
    ]  # fmt: skip
    assert records[3].event() == {"state": "disconnected", "detail": "port closed"}
    assert not capture.truncated
    assert list(iter_chunks(path)) == [(1.5, b"\x7e\x01\x02"), (2.5, b"\x7d\x5e\x7e")]


def test_a_crash_mid_record_keeps_every_complete_record(tmp_path: Path) -> None:
    path = tmp_path / "a.ismcap"
    _write(path)
    data = path.read_bytes()
    last_record = RECORD.size + len(b'{"state": "disconnected", "detail": "port closed"}')
    path.write_bytes(data[: len(data) - last_record // 2])
    capture = read_capture(path)
    records = list(capture.records())
    assert len(records) == 3 and capture.truncated


def test_plain_dump_is_read_as_is(tmp_path: Path) -> None:
    dump = tmp_path / "dump.bin"
    payload = bytes(range(256)) * 600  # more than one 64 KiB chunk
    dump.write_bytes(payload)
    assert not is_capture(dump)
    chunks = list(iter_chunks(dump))
    assert all(t is None for t, _ in chunks) and len(chunks) == 3
    assert b"".join(c for _, c in chunks) == payload


def test_not_a_capture_is_a_clear_error(tmp_path: Path) -> None:
    dump = tmp_path / "dump.bin"
    dump.write_bytes(b"hello")
    with pytest.raises(ValueError, match="not a raw capture file"):
        read_capture(dump)


def test_an_existing_capture_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "a.ismcap"
    _write(path)
    with pytest.raises(FileExistsError):
        CaptureWriter(path, protocol="datex-s5", source="x", line={})
