"""The simulated IntelliVue seen from the PC side of its pty, with plain pyserial and the program's own MIB messages:
silent until asked to associate, then the conversation of a real monitor."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from monitor.devices.intellivue import messages as mib
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.db import connect
from tests.accounts import recorder


class Pc:
    """The PC end of the pty: writes messages, reads the monitor's until a condition holds."""

    def __init__(self, path: str) -> None:
        self.port = serial.serial_for_url(path, baudrate=115200, timeout=0.05)
        self.reader = FrameReader()
        self.heard: list[object] = []

    def say(self, user_data: bytes) -> None:
        self.port.write(encode_frame(user_data))

    def read_until(self, done, seconds: float = 5.0) -> list[object]:
        deadline = time.monotonic() + seconds
        while not done(self.heard) and time.monotonic() < deadline:
            self.heard += [mib.parse_message(m) for m in self.reader.feed(self.port.read(4096))]
        return self.heard

    def take(self) -> list[object]:
        heard, self.heard = self.heard, []
        return heard


@pytest.fixture
def intellivue(tmp_path: Path):
    monitor = SimulatedMonitor("intellivue-mib", load_scenario("stable"), speed=20, link_dir=tmp_path)
    pc = Pc(monitor.start())
    yield monitor, pc
    pc.port.close()
    monitor.stop()
    assert monitor.error is None


def has(kind: type, count: int = 1):
    return lambda heard: sum(isinstance(m, kind) for m in heard) >= count


def test_association_mds_create_polls_and_release_through_the_pty(intellivue) -> None:
    monitor, pc = intellivue
    assert pc.read_until(lambda _: False, seconds=0.3) == [], "silent until a host asks"
    pc.say(mib.association_request(8000))
    accepted, event = pc.read_until(has(mib.MdsCreate))
    assert isinstance(accepted, mib.AssociationResult) and accepted.accepted and isinstance(event, mib.MdsCreate)
    assert abs(event.abs_time - monitor.device_now()) < 2, "the MDS's absolute clock is the simulated monitor's"
    pc.take()
    pc.say(mib.mds_create_result(event))
    assembler, polls = mib.LinkedAssembler(), []
    for number in (1, 2, 3):
        pc.say(mib.extended_poll_request(10 + number, number))
        pc.read_until(lambda heard: any(isinstance(m, mib.PollResult) and m.linked_state is None for m in heard))
        polls += [whole for m in pc.take() if isinstance(m, mib.PollResult) and (whole := assembler.add(m))]
    assert [p.poll_number for p in polls] == [1, 2, 3]
    hr = [o.value for p in polls for o in p.observations if o.physio_id == 0x4182]
    assert len(hr) == 3 and all(50 <= v <= 100 for v in hr)
    assert polls[0].rel_time < polls[1].rel_time < polls[2].rel_time, "the relative clock runs"
    pc.say(mib.release_request())
    assert any(isinstance(m, mib.Release) for m in pc.read_until(has(mib.Release)))
    assert (monitor.encoder.associations, monitor.requests_seen) == (1, 3)


def test_the_simulate_command_serves_an_intellivue(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "monitor", "simulate", "--protocol", "intellivue-mib", "--link-dir", str(tmp_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        try:
            banner = proc.stdout.readline()
            assert "--protocol intellivue-mib" in banner, banner
            pc = Pc(str(tmp_path / "monitor-sim"))
            pc.say(mib.association_request(8000))
            assert isinstance(pc.read_until(has(mib.MdsCreate))[-1], mib.MdsCreate)
            pc.port.close()
        finally:
            proc.terminate()
        assert proc.wait(10) == 0


def test_the_record_command_records_an_intellivue_and_releases_it(tmp_path: Path) -> None:
    """`record --protocol intellivue-mib`: the association, the numerics in the database (the unmapped ones too),
    and the release request when it stops."""
    sim = SimulatedMonitor("intellivue-mib", load_scenario("stable"), speed=5, link_dir=tmp_path)
    port = sim.start()
    db = tmp_path / "rec.sqlite3"
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = ["record", "--port", port, "--protocol", "intellivue-mib", "--db", str(db), "--duration", "4"]
    try:
        result = subprocess.run(
            [sys.executable, "-m", "monitor", *command, *recorder(db)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 5
        while sim.encoder.releases == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sim.stop()
    assert (sim.encoder.associations, sim.encoder.releases, sim.encoder.aborts_sent) == (1, 1, 0)
    conn = connect(db)
    assert conn.execute("SELECT count(*) FROM samples WHERE param = 'HR'").fetchone()[0] >= 2
    assert conn.execute("SELECT count(*) FROM other_values WHERE code = 0x4261").fetchone()[0] >= 2, "PVC kept"
    conn.close()
