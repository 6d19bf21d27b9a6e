"""The simulated S/5's waveforms on its real pty, asked for and read with pyserial and the program's DRI driver."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
import serial

from monitor.devices import datex_s5
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.events import Sample, Wave, WaveBlock
from monitor.devices.simulator import SimulatedMonitor, load_scenario


def read_for(port: serial.Serial, seconds: float) -> bytes:
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data += port.read(4096)
    return data


@pytest.mark.parametrize("speed", [1.0, 10.0])
def test_every_wave_sample_the_simulator_sends_arrives_on_one_clock(tmp_path: Path, speed: float) -> None:
    monitor = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=speed, link_dir=tmp_path)
    port = serial.serial_for_url(monitor.start(), **datex_s5.LINE.as_kwargs(), timeout=0.05)
    driver = DatexS5Driver()
    try:
        port.write(b"".join(driver.on_connect()))
        data = read_for(port, 2.5)
        port.write(b"".join(driver.on_close()))
        data += read_for(port, 0.5)  # what was in flight
        assert read_for(port, 0.3) == b""  # stopped
    finally:
        port.close()
        monitor.stop()
    assert monitor.error is None and monitor.dropped_writes == 0
    events = driver.receive(data, 0.0).events
    sent = monitor.encoder.wave_samples_sent
    for wave, wf_type in datex_s5.WAVE_TYPES.items():
        blocks = [e for e in events if isinstance(e, WaveBlock) and e.wave is wave]
        assert sum(len(b.values) for b in blocks) == sent[wf_type] >= 2.0 * speed * wave.nominal_rate_hz
        assert all(b.t0 == pytest.approx(a.t_end, abs=1e-6) for a, b in itertools.pairwise(blocks))
        assert not any(np.isnan(b.values).any() for b in blocks)
    if speed == 10.0:  # 25 s of device time: the ECG's R waves at the HR the same records display
        ecg = np.concatenate([e.values for e in events if isinstance(e, WaveBlock) and e.wave is Wave.ECG])
        peaks = np.flatnonzero((ecg[1:-1] > 0.6) & (ecg[1:-1] >= ecg[:-2]) & (ecg[1:-1] > ecg[2:]))
        bpm = 60 * (len(peaks) - 1) / ((peaks[-1] - peaks[0]) / 300)
        hr = [e.value for e in events if isinstance(e, Sample) and e.param == "HR"]
        assert bpm == pytest.approx(np.mean(hr), abs=4)
