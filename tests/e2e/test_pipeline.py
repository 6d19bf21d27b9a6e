"""End to end: simulated monitor -> real pty -> SerialLink -> decoder -> SQLite, including a pulled cable."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.devices.capture import iter_chunks
from monitor.devices.events import Sample
from monitor.devices.link import LinkEvent, LinkState
from monitor.devices.protocols import make_decoder
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.db import connect, read_samples
from monitor.storage.writer import SessionWriter


class Recorder:
    """Collects what the acquisition reports (called on the link thread)."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.links: list[LinkEvent] = []
        self.changed = threading.Condition()

    def on_events(self, events: list) -> None:
        with self.changed:
            self.samples += [e for e in events if isinstance(e, Sample)]
            self.changed.notify_all()

    def on_link(self, event: LinkEvent) -> None:
        with self.changed:
            self.links.append(event)
            self.changed.notify_all()

    def wait_for(self, predicate, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)

    def count(self, param: str) -> int:
        return sum(1 for s in self.samples if s.param == param)


def replayed(acq: Acquisition, protocol: str, param: str) -> list[float]:
    """The values of `param` the session's raw capture decodes to."""
    decoder = make_decoder(protocol)
    return [
        e.value
        for t, chunk in iter_chunks(acq.capture_path)
        for e in decoder.feed(chunk, t or 0.0)
        if isinstance(e, Sample) and e.param == param
    ]


@pytest.fixture
def rig(tmp_path: Path):
    started: list = []

    def start(protocol: str, scenario: str, speed: float) -> tuple[Acquisition, Recorder, SessionWriter]:
        sim = SimulatedMonitor(protocol, load_scenario(scenario), speed=speed, link_dir=tmp_path)
        port = sim.start()
        writer = SessionWriter(tmp_path / "monitor.sqlite3")
        writer.start()
        acq = Acquisition(AcquisitionConfig(port, protocol, capture_dir=tmp_path / "captures"), writer)
        rec = Recorder()
        acq.add_event_listener(rec.on_events)
        acq.add_link_listener(rec.on_link)
        started.append((sim, acq, writer))
        acq.start()
        return acq, rec, writer

    yield start
    for sim, acq, writer in started:
        acq.stop()
        writer.close()
        sim.stop()


def test_dri_samples_reach_the_database_and_the_capture(rig, tmp_path: Path) -> None:
    acq, rec, writer = rig("datex-s5", "stable", speed=50)
    assert rec.wait_for(lambda: rec.count("HR") >= 5, timeout=15), f"only {rec.count('HR')} HR samples"
    acq.stop()
    writer.flush()
    conn = connect(tmp_path / "monitor.sqlite3")
    times, values = read_samples(conn, acq.session_id, "HR")
    assert len(times) >= 5
    assert all(40 <= v <= 140 for v in values)
    assert list(times) == sorted(times)
    assert acq.stats.bad_frames == 0
    # The raw capture replays to the same numbers.
    assert replayed(acq, "datex-s5", "HR")[: len(values)] == list(values)


def test_masimo_samples_arrive(rig) -> None:
    _, rec, _ = rig("masimo-ascii", "stable", speed=20)
    assert rec.wait_for(lambda: rec.count("SPO2") >= 5 and rec.count("PR") >= 5, timeout=15)
    assert all(85 <= s.value <= 100 for s in rec.samples if s.param == "SPO2")


def test_cable_pull_is_a_disconnect_then_a_reconnect_with_data_again(rig, tmp_path: Path) -> None:
    acq, rec, writer = rig("datex-s5", "cable-pull", speed=40)

    def states() -> list[LinkState]:
        return [e.state for e in rec.links]

    assert rec.wait_for(lambda: LinkState.DISCONNECTED in states(), timeout=20), states()
    n_before = rec.count("HR")
    assert rec.wait_for(lambda: states()[-1] is LinkState.RECEIVING and rec.count("HR") > n_before + 2, 20)
    pulled = next(e for e in rec.links if e.state is LinkState.DISCONNECTED)
    back = next(e for e in rec.links if e.state is LinkState.RECEIVING and e.time > pulled.time)
    # The simulated pull lasts 20 s of device time = 0.5 s here; the link must be back within ~2 s of return.
    assert back.time - pulled.time < 0.5 + 2.5
    writer.flush()
    rows = (
        sqlite3.connect(tmp_path / "monitor.sqlite3")
        .execute("SELECT state FROM link_events WHERE session_id = ? ORDER BY t", (acq.session_id,))
        .fetchall()
    )
    assert "disconnected" in [r[0] for r in rows]


def test_intellivue_cable_pull_is_a_disconnect_then_a_new_association_and_values_again(rig) -> None:
    """As for DRI, and the monitor forgets the association with the cable: the driver associates afresh on the new
    port (not a dropped association it would wait out); the capture replays to what the live link decoded."""
    acq, rec, _ = rig("intellivue-mib", "cable-pull", speed=20)  # pulled at 3 s for 1 s of wall time
    assert rec.wait_for(lambda: any(e.state is LinkState.DISCONNECTED for e in rec.links), timeout=15)
    n_before = rec.count("HR")
    assert n_before >= 1 and rec.wait_for(lambda: rec.count("HR") >= n_before + 3, timeout=15)
    assert acq.driver.associations == 2 and acq.driver.phase == "polling" and not acq.driver.drops
    acq.stop()
    assert replayed(acq, "intellivue-mib", "HR") == [s.value for s in rec.samples if s.param == "HR"]


def test_line_noise_is_counted_and_good_records_still_decode(rig) -> None:
    acq, rec, _ = rig("datex-s5", "line-noise", speed=50)
    assert rec.wait_for(lambda: rec.count("HR") >= 10, timeout=20)
    deadline = time.monotonic() + 10
    while acq.stats.bad_frames == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert acq.stats.bad_frames > 0 and acq.stats.resyncs > 0
