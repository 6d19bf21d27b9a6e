"""The simulated patient's waveforms, drawn from the same numerics the monitor displays (issue 22).

ECG lead II beats at the HR, the pleth pulses at the pulse rate with a trough-to-peak amplitude of the perfusion
index (PI is the pulsatile part of the light in % of the steady part, so a pleth in % swings by PI), and the
capnogram breathes at the RR with each breath's plateau ending at the EtCO2. Apnoea flattens the capnogram after
the breath in progress, a probe off the finger flattens the pleth at once, and a scenario with line noise puts
mains hum and noise on the waves as well as corrupting the line.

Sample n of a wave is at session time n / rate: `samples(n0, n, state)` returns samples n0 .. n0 + n - 1, so a
caller that asks for contiguous ranges never drifts, whatever the call spacing (any --speed). Each beat (breath)
keeps the period (and amplitude) its numerics gave at its onset. Noise is drawn per second of samples from a
generator seeded by that second, so it does not depend on how the ranges were cut. Ranges of a wave must increase;
one that does not follow the last after a pause of over 2 s (a stream resumed) starts a fresh rhythm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from monitor.devices.events import Wave
from monitor.devices.simulator.physiology import VitalsState
from monitor.devices.simulator.scenario import Scenario

# Samples per second, as the S/5 sends them (events.WAVE_RATE_HZ: ECG 300/s, pleth 100/s, CO2 25/s).
RATE_HZ = {wave: round(wave.nominal_rate_hz) for wave in Wave}

# Lead II PQRST as Gaussians (centre s after the beat's onset, width s, height mV); a textbook adult complex
# (P 0.15 mV, R ~1.2 mV, T ~0.3 mV; QRS ~80 ms). The T wave moves with the beat period (QT ~ sqrt(RR), Bazett).
_ECG_FIXED = ((0.08, 0.025, 0.15), (0.19, 0.010, -0.12), (0.21, 0.012, 1.2), (0.235, 0.012, -0.3))
_ECG_T = (0.21, 0.30, 0.05, 0.3)  # T centre = 0.21 + 0.30 * sqrt(period), width, height
# Pleth beat shape over the beat's phase: a steep upstroke to the systolic peak, a slower fall, a dicrotic bump.
_PLETH_PEAK, _PLETH_RISE, _PLETH_FALL = 0.25, 0.08, 0.22
_PLETH_NOTCH = (0.55, 0.06, 0.15)
# Capnogram: expiration is the first 60 % of a breath (I:E about 1:1.5); CO2 rises with a 0.12 s time constant
# (phase II), climbs the last 8 % to the EtCO2 along the plateau (phase III), falls with 0.06 s at inspiration.
_CO2_EXPIRATION, _CO2_RISE_S, _CO2_SLOPE, _CO2_FALL_S = 0.6, 0.12, 0.08, 0.06
# Line-noise scenario: 50 Hz mains hum and broadband noise on the ECG, noise on the pleth and capnogram.
_MAINS_HZ, _MAINS_MV, _ECG_NOISE_MV = 50.0, 0.08, 0.03
_PLETH_NOISE_OF_PI, _CO2_NOISE_MMHG = 0.05, 0.4
_RESTART_S = 2.0  # a stream resumed after a longer pause (cable pulled, request stopped) starts a fresh beat


@dataclass(slots=True)
class _Rhythm:
    """Onsets of beats (or breaths); each keeps the period and the amplitude its numerics gave at the onset."""

    onsets: np.ndarray
    periods: np.ndarray
    amplitudes: np.ndarray
    next_onset: float = 0.0

    @classmethod
    def starting(cls, at: float) -> _Rhythm:
        # Two silent beats long before: every time has a latest beat and one before it, so no case for "none".
        return cls(np.array([at - 2000.0, at - 1000.0]), np.ones(2), np.zeros(2), at)

    def advance(self, since: float, until: float, per_min: float, amplitude: float, beating: bool) -> None:
        """Forget the beats over before `since` and add those up to `until` (session s) at `per_min`."""
        keep = max(0, int(np.searchsorted(self.onsets, since, side="right")) - 2)  # two back: a shape's tail
        self.onsets, self.periods, self.amplitudes = self.onsets[keep:], self.periods[keep:], self.amplitudes[keep:]
        if not beating or per_min <= 0:
            self.next_onset = max(self.next_onset, until)
            return
        period = 60.0 / per_min
        count = max(0, math.floor((until - self.next_onset) / period) + 1)
        if count:
            self.onsets = np.concatenate((self.onsets, self.next_onset + period * np.arange(count)))
            self.periods = np.concatenate((self.periods, np.full(count, period)))
            self.amplitudes = np.concatenate((self.amplitudes, np.full(count, amplitude)))
            self.next_onset += period * count

    def sum_beats(self, t: np.ndarray, beat) -> np.ndarray:
        """The sum, at each time, of the shapes of its latest beat and the one before, each at its amplitude."""
        latest = np.searchsorted(self.onsets, t, side="right") - 1
        return sum(self.amplitudes[i] * beat(t - self.onsets[i], self.periods[i]) for i in (latest, latest - 1))


def _gauss(x: np.ndarray, centre: float | np.ndarray, width: float) -> np.ndarray:
    return np.exp(-(((x - centre) / width) ** 2))


# The fixed shapes as tables (one interpolation per beat instead of a sum of Gaussians: the simulator of every
# chair runs them 5 times a second). ECG P-QRS over 0.4 s in 0.5 ms steps; the pleth beat over its phase.
_ECG_TAU = np.linspace(0.0, 0.4, 801)
_ECG_TABLE = sum(h * _gauss(_ECG_TAU, c, w) for c, w, h in _ECG_FIXED)
_PLETH_PHASE = np.linspace(0.0, 1.0, 1001)
_PLETH_TABLE = _gauss(
    _PLETH_PHASE, _PLETH_PEAK, np.where(_PLETH_PHASE < _PLETH_PEAK, _PLETH_RISE, _PLETH_FALL)
) + _PLETH_NOTCH[2] * _gauss(_PLETH_PHASE, _PLETH_NOTCH[0], _PLETH_NOTCH[1])


def _ecg_beat(tau: np.ndarray, period: np.ndarray) -> np.ndarray:
    t_at, t_per_sqrt, t_width, t_height = _ECG_T
    t_wave = t_height * _gauss(tau, t_at + t_per_sqrt * np.sqrt(period), t_width)
    return np.interp(tau, _ECG_TAU, _ECG_TABLE, right=0.0) + t_wave


def _pleth_beat(tau: np.ndarray, period: np.ndarray) -> np.ndarray:
    return np.interp(tau / period, _PLETH_PHASE, _PLETH_TABLE, right=0.0)


def _co2_breath(tau: np.ndarray, period: np.ndarray) -> np.ndarray:
    """One breath's CO2 as a fraction of its end-tidal value."""
    expiration = _CO2_EXPIRATION * period
    rise = (1 - np.exp(-tau / _CO2_RISE_S)) * (1 - _CO2_SLOPE + _CO2_SLOPE * np.minimum(tau / expiration, 1.0))
    fall = np.exp(-np.maximum(tau - expiration, 0.0) / _CO2_FALL_S)
    return np.where(tau < expiration, rise, rise * fall)


