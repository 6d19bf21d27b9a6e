"""Replaying a raw capture file through its decoder into a new session, for review.

Qt-free; runs on whatever thread calls it (the GUI starts it on a worker thread). Samples keep the receive
times recorded in the capture, so the replayed session lines up with the original one; link events in the
capture (disconnections) are replayed too, so its gaps stay gaps.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

from monitor.devices.capture import RECORD, RecordKind, read_capture
from monitor.devices.events import DeviceStatus, Sample
from monitor.devices.protocols import make_decoder
from monitor.storage.writer import SessionWriter

Progress = Callable[[int, int], None]  # (bytes done, bytes in the file)


def replay_capture(
    path: Path,
    writer: SessionWriter,
    *,
    speed: float | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Decode `path` into a new session and return its id. `speed` None: as fast as possible; N: N x real time.

    Raises ValueError when the file is not a capture (or is empty)."""
    capture = read_capture(path)
    decoder = make_decoder(capture.header.protocol)
    total = path.stat().st_size
    records = capture.records()
    first = next(records, None)
    if first is None:
        raise ValueError(f"{path} holds no recorded bytes")
    sid = writer.open_session(
        f"replay of {path.name} (recorded from {capture.header.source})",
        capture.header.protocol,
        capture_path=str(path),
        started_at=first.host_time,
    )
    wall0, done, last_t = time.monotonic(), 0, first.host_time
    for record in itertools.chain([first], records):
        if cancel is not None and cancel.is_set():
            break
        if speed is not None:
            due = wall0 + (record.host_time - first.host_time) / speed
            time.sleep(max(0.0, due - time.monotonic()))
        if record.kind is RecordKind.LINK_EVENT:
            event = record.event()
            writer.add_link_event(sid, record.host_time, str(event.get("state", "")), str(event.get("detail", "")))
        else:
            events = decoder.feed(record.payload, record.host_time)
            writer.add_samples(sid, [e for e in events if isinstance(e, Sample)])
            for status in (e for e in events if isinstance(e, DeviceStatus)):
                writer.add_status(sid, status)
        last_t = record.host_time
        done += RECORD.size + len(record.payload)
        if progress is not None:
            progress(min(done, total), total)
    writer.end_session(sid, last_t)
    writer.flush()
    if progress is not None:
        progress(total, total)
    return sid
