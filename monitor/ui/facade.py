"""SessionFacade: the GUI thread's view of one running acquisition.

The link worker thread only puts events on a SimpleQueue (never blocks, never touches Qt objects). A QTimer in
the GUI thread drains the queue at UI rate and re-emits batches as signals, so widgets connect to one QObject
that lives in their own thread and receive one signal per batch instead of one per sample.
"""

from __future__ import annotations

import queue

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from monitor.app.acquisition import Acquisition
from monitor.devices.events import DeviceEvent, DeviceStatus, Sample
from monitor.devices.link import LinkEvent

UI_RATE_MS = 40  # 25 batches/s: well under the 50 ms byte-to-tile budget, ~0.7 % of a core (design.md)


class SessionFacade(QObject):
    sigSamples = Signal(list)  # list[Sample], in arrival order
    sigDeviceStatus = Signal(object)  # DeviceStatus
    sigLinkState = Signal(object)  # LinkEvent

    def __init__(self, acquisition: Acquisition, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.acquisition = acquisition
        self._inbox: queue.SimpleQueue[list[DeviceEvent] | LinkEvent] = queue.SimpleQueue()
        acquisition.add_event_listener(self._inbox.put)
        acquisition.add_link_listener(self._inbox.put)
        self._timer = QTimer(self)
        self._timer.setInterval(UI_RATE_MS)
        self._timer.timeout.connect(self._drain)
        self._timer.start()

    @Slot()
    def _drain(self) -> None:
        samples: list[Sample] = []
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, LinkEvent):
                if samples:  # keep order: numbers that arrived before a state change are shown first
                    self.sigSamples.emit(samples)
                    samples = []
                self.sigLinkState.emit(item)
                continue
            for event in item:
                if isinstance(event, Sample):
                    samples.append(event)
                elif isinstance(event, DeviceStatus):
                    self.sigDeviceStatus.emit(event)
        if samples:
            self.sigSamples.emit(samples)
