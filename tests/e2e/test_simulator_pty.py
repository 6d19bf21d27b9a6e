"""The simulated monitor seen from the PC side of its pty, with plain pyserial: it behaves like the real device."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import numpy as np
import pytest
import serial

from monitor.cli import main
from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.events import Sample, Wave, WaveBlock
from monitor.devices.simulator import SimulatedMonitor, load_scenario


@pytest.fixture
def sim(tmp_path: Path):
    started: list[SimulatedMonitor] = []

    def start(protocol: str, scenario: str, speed: float) -> tuple[SimulatedMonitor, serial.Serial]:
        monitor = SimulatedMonitor(protocol, load_scenario(scenario), speed=speed, link_dir=tmp_path)
        started.append(monitor)
        path = monitor.start()
        line = datex_s5.LINE if protocol == "datex-s5" else masimo_ascii.LINE
        return monitor, serial.serial_for_url(path, **line.as_kwargs(), timeout=0.1)

    yield start
    for monitor in started:
        monitor.stop()
        assert monitor.error is None


def read_for(port: serial.Serial, seconds: float) -> bytes:
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data += port.read(4096)
    return data


def test_dri_monitor_is_silent_until_asked_then_honours_interval_and_stop(sim) -> None:
    monitor, port = sim("datex-s5", "stable", speed=50)  # 5 s interval = 0.1 s here
    assert read_for(port, 0.4) == b""
    port.write(datex_s5.displayed_values_request(5))
    data = read_for(port, 1.0)
    decoder = datex_s5.DatexS5Decoder()
    samples = [e for e in decoder.feed(data, 0.0) if isinstance(e, Sample)]
    assert 6 <= decoder.stats.frames_ok <= 14  # ~10 records in 1 s at 50x
    hr = [s.value for s in samples if s.param == "HR"]
    assert hr and all(50 <= v <= 100 for v in hr)
    times = sorted({s.time for s in samples})
    assert all(4 <= b - a <= 6 for a, b in itertools.pairwise(times))  # device time steps of 5 s
    port.write(datex_s5.stop_request())
    read_for(port, 0.3)  # let anything in flight arrive
    assert read_for(port, 0.5) == b""
    assert monitor.requests_seen == 2


def test_masimo_monitor_streams_lines(sim) -> None:
    _, port = sim("masimo-ascii", "stable", speed=20)
    decoder = masimo_ascii.MasimoAsciiDecoder()
    events = decoder.feed(read_for(port, 1.0), 0.0)
    spo2 = [e.value for e in events if isinstance(e, Sample) and e.param == "SPO2"]
    assert len(spo2) >= 10 and all(94 <= v <= 100 for v in spo2)
    assert decoder.stats.bad_frames == 0


def test_cable_pull_removes_the_port_and_brings_a_new_one(sim) -> None:
    monitor, port = sim("masimo-ascii", "cable-pull", speed=60)  # pull at 1 s for 0.33 s
    deadline = time.monotonic() + 5
    while os.path.lexists(monitor.path) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not os.path.lexists(monitor.path), "the port never vanished"
    with pytest.raises(serial.SerialException):
        read_for(port, 1.0)
    while not os.path.lexists(monitor.path) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert os.path.lexists(monitor.path), "the port never came back"
    assert monitor.cable_pulls == 1
    again = serial.serial_for_url(monitor.path, **masimo_ascii.LINE.as_kwargs(), timeout=0.1)
    assert b"SPO2=" in read_for(again, 0.5)


def test_line_noise_corrupts_frames_that_the_decoder_counts(sim) -> None:
    monitor, port = sim("datex-s5", "line-noise", speed=100)
    port.write(datex_s5.displayed_values_request(5))
    decoder = datex_s5.DatexS5Decoder()
    events = decoder.feed(read_for(port, 2.0), 0.0)
    assert monitor.corrupted_frames_sent > 0 and monitor.garbage_bytes_sent > 0
    assert decoder.stats.bad_frames > 0
    good = sum(1 for e in events if isinstance(e, Sample) and e.param == "HR")
    assert good >= monitor.records_sent - monitor.corrupted_frames_sent - 3


@pytest.mark.parametrize("speed", [1.0, 10.0])
def test_every_wave_sample_the_simulator_sends_arrives_on_one_clock(sim, speed: float) -> None:
    """The S/5's waves (issue 22) as the program's DRI driver asks for them and reads them."""
    monitor, port = sim("datex-s5", "stable", speed=speed)
    driver = DatexS5Driver()
    port.write(b"".join(driver.on_connect()))
    data = read_for(port, 2.5)
    port.write(b"".join(driver.on_close()))
    data += read_for(port, 0.5)  # what was in flight
    assert read_for(port, 0.3) == b""  # stopped
    assert monitor.dropped_writes == 0
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


def test_simulate_command_refuses_an_unknown_scenario(capsys) -> None:
    assert main(["simulate", "--scenario", "nope"]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err


def test_pty_reopens_after_a_client_with_rts_cts_closed(tmp_path) -> None:
    from monitor.devices.simulator import SimulatedMonitor, load_scenario
    from monitor.devices.simulator.server import tick_s

    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=1, link_dir=tmp_path)
    port = sim.start()
    try:
        for _ in range(3):  # Linux refuses the second open (EINVAL) if CRTSCTS stays set on the pty
            ser = serial.Serial(port, 19200, parity=serial.PARITY_EVEN, rtscts=True, timeout=0.1)
            ser.close()
            time.sleep(2 * tick_s(sim.speed))  # the simulator clears the flag at its next tick
    finally:
        sim.stop()
