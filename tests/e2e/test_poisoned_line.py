"""End to end (issue 14, point 1): a fake oximeter on a real pty sends `SPO2=nan%` among good lines; the station
keeps recording every good value after it, the bad one is an invalid value, and nothing is held in memory."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fake_port import FakePort

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.devices import masimo_ascii
from monitor.devices.events import DeviceStatus, Sample
from monitor.devices.link import LinkEvent, LinkState
from monitor.storage.db import connect, read_device_status, read_samples
from monitor.storage.writer import SessionWriter

T0 = 1_700_000_000


class Seen:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.statuses: list[DeviceStatus] = []
        self.links: list[LinkState] = []
        self.changed = threading.Condition()

    def on_link(self, event: LinkEvent) -> None:
        with self.changed:
            self.links.append(event.state)
            self.changed.notify_all()

    def on_events(self, events: list) -> None:
        with self.changed:
            self.samples += [e for e in events if isinstance(e, Sample)]
            self.statuses += [e for e in events if isinstance(e, DeviceStatus)]
            self.changed.notify_all()

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)


@pytest.fixture
def port(tmp_path: Path):
    fake = FakePort(tmp_path / "oximeter")
    fake.plug()
    yield fake
    if fake.master is not None:
        fake.pull()


def test_a_nan_line_from_the_oximeter_does_not_stop_the_recording(port: FakePort, tmp_path: Path) -> None:
    db = tmp_path / "station.sqlite3"
    writer = SessionWriter(db)
    writer.start()
    acq = Acquisition(AcquisitionConfig(str(port.link), "masimo-ascii"), writer)
    seen = Seen()
    acq.add_event_listener(seen.on_events)
    acq.add_link_listener(seen.on_link)
    acq.start()
    try:
        assert seen.wait_for(lambda: LinkState.CONNECTING in seen.links), "the port is open"
        lines = [masimo_ascii.format_line(time=T0 + i, spo2=90 + i, pr=70, pi=2.0, pvi=10) for i in range(8)]
        lines[3] = lines[3].replace(b"SPO2=093%", b"SPO2=nan%")
        port.send_all(b"".join(lines[:4]))
        assert seen.wait_for(lambda: sum(s.param == "PR" for s in seen.samples) == 4), "the NaN line was read"
        assert writer.flush(), "the NaN did not block the writer"
        port.send_all(b"".join(lines[4:]))
        assert seen.wait_for(lambda: any(s.param == "SPO2" and s.value == 97.0 for s in seen.samples))
    finally:
        acq.stop()
    try:
        assert writer.flush() and writer.healthy and writer.pending == 0
        conn = connect(db)
        try:
            _t, spo2 = read_samples(conn, acq.session_id, "SPO2")
            statuses = read_device_status(conn, acq.session_id)
            _t, pr = read_samples(conn, acq.session_id, "PR")
        finally:
            conn.close()
    finally:
        writer.close()
    assert spo2.tolist() == [90.0, 91.0, 92.0, 94.0, 95.0, 96.0, 97.0], "every good value, before and after"
    assert len(pr) == 8, "the pulse rate of the NaN line was recorded too"
    assert any(s.unavailable.get("SPO2") == "not a number" for s in statuses), "the invalid value is on record"
    assert acq.stats.invalid_values == 1
