"""Acquisition: one bedside monitor's path from port to disk -- SerialLink -> protocol driver -> SessionWriter.

Application service, Qt-free so the GUI and a headless recorder share it. `start()` and `stop()` run on the
caller's thread; the driver, `_on_events` and `_on_state` run on the link's worker thread, and
so do the listeners: a listener must hand the events on (a queue, a queued Qt signal) and return at once.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from monitor.devices.capture import CaptureWriter
from monitor.devices.events import (
    DecoderStats,
    DeviceEvent,
    DeviceStatus,
    LineSettings,
    OtherValue,
    Sample,
    WaveBlock,
)
from monitor.devices.link import LinkEvent, SerialLink
from monitor.devices.port_policy import PortPolicy
from monitor.devices.protocols import line_settings, make_driver
from monitor.storage.db import SessionRow, connect, last_sample_time
from monitor.storage.writer import SessionWriter

log = logging.getLogger(__name__)

EventListener = Callable[[list[DeviceEvent]], None]
LinkListener = Callable[[LinkEvent], None]


@dataclass(frozen=True, slots=True)
class AcquisitionConfig:
    port: str
    protocol: str
    baudrate: int | None = None
    silence_timeout: float = 10.0
    capture_dir: Path | None = None  # raw bytes of every session are kept here for replay
    chair: str | None = None  # the station chair recorded at: each chair resumes its own session
    port_policy: PortPolicy = field(default_factory=PortPolicy)  # which ports may be opened: the clinic's serial_hosts
    # why the monitor is not asked for its waveforms ("": it is); a sped-up demo is not (monitor.app.chair)
    waves_off: str = ""


class Acquisition:
    """Records one monitor into one session; listeners get decoded events and link changes live."""

    def __init__(
        self,
        config: AcquisitionConfig,
        writer: SessionWriter,
        clock: Callable[[], float] = time.time,
        timebase: str = "host",
    ) -> None:
        self.config = config
        self.clock = clock  # the session clock: the simulated one in a sped-up demo
        self.timebase = timebase  # stored with the session, so a review draws it on the clock it was recorded on
        self.started_at = clock()
        self.writer = writer
        # a udp:// port: the protocol's LAN variant
        self.driver = make_driver(config.protocol, config.port, waves=not config.waves_off)
        self.session_id: int | None = None
        self.capture_path: Path | None = None
        self._event_listeners: list[EventListener] = []
        self._link_listeners: list[LinkListener] = []
        self._link: SerialLink | None = None
        self._capture: CaptureWriter | None = None
        self._lock = threading.Lock()  # the driver is swapped on one thread while its stats are read on others

    def add_event_listener(self, listener: EventListener) -> None:
        self._event_listeners.append(listener)

    def add_link_listener(self, listener: LinkListener) -> None:
        self._link_listeners.append(listener)

    @property
    def stats(self) -> DecoderStats:
        with self._lock:
            s = self.driver.stats
            return DecoderStats(s.bytes_in, s.frames_ok, s.bad_frames, s.resyncs, s.skipped_bytes, s.invalid_values)

    def start(self, resume: SessionRow | None = None) -> int:
        """Open the session row (or continue `resume`, an open session left by a crash) and the port; returns
        the session id. The port opens in the background."""
        cfg = self.config
        line = line_settings(cfg.protocol, cfg.baudrate)
        self._open_capture(line)
        if resume is not None:
            self.session_id, self.started_at = resume.id, resume.started_at
            self.writer.resume_session(resume.id, self.clock(), self._last_sample(resume.id))
        else:
            self.session_id = self.writer.open_session(
                cfg.port,
                cfg.protocol,
                capture_path=str(self.capture_path) if self.capture_path else None,
                started_at=self.started_at,
                timebase=self.timebase,
                chair=cfg.chair,
            )
        self._start_link(line)
        return self.session_id

    def _last_sample(self, session_id: int) -> float | None:
        conn = connect(self.writer.db_path)
        try:
            return last_sample_time(conn, session_id)
        finally:
            conn.close()

    def switch_port(self, port: str, protocol: str, baudrate: int | None = None) -> None:
        """Record the rest of the session from another port (the nurse picked the monitor's port).

        The old link is stopped properly (DRI stop request); a new capture file starts because its header names
        the protocol; the change is a link event on the session's record. Raises ValueError for a baud rate
        the protocol cannot use (or a udp:// port for a protocol without a LAN variant), before anything is stopped.
        """
        line = line_settings(protocol, baudrate)
        driver = make_driver(protocol, port, waves=not self.config.waves_off)
        self._stop_link()
        self.config = replace(self.config, port=port, protocol=protocol, baudrate=baudrate)
        with self._lock:
            self.driver = driver
        self._open_capture(line)
        assert self.session_id is not None
        detail = f"monitor changed to {port} ({protocol}); capture {self.capture_path}"
        self.writer.add_link_event(self.session_id, time.time(), "source", detail)
        self._start_link(line)

    def ask_for_waves(self) -> None:
        """Ask the monitor for its waveforms from now on (a sped-up demo slowed to real time): the link reopens with
        a driver that asks, as a change of source on the record. Nothing when they are asked for already."""
        if not self.config.waves_off:
            return
        self.config = replace(self.config, waves_off="")
        self.switch_port(self.config.port, self.config.protocol, self.config.baudrate)

    def _open_capture(self, line: LineSettings) -> None:
        cfg = self.config
        if cfg.capture_dir is None:
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = cfg.capture_dir / f"{stamp}-{cfg.protocol}.ismcap"
        try:
            self._capture = CaptureWriter(path, protocol=cfg.protocol, source=cfg.port, line=line.as_kwargs())
        except OSError as exc:  # the raw capture is for replay; the monitor's values matter more: go on without
            log.error("no raw capture for this session (%s); the decoded values are still recorded", exc)
            self._capture, self.capture_path = None, None
            return
        self.capture_path = path

    def _start_link(self, line: LineSettings) -> None:
        self._link = SerialLink(
            self.config.port,
            line,
            on_state=self._on_state,
            driver=self.driver,
            on_events=self._on_events,
            capture=self._capture,
            silence_timeout=self.config.silence_timeout,
            policy=self.config.port_policy,
        )
        self._link.start()

    def _stop_link(self) -> None:
        if self._link is not None:
            self._link.stop()
            self._link = None
        if self._capture is not None:
            try:
                self._capture.close()
            except OSError as exc:
                log.error("the end of the raw capture %s could not be written: %s", self.capture_path, exc)
            self._capture = None

    def stop(self, end_session: bool = True) -> None:
        """Send the protocol's stop request, close the port and flush everything to disk. `end_session`: mark the
        session ended; without it the session stays open and the next start offers to resume it
        (monitor.app.lifecycle decides which)."""
        self._stop_link()
        if self.session_id is not None and end_session:
            try:
                self.writer.end_session(self.session_id, self.clock())
            except (sqlite3.Error, TimeoutError) as exc:  # the session stays open: the next start offers to resume it
                log.error("session %d could not be marked as ended: %s", self.session_id, exc)

    # --- link worker thread -------------------------------------------------------------------------------

    def _on_events(self, events: list[DeviceEvent], host_time: float) -> None:
        assert self.session_id is not None
        samples = [e for e in events if isinstance(e, Sample)]
        if samples:
            self.writer.add_samples(self.session_id, samples)
        others = [e for e in events if isinstance(e, OtherValue)]
        if others:  # every numeric is kept, the unmapped ones too (issue 21)
            self.writer.add_other_values(self.session_id, others)
        for event in events:
            if isinstance(event, DeviceStatus):
                self.writer.add_status(self.session_id, event)
        waves = [e for e in events if isinstance(e, WaveBlock)]
        if waves:  # kept for full disclosure (issue 22: storage.wave_blocks)
            self.writer.add_waves(self.session_id, waves)
        for listener in self._event_listeners:
            listener(events)

    def _on_state(self, event: LinkEvent) -> None:
        assert self.session_id is not None
        self.writer.add_link_event(self.session_id, event.time, str(event.state), event.detail)
        for listener in self._link_listeners:
            listener(event)
