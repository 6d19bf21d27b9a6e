"""Raw capture files: every byte received from a monitor, with its receive time, for replay and audit.

Written by the SerialLink worker thread only (one writer per file, no locking); read by `decode`, replay and
tests. Format, version 1 ("ISMCAP1"):

    b"ISMCAP1\\n"
    one JSON line: {"format": 1, "protocol": ..., "source": ..., "line": {...}, "created": "<ISO UTC>"}
    records, each:  struct "<BdI" = kind (0 data, 1 link event), host time (Unix s, float64), payload length
                    followed by the payload: the received bytes, or UTF-8 JSON {"state": ..., "detail": ...}

A crash can cut the last record short; readers stop at the last complete record and say so (`truncated`).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import BinaryIO

MAGIC = b"ISMCAP1\n"
RECORD = struct.Struct("<BdI")
FLUSH_INTERVAL_S = 0.5  # bounds what a crash can lose while keeping per-read cost to a buffer append
PLAIN_CHUNK = 64 * 1024


class RecordKind(IntEnum):
    DATA = 0
    LINK_EVENT = 1


@dataclass(frozen=True, slots=True)
class CaptureHeader:
    protocol: str
    source: str
    line: dict
    created: str
    format: int = 1


@dataclass(frozen=True, slots=True)
class CaptureRecord:
    kind: RecordKind
    host_time: float
    payload: bytes

    def event(self) -> dict:
        """The link event of a LINK_EVENT record."""
        return json.loads(self.payload)


class CaptureWriter:
    def __init__(self, path: Path | str, *, protocol: str, source: str, line: dict) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = open(self.path, "xb")  # noqa: SIM115 - lives as long as the writer
        header = {
            "format": 1,
            "protocol": protocol,
            "source": source,
            "line": line,
            "created": datetime.now(UTC).isoformat(),
        }
        self._file.write(MAGIC + json.dumps(header).encode() + b"\n")
        self._file.flush()
        self._pending: list[bytes] = []
        self._last_flush = 0.0
        self.bytes_written = 0

    def write_data(self, host_time: float, data: bytes) -> None:
        self._append(RecordKind.DATA, host_time, data)

    def write_event(self, host_time: float, state: str, detail: str = "") -> None:
        self._append(RecordKind.LINK_EVENT, host_time, json.dumps({"state": state, "detail": detail}).encode())
        self.flush()  # link changes are rare and worth having on disk at once

    def _append(self, kind: RecordKind, host_time: float, payload: bytes) -> None:
        self._pending.append(RECORD.pack(kind, host_time, len(payload)) + payload)
        self.bytes_written += len(payload)
        if host_time - self._last_flush >= FLUSH_INTERVAL_S:
            self.flush()
            self._last_flush = host_time

    def flush(self) -> None:
        if self._pending and not self._file.closed:
            self._file.write(b"".join(self._pending))
            self._pending.clear()
            self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self.flush()
            self._file.close()


@dataclass
class Capture:
    """An open capture for reading: the header, then `records()` once."""

    header: CaptureHeader
    _file: BinaryIO
    truncated: bool = field(default=False)

    def records(self) -> Iterator[CaptureRecord]:
        with self._file as f:
            while True:
                head = f.read(RECORD.size)
                if not head:
                    return
                if len(head) < RECORD.size:
                    self.truncated = True
                    return
                kind, host_time, length = RECORD.unpack(head)
                payload = f.read(length)
                if len(payload) < length or kind not in (RecordKind.DATA, RecordKind.LINK_EVENT):
                    self.truncated = True
                    return
                yield CaptureRecord(RecordKind(kind), host_time, payload)


def is_capture(path: Path | str) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def read_capture(path: Path | str) -> Capture:
    """Open a capture file; ValueError with the reason if it is not one."""
    f = open(path, "rb")  # noqa: SIM115 - handed to Capture, closed when its records are read
    if f.read(len(MAGIC)) != MAGIC:
        f.close()
        raise ValueError(f"{path} is not a raw capture file (no {MAGIC[:-1].decode()} header)")
    try:
        meta = json.loads(f.readline())
        header = CaptureHeader(meta["protocol"], meta["source"], meta["line"], meta["created"], meta["format"])
    except (ValueError, KeyError) as exc:
        f.close()
        raise ValueError(f"{path}: damaged capture header: {exc}") from exc
    return Capture(header, f)


def iter_chunks(path: Path | str) -> Iterator[tuple[float | None, bytes]]:
    """(receive time, bytes) of a capture's data records, or (None, chunk) through a plain byte dump."""
    if is_capture(path):
        for record in read_capture(path).records():
            if record.kind is RecordKind.DATA:
                yield record.host_time, record.payload
        return
    with open(path, "rb") as f:
        while chunk := f.read(PLAIN_CHUNK):
            yield None, chunk
