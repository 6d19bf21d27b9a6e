"""Replaying a raw capture file through its decoder into a new session, for review.

Qt-free; runs on whatever thread calls it (the GUI starts it on a worker thread). Samples keep the receive
times recorded in the capture, so the replayed session lines up with the original one; link events in the
capture (disconnections) are replayed too, so its gaps stay gaps. At a given speed a long gap is replayed as a
gap, not waited out: no pause is longer than MAX_PAUSE_S.

A capture that turns out bad part-way (monitor.devices.capture.CaptureError: the offset and the reason) or a
replay that fails for any other reason ends its session with a "replay failed" link event giving the reason, so
it is never left open to be offered as a crashed session to resume.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

from monitor.devices.capture import RECORD, CaptureRecord, RecordKind, read_capture
from monitor.devices.events import Decoder, DeviceStatus, OtherValue, Sample, WaveBlock
from monitor.devices.protocols import make_decoder
from monitor.storage.writer import SessionWriter

Progress = Callable[[int, int], None]  # (bytes done, bytes in the file)
MAX_PAUSE_S = 10.0  # wall seconds: a monitor sending every 10 s still replays in real time at 1x
REPLAY_FAILED = "replay failed"  # the link event that ends a replay cut short


def replay_capture(
    path: Path,
    writer: SessionWriter,
    *,
    speed: float | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Decode `path` into a new session and return its id. `speed` None: as fast as possible; N: N x real time.

    Raises ValueError when the file is not a capture (or is empty) or a record is bad (CaptureError); a session
    already opened is then ended as "replay failed" with the reason."""
    capture = read_capture(path)
    decoder = make_decoder(capture.header.protocol, capture.header.source)  # a udp:// source: the LAN variant
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
    last_t, done = first.host_time, 0
    try:
        pacer = _Pacer(speed, sleep)
        for record in itertools.chain([first], records):
            if cancel is not None and cancel.is_set():
                break
            pacer.wait_for(record.host_time)
            _feed(record, sid, writer, decoder)
            last_t = record.host_time
            done += RECORD.size + len(record.payload)
            if progress is not None:
                progress(min(done, total), total)
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        writer.add_link_event(sid, last_t, REPLAY_FAILED, reason)
        writer.end_session(sid, last_t)
        writer.flush()
        raise
    writer.end_session(sid, last_t)
    writer.flush()
    if progress is not None:
        progress(total, total)
    return sid


class _Pacer:
    """Waits until a record is due at `speed` x real time; a gap longer than MAX_PAUSE_S is not waited out."""

    def __init__(self, speed: float | None, sleep: Callable[[float], None]) -> None:
        self.speed, self.sleep = speed, sleep
        self.wall0 = time.monotonic()
        self.t0: float | None = None

    def wait_for(self, host_time: float) -> None:
        if self.speed is None:
            return
        if self.t0 is None:
            self.t0 = host_time
        now = time.monotonic()
        due = self.wall0 + (host_time - self.t0) / self.speed
        if due - now > MAX_PAUSE_S:  # a gap in the capture: replayed as a gap, the schedule moves on
            self.wall0 -= due - now - MAX_PAUSE_S
            due = now + MAX_PAUSE_S
        if due > now:
            self.sleep(due - now)


def _feed(record: CaptureRecord, sid: int, writer: SessionWriter, decoder: Decoder) -> None:
    if record.kind is RecordKind.LINK_EVENT:
        event = record.event()
        writer.add_link_event(sid, record.host_time, event["state"], event["detail"])
        return
    events = decoder.feed(record.payload, record.host_time)
    writer.add_samples(sid, [e for e in events if isinstance(e, Sample)])
    writer.add_other_values(sid, [e for e in events if isinstance(e, OtherValue)])
    writer.add_waves(sid, [e for e in events if isinstance(e, WaveBlock)])
    for status in (e for e in events if isinstance(e, DeviceStatus)):
        writer.add_status(sid, status)