class WaveSynth:
    """The three waves of one simulated patient (one per SimulatedMonitor; runs on its worker thread)."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.scenario, self.seed = scenario, seed
        self._rhythms: dict[Wave, _Rhythm] = {}
        self._next_sample: dict[Wave, int] = {}
        self._noise_block: dict[Wave, tuple[int, np.ndarray]] = {}

    def samples(self, wave: Wave, n0: int, n: int, state: VitalsState) -> np.ndarray:
        """Samples n0 .. n0+n-1 of `wave` in physical units (ECG mV, pleth %, CO2 mmHg), float64."""
        rate = RATE_HZ[wave]
        t = (n0 + np.arange(n)) / rate
        if n == 0:
            return t
        rhythm = self._rhythm(wave, n0, t[0])
        self._next_sample[wave] = n0 + n
        noisy = self.scenario.line_noise is not None
        if wave is Wave.ECG:
            rhythm.advance(t[0], t[-1], state.hr, 1.0, beating=True)
            out = rhythm.sum_beats(t, _ecg_beat)
            if noisy:
                out += _MAINS_MV * np.sin(2 * np.pi * _MAINS_HZ * t) + _ECG_NOISE_MV * self._noise(wave, n0, n)
        elif wave is Wave.PLETH:
            rhythm.advance(t[0], t[-1], state.pr, state.pi, beating=True)
            if state.sensor_off:
                return np.zeros(n)  # no light through a finger: a flat line, at once
            out = rhythm.sum_beats(t, _pleth_beat) - 0.5 * state.pi
            if noisy:
                out += _PLETH_NOISE_OF_PI * state.pi * self._noise(wave, n0, n)
        else:
            # Each breath ends at the EtCO2 displayed when it began (the monitor reads EtCO2 as the breath's peak).
            rhythm.advance(t[0], t[-1], state.rr, state.etco2, beating=not state.apnea)
            out = rhythm.sum_beats(t, _co2_breath)
            if noisy:
                out = np.maximum(out + _CO2_NOISE_MMHG * self._noise(wave, n0, n), 0.0)
        return out

    def _rhythm(self, wave: Wave, n0: int, t0: float) -> _Rhythm:
        rhythm = self._rhythms.get(wave)
        resumed = self._next_sample.get(wave) != n0
        if rhythm is None or (resumed and rhythm.next_onset < t0 - _RESTART_S):
            rhythm = self._rhythms[wave] = _Rhythm.starting(t0)
        return rhythm

    def _noise(self, wave: Wave, n0: int, n: int) -> np.ndarray:
        """Unit normal noise for samples n0 .. n0+n-1, drawn per second of samples from a generator seeded by that
        second: the same samples get the same noise however the ranges were cut."""
        rate = RATE_HZ[wave]
        first, last = n0 // rate, (n0 + n - 1) // rate
        blocks = []
        for block in range(first, last + 1):
            cached = self._noise_block.get(wave)
            if cached is None or cached[0] != block:
                index = list(RATE_HZ).index(wave)
                cached = self._noise_block[wave] = (
                    block,
                    np.random.default_rng((self.seed, index, block)).normal(size=rate),
                )
            blocks.append(cached[1])
        return np.concatenate(blocks)[n0 - first * rate : n0 - first * rate + n]
