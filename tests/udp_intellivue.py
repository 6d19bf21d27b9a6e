"""A UDP test peer on 127.0.0.1 that plays an IntelliVue's LAN data export (issue 21 point 5): the simulator's
IntelliVue (monitor.devices.simulator.intellivue_monitor), its messages sent one per datagram without the serial
framing, as the LAN variant carries them (port 24105 on a real monitor; here any free port)."""

from __future__ import annotations

import socket
import threading
import time

from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.simulator import intellivue_monitor as sim
from monitor.devices.simulator.physiology import PatientModel
from monitor.devices.simulator.scenario import load_scenario

START = 1_767_225_600.0  # the simulated monitor's clock at session time 0 (Unix s)


def simulated_intellivue(scenario: str = "stable") -> sim.IntellivueEncoder:
    """The simulator's IntelliVue (framed, as on its serial port)."""
    sc = load_scenario(scenario)
    return sim.IntellivueEncoder(PatientModel(sc, seed=3), sc, START)


class UdpIntellivue:
    def __init__(self, scenario: str = "stable") -> None:
        self.monitor = simulated_intellivue(scenario)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.02)
        self.url = f"udp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.heard: list[bytes] = []  # every datagram from the host, as it came
        self.deaf = threading.Event()  # set: the monitor hears nothing and says nothing (a pulled LAN cable)
        self._host: tuple[str, int] | None = None
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._unframer = FrameReader()
        self._thread = threading.Thread(target=self._run, name="udp-intellivue", daemon=True)

    def __enter__(self) -> UdpIntellivue:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def _send(self, framed: list[bytes]) -> None:
        for message in (m for data in framed for m in self._unframer.feed(data)):
            if self._host is not None:
                self.sock.sendto(message, self._host)

    def _run(self) -> None:
        while not self._stop.is_set():
            t = time.monotonic() - self._started  # session time: the simulation at 1x
            try:
                datagram, host = self.sock.recvfrom(65_535)
            except TimeoutError:
                datagram = None
            if datagram is not None and not self.deaf.is_set():
                self._host = host  # the host's address and port change when it reopens its socket
                self.heard.append(datagram)
                self._send(self.monitor.hear(encode_frame(datagram), t))
            if not self.deaf.is_set():
                self._send(self.monitor.due(t))
