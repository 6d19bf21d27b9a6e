"""LatestValues: one chair's latest monitor values, and whether each may be shown as current.

Qt-free. Fed with what the monitor sends (samples, device status, link state), it answers for any parameter with
a ShownValue judged by monitor.clinical.currency, so the workspace tiles, the station card and the recovery panel
all show the same thing and none reads another's widgets. The seed of a fuller live model of a chair.
Not thread-safe: feed and read it on one thread (the GUI thread, from the facade's signals).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from monitor.clinical.alarms import SENSOR_CONDITIONS
from monitor.clinical.currency import ShownValue, judge
from monitor.clinical.nibp import NIBP_PARAMS, NibpReading, NibpReadingDetector
from monitor.devices.events import DeviceStatus, OtherValue, Sample, SampleFlag, ValueState

# What a sensor condition (probe off, no sensor, ...) makes invalid: the pulse oximeter's parameters.
OXIMETER_PARAMS = ("SPO2", "PR", "PI", "PVI")
# What the decoders (not the monitor) set for a number that cannot be a reading (monitor.devices.events.value_state).
DECODER_STATES = frozenset({ValueState.NOT_A_NUMBER, ValueState.IMPLAUSIBLE})
HISTORY_S = {"HR": 30 * 60.0, "SPO2": 30 * 60.0}  # kept for a small trend (the station card's half hour)


@dataclass(frozen=True, slots=True)
class ShownNibp:
    """The latest cuff reading as it may be shown now."""

    sys: ShownValue
    dia: ShownValue
    mean: ShownValue
    measuring: bool

    @property
    def text(self) -> str:
        return f"{self.sys.text}/{self.dia.text}"


@dataclass(frozen=True, slots=True)
class ShownOther:
    """A numeric no canonical parameter maps (issue 21), as it may be shown now: the monitor's label and unit, and
    the number judged by the same rule as the tiles (invalid at once, stale with its age)."""

    code: int
    label: str
    unit: str
    shown: ShownValue

    @property
    def text(self) -> str:
        """The number as the monitor sent it (no display precision is known for it), or "--"."""
        value = self.shown.value
        return self.shown.shown_text(f"{value:g}" if value is not None else None)


class LatestValues:
    def __init__(self, use_device_time: bool = False, history_s: Mapping[str, float] = HISTORY_S) -> None:
        """`use_device_time`: the session clock is the monitor's (SessionClock.use_device_time)."""
        self._device_time = use_device_time
        self._latest: dict[str, tuple[float, float]] = {}  # param -> (value, time)
        self._invalid: dict[str, str] = {}  # param -> why the monitor has no valid value
        self._link_down = "monitor not sending"  # until the link says it is receiving
        self._nibp = NibpReadingDetector()
        self.nibp_reading: NibpReading | None = None
        self.nibp_measuring = False
        self.nibp_times: list[float] = []  # each cuff reading once, for the observation schedule
        self._history = {p: deque[tuple[float, float]]() for p in history_s}
        self._history_s = dict(history_s)
        self._others: dict[int, tuple[OtherValue, float]] = {}  # code -> (the latest sent, its time)
        self.version = 0  # bumped on every change of what is held

    # --- feeding --------------------------------------------------------------------------------------------

    def on_samples(self, samples: Iterable[Sample], detect: bool = True) -> list[NibpReading]:
        """The samples in arrival order; returns the new cuff readings among them. `detect` False: the cuff
        readings are detected elsewhere (the chair's one detector, in its alarm service) and come by on_nibp."""
        samples = list(samples)
        for s in samples:
            if s.param in NIBP_PARAMS:
                continue
            t = self._at(s.time, s.host_time)
            self._latest[s.param] = (s.value, t)
            history = self._history.get(s.param)
            if history is not None:
                history.append((t, s.value))
                while history and history[0][0] < t - self._history_s[s.param]:
                    history.popleft()
        readings = self._nibp.feed(samples) if detect else []
        self.on_nibp(readings)
        nibp = [s for s in samples if s.param == "NIBP_SYS"]
        if nibp:
            self.nibp_measuring = bool(nibp[-1].flags & SampleFlag.NIBP_MEASURING)
        self.version += 1
        return readings

    def on_other_values(self, values: Iterable[OtherValue]) -> None:
        """The numerics no canonical parameter maps, in arrival order: the latest of each code is kept."""
        for v in values:
            self._others[v.code] = (v, self._at(v.t, v.host_t))
        self.version += 1

    def on_nibp(self, readings: Iterable[NibpReading]) -> None:
        """New cuff readings, each once."""
        for r in readings:
            self.nibp_reading = r
            self.nibp_times.append(self._at(r.t, r.host_t))
            self.version += 1

    def on_status(self, status: DeviceStatus) -> None:
        """The monitor's technical state: unavailable parameters and sensor faults make values invalid at once."""
        invalid: dict[str, str] = {}
        for param, state in status.unavailable:
            if param.startswith("NIBP") and state is ValueState.NOT_UPDATED:
                continue  # NIBP is intermittent: between cuff cycles the last reading stands, with its age
            # A number the decoder refused (not finite, outside the physical range) is not the monitor's report.
            invalid[param] = state.value if state in DECODER_STATES else _reported(state)
        sensor = sorted(c.value for c in status.conditions & SENSOR_CONDITIONS)
        if sensor:
            for param in OXIMETER_PARAMS:
                invalid.setdefault(param, ", ".join(sensor))
        self._invalid = invalid
        self.version += 1

    def on_link(self, receiving: bool, reason: str = "monitor not sending") -> None:
        """While the link is not receiving, no value is current."""
        self._link_down = "" if receiving else reason
        self.version += 1

    # --- reading --------------------------------------------------------------------------------------------

    @property
    def receiving(self) -> bool:
        return not self._link_down

    def shown(self, param: str, now: float) -> ShownValue:
        if param in NIBP_PARAMS:  # from the latest cuff reading
            nibp = self.nibp(now)
            return {"NIBP_SYS": nibp.sys, "NIBP_DIA": nibp.dia, "NIBP_MEAN": nibp.mean}[param]
        value, at = self._latest.get(param, (None, None))
        return judge(param, value, at, now, self._link_down or self._invalid.get(param, ""))

    def others(self, now: float) -> list[ShownOther]:
        """Every other value received, by label: a flagged one (or none sent) invalid at once, an old one stale."""
        shown = []
        for code, (v, at) in self._others.items():
            judged = judge(f"other:{code}", v.value, at, now, self._link_down or v.problem())
            shown.append(ShownOther(code, v.label, v.unit, judged))
        return sorted(shown, key=lambda o: (o.label, o.code))

    def nibp(self, now: float) -> ShownNibp:
        r = self.nibp_reading
        at = None if r is None else self._at(r.t, r.host_t)
        # Before the first cuff reading the monitor reports NIBP invalid: nothing is wrong, there is no reading yet.
        reported = next((self._invalid[p] for p in NIBP_PARAMS if p in self._invalid), "") if r is not None else ""
        why = self._link_down or reported
        values = (None, None, None) if r is None else (r.sys, r.dia, r.mean)
        sys, dia, mean = (judge(p, v, at, now, why) for p, v in zip(NIBP_PARAMS, values, strict=True))
        return ShownNibp(sys, dia, mean, self.nibp_measuring)

    def _at(self, device_t: float, host_t: float) -> float:
        """A time on the session clock (as SessionClock.sample_time)."""
        return device_t if self._device_time else host_t

    def history(self, param: str) -> list[tuple[float, float]]:
        """(time, value) of the last while, for the parameters given at construction."""
        return list(self._history[param])

    def history_end(self, param: str) -> float | None:
        """The time of the newest point of `param`'s history (None while empty): whether a trend needs redrawing."""
        history = self._history[param]
        return history[-1][0] if history else None

def _reported(state: ValueState) -> str:
    """Why the monitor has no value, as the tile and the card say it: "no valid value", "monitor reports over range"."""
    return "no valid value" if state is ValueState.INVALID else f"monitor reports {state.value}"
