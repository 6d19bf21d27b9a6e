"""What a simulated monitor says, per protocol: one encoder class per protocol and one table that picks it.

An encoder hears what the PC writes (`hear`), says what is due at a session time (`due`), and forgets the PC's
requests when the cable is pulled (`reset`). It returns whole frames or lines; the SimulatedMonitor adds the line
noise, writes them to the pty and counts them. A new protocol adds its class and one row in ENCODERS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.simulator import intellivue_monitor
from monitor.devices.simulator.physiology import PatientModel, datex_values, masimo_values
from monitor.devices.simulator.scenario import Scenario


class Encoder(Protocol):
    requests_seen: int

    def hear(self, data: bytes, t: float) -> list[bytes]:
        """Take bytes the PC wrote at session time `t`; return frames to send at once."""
        ...

    def due(self, t: float) -> list[bytes]:
        """Frames whose time has come at session time `t`."""
        ...

    def reset(self) -> None:
        """The cable was pulled and plugged back: forget what the PC asked, like the real device."""
        ...


class DriEncoder:
    """A Datex S/5: silent until asked; then displayed-values records at the requested interval until stopped."""

    def __init__(self, model: PatientModel, scenario: Scenario, start_time: float) -> None:
        self.model, self.scenario, self.start_time = model, scenario, start_time
        self.requests_seen = 0
        self._records = 0
        self._deframer = datex_s5.Deframer()
        self._ext_classes: tuple[int, ...] = ()  # DRI ext classes the request asked for
        self._interval: float | None = None  # seconds between records while a request is active
        self._next_send = 0.0  # session time of the next record

    def reset(self) -> None:
        self._deframer = datex_s5.Deframer()
        self._interval = None  # like a real S/5 after a reconnect: the PC must ask again

    def hear(self, data: bytes, t: float) -> list[bytes]:
        out: list[bytes] = []
        for record in self._deframer.feed(data):
            request = datex_s5.parse_request(record)
            if request is None or request.record_type != datex_s5.PH_DISPL:
                continue
            self.requests_seen += 1
            if request.interval == 0:
                self._interval = None
            elif request.interval == -1:  # single transmission
                self._interval = None
                out.append(self._record(t))
            else:
                self._interval = max(request.interval, datex_s5.MIN_INTERVAL_S)
                self._ext_classes = tuple(c for c, bit in ((1, 2), (2, 4), (3, 8)) if request.class_bf & bit)
                self._next_send = t  # a real monitor answers a new request with a record straight away
        return out

    def due(self, t: float) -> list[bytes]:
        if self._interval is None or t < self._next_send:
            return []
        self._next_send = max(self._next_send + self._interval, t)
        return [self._record(t)]

    def _record(self, t: float) -> bytes:
        values, nibp_flags = datex_values(self.model.state_at(t))
        record = datex_s5.encode_displayed_record(
            values,
            time=self.start_time + t,
            record_no=self._records,
            nibp_flags=nibp_flags,
            apnea=self.scenario.in_window(self.scenario.apnea, t),
            ext_classes=self._ext_classes,
        )
        self._records += 1
        return datex_s5.frame(record)


class MasimoEncoder:
    """A Masimo Radical-7 on ASCII 1: one line a second, unprompted; it ignores what the PC writes."""

    def __init__(self, model: PatientModel, scenario: Scenario, start_time: float) -> None:
        self.model, self.start_time = model, start_time
        self.requests_seen = 0
        self._next_send = 0.0

    def reset(self) -> None:
        pass  # nothing to forget: it was never asked

    def hear(self, data: bytes, t: float) -> list[bytes]:
        return []

    def due(self, t: float) -> list[bytes]:
        if t < self._next_send:
            return []
        self._next_send = max(self._next_send + 1.0, t)
        return [masimo_ascii.format_line(time=self.start_time + t, **masimo_values(self.model.state_at(t)))]


ENCODERS: dict[str, Callable[[PatientModel, Scenario, float], Encoder]] = {
    datex_s5.INFO.name: DriEncoder,
    masimo_ascii.INFO.name: MasimoEncoder,
    intellivue_monitor.PROTOCOL: intellivue_monitor.IntellivueEncoder,  # its own module: a conversation, not a stream
}
