"""A pseudo-terminal that behaves like a USB-serial adapter being plugged and pulled, and a recorder of what a
SerialLink delivers. Shared by the link and fault-injection tests."""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from pathlib import Path

from monitor.devices.events import DeviceEvent
from monitor.devices.link import LinkEvent, LinkState


class FakePort:
    """A pty with a stable symlink, closable and re-openable like a USB-serial adapter being pulled."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None
        self.slave: int | None = None

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self.master, self.slave = master, slave
        tmp = self.link.with_suffix(".new")
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.link)

    def pull(self) -> None:
        self.link.unlink()
        for fd in (self.master, self.slave):
            os.close(fd)
        self.master = self.slave = None

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def send_all(self, data: bytes) -> None:
        """Write everything, blocking while the pty's buffer is full (a pty write may be partial)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.master, view) :]

    def receive(self, n: int, timeout: float = 3.0) -> bytes:
        got = b""
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                got += os.read(self.master, 4096)
        return got


class Events:
    def __init__(self) -> None:
        self.data = bytearray()
        self.states: list[LinkEvent] = []
        self.cond = threading.Condition()

    def on_data(self, data: bytes, host_time: float) -> None:
        with self.cond:
            self.data += data
            self.cond.notify_all()

    def on_state(self, event: LinkEvent) -> None:
        with self.cond:
            self.states.append(event)
            self.cond.notify_all()

    def wait(self, predicate, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def names(self) -> list[LinkState]:
        return [e.state for e in self.states]


class Decoded(Events):
    """Also records the events a link's driver decoded."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[DeviceEvent] = []

    def on_events(self, events: list[DeviceEvent], host_time: float) -> None:
        with self.cond:
            self.events += events
            self.cond.notify_all()
