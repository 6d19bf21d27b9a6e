"""The IntelliVue driver on a real pseudo-terminal against the simulator's monitor: a monitor gone silent, as for
DRI. (A pulled cable: test_pipeline.py; the PC's transmit wire broken, so the monitor aborts: test_intellivue_chair.)
"""

from __future__ import annotations

import os
import select
import threading
import time

from fake_port import Decoded, FakePort

from monitor.devices.events import Sample
from monitor.devices.intellivue_driver import Drop, IntellivueDriver
from monitor.devices.link import LinkState
from monitor.devices.simulator import load_scenario
from monitor.devices.simulator.intellivue_monitor import IntellivueEncoder
from monitor.devices.simulator.physiology import PatientModel


class Monitor:
    """The simulator's IntelliVue conversation on the far end of a FakePort, on its own thread. `restart()` makes it
    forget the association without a word, as a monitor switched off and on: it ignores polls until asked again."""

    def __init__(self, port: FakePort) -> None:
        self.port = port
        scenario = load_scenario("stable")
        self.encoder = IntellivueEncoder(PatientModel(scenario), scenario, time.time())
        self._restart = threading.Event()
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def restart(self) -> None:
        self._restart.set()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        master = self.port.master
        assert master is not None
        while not self._stop.is_set():
            if self._restart.is_set():
                self.encoder.reset()
                self._restart.clear()
            t = time.monotonic() - self._started
            ready, _, _ = select.select([master], [], [], 0.02)
            heard = os.read(master, 4096) if ready else b""
            for data in self.encoder.hear(heard, t) + self.encoder.due(t):
                os.write(master, data)


def hr(heard: Decoded) -> list[Sample]:
    return [e for e in heard.events if isinstance(e, Sample) and e.param == "HR"]


def test_a_silent_monitor_is_associated_again_after_the_reopen_and_released_on_stop(port: FakePort, make_link):
    monitor = Monitor(port)
    heard = Decoded()
    driver = IntellivueDriver()
    opened: list[float] = []
    link = make_link(
        str(port.link),
        heard,
        driver=driver,
        on_events=heard.on_events,
        on_open=lambda link: opened.append(time.monotonic()),
        silence_timeout=0.5,
    )
    try:
        assert heard.wait(lambda: len(hr(heard)) >= 2, timeout=10), "associated and polled"
        monitor.restart()  # the monitor forgets the association: our polls go unanswered
        assert heard.wait(lambda: LinkState.SILENT in heard.names(), timeout=5)
        before = len(hr(heard))
        assert heard.wait(lambda: len(hr(heard)) >= before + 2, timeout=10), "values again"
        silent = next(e for e in heard.states if e.state is LinkState.SILENT)
        assert len(opened) >= 2 and heard.names()[-1] is LinkState.RECEIVING
        assert min(s.host_time for s in hr(heard)[before:]) > silent.time, "after the silence, not left over"
        assert monitor.encoder.associations == driver.associations == 2
        assert driver.drops[Drop.SILENCE] == 0, "the reopen asked again before the driver's 10 s"
        link.stop()
        deadline = time.monotonic() + 5
        while monitor.encoder.releases == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert monitor.encoder.releases == 1, "stopping the chair released the association"
    finally:
        monitor.stop()
