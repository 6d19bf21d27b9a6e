"""The simulated S/5's waveforms, read back through the program's own DRI driver and decoder (issue 22 point 2).

The encoder answers the driver's requests; every test decodes what it sent with DatexS5Decoder and checks the waves
against the numerics decoded from the same stream: ECG at the HR, pleth at the PR swinging by the perfusion
index, capnogram at the RR peaking at the EtCO2; apnoea, a probe off and line noise; no sample lost or extra and no
drift, however the session time is cut (any --speed).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from monitor.devices import datex_s5
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.events import DeviceEvent, Sample, Wave, WaveBlock
from monitor.devices.simulator.encoders import DriEncoder
from monitor.devices.simulator.physiology import PatientModel
from monitor.devices.simulator.scenario import Scenario, Window, load_scenario
from monitor.devices.simulator.waves import WaveSynth

T0 = 1_700_000_000.0
TYPES = {Wave.ECG: datex_s5.WF_ECG1, Wave.PLETH: datex_s5.WF_PLETH, Wave.CO2: datex_s5.WF_CO2}


@dataclasses.dataclass
class Run:
    encoder: DriEncoder
    events: list[DeviceEvent]
    due_times: list[float]

    def blocks(self, wave: Wave) -> list[WaveBlock]:
        return [e for e in self.events if isinstance(e, WaveBlock) and e.wave is wave]

    def wave(self, wave: Wave, start: float = -math.inf, end: float = math.inf) -> tuple[np.ndarray, np.ndarray]:
        """(session times as decoded, values) of the samples in [start, end); the decoder anchors a wave at its
        first record's whole transmit second, so up to 1 s early."""
        blocks = self.blocks(wave)
        t = np.concatenate([b.t0 - T0 + np.arange(len(b.values)) / b.rate_hz for b in blocks])
        v = np.concatenate([b.values for b in blocks]).astype(float)
        keep = (t >= start) & (t < end)
        return t[keep], v[keep]

    def numeric(self, param: str, start: float = 0.0, end: float = math.inf) -> float:
        values = [e.value for e in self.events if isinstance(e, Sample) and e.param == param]
        times = [e.time - T0 for e in self.events if isinstance(e, Sample) and e.param == param]
        return float(np.mean([v for v, t in zip(values, times, strict=True) if start <= t < end]))


def run(scenario: Scenario | str, until: float, step: float = 0.2, seed: int = 0) -> Run:
    """The driver's requests at session time 0, then the encoder asked every `step` s until `until`, all decoded."""
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    encoder = DriEncoder(PatientModel(sc, seed), sc, T0)
    data = b"".join(f for request in DatexS5Driver().on_connect() for f in encoder.hear(request, 0.0))
    due_times, t = [], 0.0
    for i in itertools.count(1):
        t = min(round(i * step, 9), until)
        data += b"".join(encoder.due(t))
        due_times.append(t)
        if t >= until:
            break
    return Run(encoder, datex_s5.DatexS5Decoder().feed(data, 0.0), due_times)


def rising(t: np.ndarray, v: np.ndarray, level: float) -> np.ndarray:
    """Times at which `v` crosses `level` upwards."""
    i = np.flatnonzero((v[1:] > level) & (v[:-1] <= level))
    return t[i + 1]


def per_minute(events: np.ndarray) -> float:
    return 60.0 * (len(events) - 1) / (events[-1] - events[0])


def test_what_the_decoder_reads_is_what_the_synthesizer_drew_to_the_dri_resolution() -> None:
    """Sample for sample: a twin model and synthesizer asked at the same session times as the encoder."""
    result = run("stable", 30.0)
    twin_model, twin = PatientModel(load_scenario("stable"), 0), WaveSynth(load_scenario("stable"), 0)
    expected: dict[Wave, list[np.ndarray]] = {w: [] for w in Wave}
    sent = 0
    for t in result.due_times:
        end = math.floor(t * 5 + 1e-9)
        if end > sent:
            state = twin_model.state_at(t)
            for wave in Wave:
                per_packet = round(wave.nominal_rate_hz) // 5
                expected[wave].append(twin.samples(wave, sent * per_packet, (end - sent) * per_packet, state))
            sent = end
    resolution = {Wave.ECG: 0.0005, Wave.PLETH: 0.005, Wave.CO2: 0.04}  # half a step: µV, 1/100 %, 1/100 % of 760
    for wave in Wave:
        _, decoded = result.wave(wave)
        drawn = np.concatenate(expected[wave])
        assert len(decoded) == len(drawn) == 30 * wave.nominal_rate_hz
        np.testing.assert_allclose(decoded, drawn, atol=resolution[wave] * 1.01, rtol=1e-6)


def test_ecg_beats_at_the_hr_pleth_pulses_at_the_pr_capnogram_breathes_at_the_rr_and_peaks_at_the_etco2() -> None:
    result = run("respiratory-depression", 1500.0, step=5.0)
    for start in (0.0, 1380.0):  # RR 14 and EtCO2 38 at first; RR ~6 and EtCO2 ~57 after the depression
        end = start + 120.0
        t, ecg = result.wave(Wave.ECG, start, end)
        peaks = t[1:-1][(ecg[1:-1] > 0.6) & (ecg[1:-1] >= ecg[:-2]) & (ecg[1:-1] > ecg[2:])]  # R waves
        assert per_minute(peaks) == pytest.approx(result.numeric("HR", start, end), abs=2)
        t, pleth = result.wave(Wave.PLETH, start, end)
        assert per_minute(rising(t, pleth, 0.0)) == pytest.approx(result.numeric("PR", start, end), abs=2)
        t, co2 = result.wave(Wave.CO2, start, end)
        etco2 = result.numeric("ETCO2", start, end)
        breaths = rising(t, co2, etco2 / 2)
        assert per_minute(breaths) == pytest.approx(result.numeric("RR", start, end), abs=1.5)
        plateaus = [co2[(t >= a) & (t < b)].max() for a, b in itertools.pairwise(breaths)]
        assert np.mean(plateaus) == pytest.approx(etco2, abs=1.0)
        assert co2.min() < 0.5  # inspired air has no CO2


