"""SessionFacade: the GUI thread's view of one running session (acquisition and nurse entries).

Worker threads (the serial link, the database writer) only put items on a SimpleQueue: they never block and
never touch Qt objects. A QTimer in the GUI thread drains the queue at UI rate and re-emits batches as signals,
so widgets connect to one QObject that lives in their own thread and receive one signal per batch instead of
one per sample. Results of futures (a stored entry) come back the same way, to a callback on the GUI thread.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from monitor.app.acquisition import Acquisition
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import WALL_CLOCK, SessionClock
from monitor.app.device_door import DeviceStatus, LinkEvent, OtherValue, Sample, WaveBlock
from monitor.app.session_service import SessionService
from monitor.clinical.alarms import AlarmEvent
from monitor.clinical.entries import Entry
from monitor.clinical.nibp import NibpReading

UI_RATE_MS = 40  # 25 batches/s: well under the 50 ms byte-to-tile budget, ~0.7 % of a core (design.md)


@dataclass(frozen=True, slots=True)
class _AlarmBatch:
    events: list[AlarmEvent]


@dataclass(frozen=True, slots=True)
class _NibpBatch:
    readings: list[NibpReading]


class SessionFacade(QObject):
    sigSamples = Signal(list)  # list[Sample], in arrival order
    sigOtherValues = Signal(list)  # list[OtherValue]: numerics no canonical parameter maps, in arrival order
    sigDeviceStatus = Signal(object)  # DeviceStatus
    sigLinkState = Signal(object)  # LinkEvent
    sigEntryStored = Signal(object)  # Entry, once it is on disk
    sigAlarmEvents = Signal(list)  # list[AlarmEvent], in order
    sigNibpReadings = Signal(list)  # list[NibpReading]: the cuff readings of the chair's one detector (alarms)
    sigWaves = Signal(list)  # list[WaveBlock], in arrival order: at most one batch per frame (UI_RATE_MS)

    def __init__(
        self,
        acquisition: Acquisition,
        service: SessionService | None = None,
        clock: SessionClock = WALL_CLOCK,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.acquisition = acquisition
        self.service: SessionService | None = None
        self.alarms: AlarmService | None = None
        self.clock = clock
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        acquisition.add_event_listener(self._inbox.put)
        acquisition.add_link_listener(self._inbox.put)
        if service is not None:
            self.attach_service(service)
        self._timer = QTimer(self)
        self._timer.setInterval(UI_RATE_MS)
        self._timer.timeout.connect(self._drain)
        self._timer.start()

    def attach_service(self, service: SessionService) -> None:
        """The session's entries (known once the acquisition has opened the session)."""
        self.service = service
        service.add_listener(self._inbox.put)

    def attach_alarms(self, alarms: AlarmService) -> None:
        self.alarms = alarms
        alarms.add_listener(lambda events: self._inbox.put(_AlarmBatch(events)))
        alarms.add_reading_listener(lambda readings: self._inbox.put(_NibpBatch(readings)))

    def deliver(self, future: Future[Any], callback: Callable[[Future[Any]], None]) -> None:
        """Run `callback(future)` on the GUI thread once `future` is done."""
        future.add_done_callback(lambda f: self._inbox.put((callback, f)))

    @Slot()
    def _drain(self) -> None:
        samples: list[Sample] = []
        others: list[OtherValue] = []
        waves: list[WaveBlock] = []  # 8 to 25 blocks a second per wave: one signal per frame, not per block

        def flush_samples() -> None:
            nonlocal samples, others, waves
            if samples:  # keep order: numbers that arrived before a state change are shown first
                self.sigSamples.emit(samples)
                samples = []
            if others:
                self.sigOtherValues.emit(others)
                others = []
            if waves:
                self.sigWaves.emit(waves)
                waves = []

        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, list):
                for event in item:
                    if isinstance(event, Sample):
                        samples.append(event)
                    elif isinstance(event, OtherValue):
                        others.append(event)
                    elif isinstance(event, WaveBlock):
                        waves.append(event)
                    elif isinstance(event, DeviceStatus):
                        self.sigDeviceStatus.emit(event)
                continue
            flush_samples()
            if isinstance(item, LinkEvent):
                self.sigLinkState.emit(item)
            elif isinstance(item, Entry):
                self.sigEntryStored.emit(item)
            elif isinstance(item, _AlarmBatch):
                self.sigAlarmEvents.emit(item.events)
            elif isinstance(item, _NibpBatch):
                self.sigNibpReadings.emit(item.readings)
            else:
                callback, future = item
                callback(future)
        flush_samples()
