"""The simulated patient: scenario targets plus physiological variation, and a cuff that measures on a cycle.

Runs on the simulator's thread. Variation is an Ornstein-Uhlenbeck process per parameter (slow wander that
returns to the target, as real vitals do), advanced exactly by the time between calls, so any call spacing
gives statistically the same patient. Calls must come with non-decreasing session time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from monitor.devices.events import SampleFlag, ValueState
from monitor.devices.simulator.scenario import Scenario

# (sd of the wander, time constant s): HR wanders a few beats over tens of seconds; SpO2 about a percent.
_NOISE = {
    "HR": (2.5, 30.0),
    "SPO2": (0.6, 20.0),
    "RR": (1.0, 40.0),
    "ETCO2": (1.0, 60.0),
    "TEMP1": (0.05, 600.0),
    "PI": (0.3, 30.0),
    "PVI": (1.5, 60.0),
    "PR": (0.8, 5.0),  # pulse-rate offset from HR: oximeter and ECG agree within a beat or two
}
NIBP_MEASURE_S = 30.0  # an oscillometric cuff cycle takes ~30 s; the previous reading stays displayed meanwhile
NIBP_SD = 4.0  # beat-to-beat and cuff scatter of one reading, mmHg
NIBP_STALE_S = 60.0  # the S/5 flags NIBP data older than 60 s (protocols README §2.8, label bit 8)


@dataclass(frozen=True, slots=True)
class NibpReading:
    sys: int
    dia: int
    mean: int
    time: float  # session time the cuff finished


@dataclass(frozen=True, slots=True)
class VitalsState:
    t: float
    hr: int
    pr: int
    spo2: int
    pi: float
    pvi: int
    rr: int
    etco2: int
    fico2: int
    temp: float
    nibp: NibpReading | None
    nibp_measuring: bool
    sensor_off: bool
    apnea: bool


class PatientModel:
    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._noise = dict.fromkeys(_NOISE, 0.0)
        self._t = 0.0
        self._last_nibp: NibpReading | None = None  # the latest cycle's reading: asked 5 times a second with waves

    def _advance(self, t: float) -> None:
        dt = t - self._t
        if dt <= 0:
            return
        draws = self._rng.standard_normal(len(_NOISE))
        for (name, (sd, tau)), z in zip(_NOISE.items(), draws, strict=True):
            decay = math.exp(-dt / tau)
            self._noise[name] = self._noise[name] * decay + sd * math.sqrt(1 - decay * decay) * z
        self._t = t

    def _value(self, name: str, t: float) -> float:
        return self.scenario.target(name, t) + self._noise.get(name, 0.0)

    def _nibp_reading(self, cycle: int) -> NibpReading:
        finished = cycle * self.scenario.nibp_interval_s + NIBP_MEASURE_S
        if self._last_nibp is None or self._last_nibp.time != finished:
            self._last_nibp = self._draw_nibp(cycle)
        return self._last_nibp

    def _draw_nibp(self, cycle: int) -> NibpReading:
        # Each cuff reading draws from its own generator, so it does not depend on how often we were asked.
        rng = np.random.default_rng((self.seed, cycle))
        finished = cycle * self.scenario.nibp_interval_s + NIBP_MEASURE_S
        sys_ = self.scenario.target("NIBP_SYS", finished) + rng.normal(0, NIBP_SD)
        dia = self.scenario.target("NIBP_DIA", finished) + rng.normal(0, NIBP_SD * 0.6)
        dia = min(dia, sys_ - 20)
        mean = dia + (sys_ - dia) / 3  # oscillometric MAP is close to DBP + PP/3
        return NibpReading(round(sys_), round(dia), round(mean), finished)

    def state_at(self, t: float) -> VitalsState:
        self._advance(t)
        sc = self.scenario
        cycle, into = divmod(t, sc.nibp_interval_s)
        measuring = into < NIBP_MEASURE_S
        done_cycle = int(cycle) - 1 if measuring else int(cycle)
        nibp = self._nibp_reading(done_cycle) if done_cycle >= 0 else None
        hr = self._value("HR", t)
        return VitalsState(
            t=t,
            hr=round(hr),
            pr=round(hr + self._noise["PR"]),
            spo2=round(min(100.0, self._value("SPO2", t))),
            pi=round(max(0.02, self._value("PI", t)), 2),
            pvi=round(max(1.0, self._value("PVI", t))),
            rr=round(max(0.0, self._value("RR", t))),
            etco2=round(max(0.0, self._value("ETCO2", t))),
            fico2=0,
            temp=round(self._value("TEMP1", t), 1),
            nibp=nibp,
            nibp_measuring=measuring,
            sensor_off=sc.in_window(sc.sensor_off, t),
            apnea=sc.in_window(sc.apnea, t),
        )


def datex_values(state: VitalsState) -> tuple[dict[str, float | ValueState], SampleFlag]:
    """What an S/5 shows for this state, as `datex_s5.encode_displayed_record` takes it, and the NIBP flags."""
    values: dict[str, float | ValueState] = {
        "HR": state.hr,
        "RR": state.rr,
        "ETCO2": state.etco2,
        "FICO2": state.fico2,
        "TEMP1": state.temp,
    }
    for name, value in (("SPO2", state.spo2), ("PR", state.pr)):
        values[name] = ValueState.INVALID if state.sensor_off else value
    flags = SampleFlag.NONE
    if state.nibp is not None:
        values.update(NIBP_SYS=state.nibp.sys, NIBP_DIA=state.nibp.dia, NIBP_MEAN=state.nibp.mean)
        if state.t - state.nibp.time > NIBP_STALE_S:
            flags |= SampleFlag.STALE
    else:
        values.update(NIBP_SYS=ValueState.INVALID, NIBP_DIA=ValueState.INVALID, NIBP_MEAN=ValueState.INVALID)
    if state.nibp_measuring:
        flags |= SampleFlag.NIBP_MEASURING
    return values, flags


MASIMO_SENSOR_OFF = 0x020
MASIMO_SET_ACTIVE = 0x800


def masimo_values(state: VitalsState) -> dict[str, float | int | None]:
    """Keyword arguments for `masimo_ascii.format_line` (without the time)."""
    if state.sensor_off:
        return {"spo2": None, "pr": None, "pi": None, "pvi": None, "exc": MASIMO_SENSOR_OFF}
    return {"spo2": state.spo2, "pr": state.pr, "pi": state.pi, "pvi": state.pvi, "exc": MASIMO_SET_ACTIVE}
