"""Raw capture files: every byte received from a monitor, with its receive time, for replay and audit.

Written by the SerialLink worker thread only (one writer per file, no locking); read by `decode`, replay and
tests. Format, version 1 ("ISMCAP1"):

    b"ISMCAP1\\n"
    one JSON line: {"format": 1, "protocol": ..., "source": ..., "line": {...}, "created": "<ISO UTC>"}
    records, each:  struct "<BdI" = kind (0 data, 1 link event), host time (Unix s, float64), payload length
                    followed by the payload: the received bytes, or UTF-8 JSON {"state": ..., "detail": ...}

A crash can cut the last record short; readers stop at the last complete record and say so (`truncated`).
A capture may come from elsewhere (a crafted file), so readers check every record before using it: a known kind,
a payload of at most MAX_PAYLOAD bytes (the writer splits longer reads), a finite time, a link event that is a
JSON object with text state and detail. Anything else is a CaptureError naming the byte offset and the reason.
"""

from __future__ import annotations

import json
import math
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
MAX_PAYLOAD = 1 << 20  # far above one serial read (a tty buffer is 4 KiB); a crafted 4 GiB length is refused
MAX_HEADER = 64 * 1024
MAX_HOST_TIME = 1e10  # Unix s, the year 2286: beyond it a time is damage, not a receive time
MAX_EVENT_TEXT = 4000


class CaptureError(ValueError):
    """A capture file that is damaged or crafted; the message names the file, the byte offset and the reason."""


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

    def event(self) -> dict[str, str]:
        """The link event of a LINK_EVENT record: {"state": ..., "detail": ...}; ValueError if it is not one."""
        return _event(self.payload)


def _event(payload: bytes) -> dict[str, str]:
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"link event is not JSON ({exc})") from None
    if not isinstance(event, dict) or not isinstance(event.get("state"), str) or not event["state"]:
        raise ValueError("link event is not an object with a state")
    if not isinstance(event.get("detail", ""), str):
        raise ValueError("link event detail is not text")
    return {"state": event["state"][:40], "detail": event.get("detail", "")[:MAX_EVENT_TEXT]}


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
        for start in range(0, len(data), MAX_PAYLOAD):  # readers refuse longer records
            self._append(RecordKind.DATA, host_time, data[start : start + MAX_PAYLOAD])

    def write_event(self, host_time: float, state: str, detail: str = "") -> None:
        event = {"state": state, "detail": detail[:MAX_EVENT_TEXT]}
        self._append(RecordKind.LINK_EVENT, host_time, json.dumps(event).encode())
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
    path: str = ""  # named in errors

    def records(self) -> Iterator[CaptureRecord]:
        """Every complete record, each checked; CaptureError (offset, reason) at the first bad one."""
        with self._file as f:
            while True:
                offset = f.tell()
                head = f.read(RECORD.size)
                if not head:
                    return
                if len(head) < RECORD.size:
                    self.truncated = True
                    return
                kind, host_time, length = RECORD.unpack(head)
                self._check(offset, kind, host_time, length)
                payload = f.read(length)
                if len(payload) < length:
                    self.truncated = True
                    return
                if kind == RecordKind.LINK_EVENT:
                    try:
                        _event(payload)
                    except ValueError as exc:
                        raise self._error(offset, str(exc)) from None
                yield CaptureRecord(RecordKind(kind), host_time, payload)

    def _check(self, offset: int, kind: int, host_time: float, length: int) -> None:
        if kind not in (RecordKind.DATA, RecordKind.LINK_EVENT):
            raise self._error(offset, f"unknown record kind {kind}")
        if length > MAX_PAYLOAD:
            raise self._error(offset, f"record length {length} bytes is over the {MAX_PAYLOAD} a capture holds")
        if not (math.isfinite(host_time) and 0 <= host_time <= MAX_HOST_TIME):
            raise self._error(offset, f"receive time {host_time!r} is not a time")

    def _error(self, offset: int, reason: str) -> CaptureError:
        return CaptureError(f"{self.path}: bad record at byte {offset}: {reason}")


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
        line = f.readline(MAX_HEADER)
        if not line.endswith(b"\n"):
            raise ValueError(f"no end of header line within {MAX_HEADER} bytes")
        meta = json.loads(line)
        if not isinstance(meta, dict) or meta.get("format") != 1:
            raise ValueError("not a format 1 header object")
        header = CaptureHeader(meta["protocol"], meta["source"], meta["line"], meta["created"], meta["format"])
        if not all(isinstance(v, str) for v in (header.protocol, header.source, header.created)):
            raise ValueError("protocol, source and created must be text")
        if not isinstance(header.line, dict):
            raise ValueError("line must be an object")
    except (ValueError, KeyError, RecursionError) as exc:
        f.close()
        raise CaptureError(f"{path}: damaged capture header: {exc}") from exc
    return Capture(header, f, path=str(path))


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