def test_the_pleth_swings_by_the_perfusion_index() -> None:
    stable = load_scenario("stable")
    swings = {}
    for pi in (1.0, 6.0):
        sc = dataclasses.replace(stable, baselines={**stable.baselines, "PI": pi})
        t, pleth = run(sc, 60.0).wave(Wave.PLETH)
        beats = rising(t, pleth, 0.0)
        swings[pi] = np.median([np.ptp(pleth[(t >= a) & (t < b)]) for a, b in itertools.pairwise(beats)])
    assert swings[1.0] == pytest.approx(1.0, abs=0.4) and swings[6.0] == pytest.approx(6.0, abs=1.0)


def test_apnoea_flattens_the_capnogram_until_breathing_resumes() -> None:
    stable = load_scenario("stable")
    result = run(dataclasses.replace(stable, apnea=(Window(30.0, 90.0),)), 120.0)
    t, co2 = result.wave(Wave.CO2)
    before, during, after = co2[t < 29], co2[(t >= 37) & (t < 89)], co2[t >= 97]
    assert before.max() > 30 and after.max() > 30
    assert np.all(during < 0.2), "the breath in progress ends; then no CO2 until breathing resumes"
    _, ecg = result.wave(Wave.ECG, 37, 89)
    assert np.ptp(ecg) > 1.0  # the heart goes on


def test_a_probe_off_the_finger_flattens_the_pleth_at_once() -> None:
    result = run("sensor-off", 170.0, step=1.0)  # probe off from 60 to 150 s
    t, pleth = result.wave(Wave.PLETH)
    assert np.ptp(pleth[(t >= 10) & (t < 59)]) > 2 and np.ptp(pleth[t >= 152]) > 2
    assert np.all(pleth[(t >= 61) & (t < 149)] == 0.0)
    assert not np.isnan(pleth).any()  # flat, not a gap: the monitor still sends the wave


def test_line_noise_puts_mains_hum_and_noise_on_the_waves() -> None:
    clean, noisy = run("stable", 20.0), run("line-noise", 20.0)  # same patient (seed, numerics), noisy line
    _, ecg_clean = clean.wave(Wave.ECG)
    _, ecg_noisy = noisy.wave(Wave.ECG)
    noise = ecg_noisy - ecg_clean
    spectrum = np.abs(np.fft.rfft(noise))
    freqs = np.fft.rfftfreq(len(noise), 1 / 300)
    assert freqs[np.argmax(spectrum)] == pytest.approx(50.0, abs=0.1)
    assert 0.04 < noise.std() < 0.1
    for wave in (Wave.PLETH, Wave.CO2):
        assert np.abs(noisy.wave(wave)[1] - clean.wave(wave)[1]).max() > 0.1


@pytest.mark.parametrize(("step", "until"), [(0.01, 60.0), (0.1, 60.0), (1.0, 600.0), (7.3, 3600.0)])
def test_every_sample_once_on_one_clock_however_session_time_is_cut(step: float, until: float) -> None:
    """Steps of a 10 ms tick at 1x, 10x, 100x and 730x: exactly rate x time samples per wave, each block where the
    last one ended (no gap, no re-anchoring: the decoded clock never drifts from the simulator's)."""
    result = run("stable", until, step=step)
    for wave, wf_type in TYPES.items():
        blocks = result.blocks(wave)
        expected = math.floor(until * 5 + 1e-9) * round(wave.nominal_rate_hz) // 5
        assert result.encoder.wave_samples_sent[wf_type] == expected
        assert sum(len(b.values) for b in blocks) == expected
        assert all(b.t0 == pytest.approx(a.t_end, abs=1e-6) for a, b in itertools.pairwise(blocks))
        assert not any(np.isnan(b.values).any() for b in blocks)
        # The decoder anchors the first packet at the record's whole transmit second: at most 1 s early.
        assert 0.0 <= T0 - blocks[0].t0 < 1.0
        # Float sums at 1.7e9 s lose ~0.2 µs a block in the decoder: well under a millisecond in an hour.
        assert blocks[-1].t_end - blocks[0].t0 == pytest.approx(math.floor(until * 5 + 1e-9) / 5, abs=1e-3)


def test_waves_stop_on_request_and_after_a_new_cable_and_start_again_when_asked() -> None:
    sc = load_scenario("stable")
    encoder = DriEncoder(PatientModel(sc, 0), sc, T0)
    decoder = datex_s5.DatexS5Decoder()

    def wave_blocks(frames: list[bytes]) -> list[WaveBlock]:
        return [e for e in decoder.feed(b"".join(frames), 0.0) if isinstance(e, WaveBlock)]

    assert encoder.due(5.0) == []  # silent until asked
    encoder.hear(datex_s5.wave_request(), 5.05)  # from the next 200 ms boundary on
    first = wave_blocks(encoder.due(10.0))
    assert sum(len(b.values) for b in first if b.wave is Wave.ECG) == 24 * 60
    encoder.hear(datex_s5.wave_stop_request(), 10.0)
    assert encoder.due(20.0) == []
    encoder.hear(datex_s5.wave_request(), 20.1)
    again = wave_blocks(encoder.due(21.0))
    assert again and again[0].t0 > first[-1].t_end + 9  # a jump in t0: a gap, not contiguous samples
    encoder.reset()
    assert encoder.due(30.0) == [] and encoder.requests_seen == 3
