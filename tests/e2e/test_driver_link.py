"""A protocol driver on a real pseudo-terminal: SerialLink writes what the driver asks (bytes on connect, replies,
the keep-alive tick, bytes on close) and hands its events on; the real DRI driver's request and stop go out."""

from __future__ import annotations

import time

from fake_port import Decoded, Events, FakePort

from monitor.devices import datex_s5 as dri
from monitor.devices.driver import KeepAlive, Received
from monitor.devices.events import DecoderStats, DeviceEvent, Sample
from monitor.devices.link import LinkState
from monitor.devices.protocols import make_driver

PERIOD_S = 0.2


class TalkingDriver:
    """A chatty made-up protocol: HELLO on connect, PONG to each PING line (and an HR sample), TICK as keep-alive,
    BYE on close."""

    protocol = "talking"

    def __init__(self, keep_alive: KeepAlive | None = None) -> None:
        self.stats = DecoderStats()
        self.keep_alive = keep_alive
        self._buf = b""

    def on_connect(self) -> list[bytes]:
        return [b"HELLO"]

    def receive(self, data: bytes, host_time: float) -> Received:
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        pings = [line for line in lines if line == b"PING"]
        events: list[DeviceEvent] = [Sample("HR", 60.0 + i, host_time, host_time) for i in range(len(pings))]
        return Received(events, tuple(b"PONG" for _ in pings))

    def tick(self, now: float) -> list[bytes]:
        return []

    def on_close(self) -> list[bytes]:
        return [b"BYE"]


def test_the_link_says_what_the_driver_asks_and_passes_its_events_on(port: FakePort, make_link) -> None:
    decoded = Decoded()
    link = make_link(str(port.link), decoded, driver=TalkingDriver(), on_events=decoded.on_events)
    assert port.receive(5) == b"HELLO"
    port.send(b"PI")
    port.send(b"NG\nPING\n")
    assert port.receive(8) == b"PONGPONG"
    assert decoded.wait(lambda: [e.value for e in decoded.events] == [60.0, 61.0])
    assert bytes(decoded.data) == b"PING\nPING\n", "the raw bytes still reach on_data"
    link.stop()
    assert port.receive(3) == b"BYE"
    assert decoded.names()[-1] is LinkState.STOPPED


def test_the_link_writes_the_keep_alive_tick_on_schedule(port: FakePort, make_link) -> None:
    events = Events()
    started = time.monotonic()  # before the port opens: the third tick cannot be due before 3 periods from here
    make_link(str(port.link), events, driver=TalkingDriver(KeepAlive(PERIOD_S, b"TICK")))
    assert port.receive(5) == b"HELLO"
    assert port.receive(12, timeout=5) == b"TICK" * 3
    assert time.monotonic() - started >= 3 * PERIOD_S, "a tick went out before its period was up"


class PollingDriver(TalkingDriver):
    """Asks by time: POLL once each period from its first tick, on the clock the link passes (monotonic)."""

    def __init__(self) -> None:
        super().__init__()
        self.due: float | None = None
        self.nows: list[float] = []

    def tick(self, now: float) -> list[bytes]:
        self.nows.append(now)
        if self.due is None:
            self.due = now
        if now < self.due:
            return []
        self.due += PERIOD_S
        return [b"POLL"]


def test_the_link_writes_what_the_driver_says_is_due_by_time(port: FakePort, make_link) -> None:
    events = Events()
    driver = PollingDriver()
    started = time.monotonic()
    link = make_link(str(port.link), events, driver=driver)
    assert port.receive(17, timeout=5) == b"HELLO" + b"POLL" * 3  # the first poll may come in the same read
    link.stop()
    assert time.monotonic() - started >= 2 * PERIOD_S, "the third poll waited two periods"
    assert started <= driver.nows[0] <= driver.nows[-1] <= time.monotonic(), "ticks get the monotonic clock"
    assert len(driver.nows) > 3, "asked at each pass of the read loop, not only when something is due"


def test_a_silent_driver_sends_nothing_and_no_tick(port: FakePort, make_link) -> None:
    events = Events()
    link = make_link(str(port.link), events, driver=make_driver("masimo-ascii"))
    assert events.wait(lambda: LinkState.CONNECTING in events.names())
    link.stop()
    assert port.receive(1, timeout=0.3) == b""


def test_the_dri_driver_sends_the_request_on_open_and_the_stop_on_close(port: FakePort, make_link) -> None:
    events = Events()
    link = make_link(str(port.link), events, driver=make_driver("datex-s5"))
    start = dri.displayed_values_request() + dri.wave_request()
    assert port.receive(len(start)) == start
    link.stop()
    stop = dri.wave_stop_request() + dri.stop_request()
    assert port.receive(len(stop)) == stop
