"""One failing chair never disturbs the others: a chair whose port vanishes and one streaming garbage, beside a
healthy chair that must keep receiving on time. Real ptys, real links, one shared database writer."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from monitor.app.chair import ChairConfig
from monitor.app.station import Station, demo_chairs, load_station, save_station
from monitor.devices.events import Sample
from monitor.devices.port_policy import PortPolicy
from monitor.storage.writer import SessionWriter


def test_a_vanished_port_and_a_noisy_line_leave_the_healthy_chair_on_time(tmp_path: Path) -> None:
    configs = [
        ChairConfig("Chair 1", None, scenario="stable", speed=10),
        ChairConfig("Chair 2", None, scenario="stable", speed=10, seed=1),
        ChairConfig("Chair 3", None, scenario="line-noise", speed=10, seed=2),
    ]
    with SessionWriter(tmp_path / "station.sqlite3") as writer:
        station = Station(configs, writer)
        healthy, vanishing, noisy = station.chairs
        arrivals: list[float] = []
        healthy.acquisition.add_event_listener(
            lambda events: arrivals.extend(e.host_time for e in events if isinstance(e, Sample) and e.param == "HR")
        )
        for chair in station.chairs:
            chair.start(initials="AB", require_screening=False, require_patient=False)
        try:
            time.sleep(2.0)
            fault_at = time.time()
            vanishing.simulator.stop()  # the USB adapter is pulled and does not come back
            time.sleep(5.0)
            end = time.time()
        finally:
            station.stop()
    after = np.array([t for t in arrivals if t >= fault_at])
    assert len(after) >= 8, "the healthy chair kept receiving"
    gaps = np.diff(np.r_[fault_at, after, end])
    assert gaps.max() < 1.5, f"a record every 0.5 s; the longest wait was {gaps.max():.2f} s"
    assert noisy.acquisition.stats.resyncs > 0 and noisy.acquisition.stats.frames_ok > 0, "garbage skipped, data kept"


def test_station_assignments_are_remembered(tmp_path: Path) -> None:
    chairs = [
        ChairConfig("Chair 1", "/dev/ttyUSB0", "datex-s5"),
        ChairConfig("Chair 2", "socket://10.0.0.5:4001", "masimo-ascii"),
    ]
    path = save_station(chairs, tmp_path / "station.json")
    assert load_station(path, PortPolicy.for_hosts(["10.0.0.5"])) == chairs
    path.write_text('[{"name": "Chair 1", "port": null, "protocol": "philips"}]')
    with pytest.raises(ValueError, match="unknown protocol 'philips'"):
        load_station(path)
    assert [c.scenario for c in demo_chairs(3)] == ["stable", "ketamine-hypertension", "respiratory-depression"]
