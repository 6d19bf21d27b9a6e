"""The IntelliVue driver on a real pseudo-terminal, against the simulator's monitor: a pulled cable and a silent
monitor, as for DRI. The program associates afresh on the new port, or once the silence has made the link reopen,
and the values come back; the raw capture replays to the values the live link decoded."""

from __future__ import annotations

import os
import select
import threading
import time
from pathlib import Path

import pytest
from fake_port import Events, FakePort

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.devices.capture import iter_chunks
from monitor.devices.events import DeviceEvent, Sample
from monitor.devices.intellivue_driver import Drop, IntellivueDriver, Phase
from monitor.devices.link import LinkEvent, LinkState
from monitor.devices.protocols import make_decoder
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.devices.simulator.intellivue_monitor import IntellivueEncoder
from monitor.devices.simulator.physiology import PatientModel
from monitor.storage.writer import SessionWriter


class Watch:
    """What a link reports, on its thread: states and decoded events."""

    def __init__(self) -> None:
        self.links: list[LinkEvent] = []
        self.events: list[DeviceEvent] = []
        self.cond = threading.Condition()

    def on_link(self, event: LinkEvent) -> None:
        with self.cond:
            self.links.append(event)
            self.cond.notify_all()

    def on_events(self, events: list[DeviceEvent], host_time: float | None = None) -> None:
        with self.cond:
            self.events += events
            self.cond.notify_all()

    def wait(self, predicate, timeout: float = 10.0) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def states(self) -> list[LinkState]:
        return [e.state for e in self.links]

    def hr(self) -> list[Sample]:
        return [e for e in self.events if isinstance(e, Sample) and e.param == "HR"]


@pytest.fixture
def acquisition(tmp_path: Path):
    started: list = []

    def start(scenario: str, speed: float) -> tuple[SimulatedMonitor, Acquisition, Watch]:
        sim = SimulatedMonitor("intellivue-mib", load_scenario(scenario), speed=speed, link_dir=tmp_path)
        writer = SessionWriter(tmp_path / "monitor.sqlite3")
        writer.start()
        config = AcquisitionConfig(sim.start(), "intellivue-mib", capture_dir=tmp_path / "captures")
        acq = Acquisition(config, writer)
        watch = Watch()
        acq.add_event_listener(watch.on_events)
        acq.add_link_listener(watch.on_link)
        started.append((sim, acq, writer))
        acq.start()
        return sim, acq, watch

    yield start
    for sim, acq, writer in started:
        acq.stop()
        writer.close()
        sim.stop()


def test_a_pulled_cable_is_a_disconnect_then_a_new_association_and_values_again(acquisition) -> None:
    sim, acq, watch = acquisition("cable-pull", speed=20)  # pulled at 3 s for 1 s of wall time
    assert isinstance(acq.driver, IntellivueDriver)
    assert watch.wait(lambda: LinkState.DISCONNECTED in watch.states(), timeout=15), watch.states()
    before = len(watch.hr())
    assert before >= 1, "values before the pull"
    assert watch.wait(lambda: len(watch.hr()) >= before + 3, timeout=15), "values again after the pull"
    assert sim.cable_pulls == 1 and sim.encoder.associations == acq.driver.associations == 2
    assert acq.driver.phase is Phase.POLLING and not acq.driver.drops, "a new port, not a dropped association"
    assert all(40 <= s.value <= 140 for s in watch.hr())
    acq.stop()
    decoder = make_decoder("intellivue-mib")
    replayed = [
        e.value
        for t, chunk in iter_chunks(acq.capture_path)
        for e in decoder.feed(chunk, t or 0.0)
        if isinstance(e, Sample) and e.param == "HR"
    ]
    assert replayed == [s.value for s in watch.hr()], "the capture replays to what the live link decoded"


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


def test_a_monitor_gone_silent_is_associated_again_when_the_silence_reopens_the_port(port: FakePort, make_link):
    monitor = Monitor(port)
    watch = Watch()
    driver = IntellivueDriver()
    events = Events()
    opened: list[float] = []
    make_link(
        str(port.link),
        events,
        driver=driver,
        on_events=watch.on_events,
        on_open=lambda link: opened.append(time.monotonic()),
        silence_timeout=0.5,
    )
    try:
        assert watch.wait(lambda: len(watch.hr()) >= 2), "associated and polled"
        monitor.restart()  # the monitor forgets the association: our polls go unanswered
        assert events.wait(lambda: LinkState.SILENT in events.names(), timeout=5)
        before = len(watch.hr())
        assert watch.wait(lambda: len(watch.hr()) >= before + 2), "values again"
        silent = next(e for e in events.states if e.state is LinkState.SILENT)
        assert len(opened) >= 2 and events.names()[-1] is LinkState.RECEIVING
        assert min(s.host_time for s in watch.hr()[before:]) > silent.time, "after the silence, not left over"
        assert monitor.encoder.associations == driver.associations == 2
        assert driver.drops[Drop.SILENCE] == 0, "the reopen asked again before the driver's 10 s"
    finally:
        monitor.stop()
