"""Simulator scenarios: what happens to the simulated patient and the line, read from resources/scenarios/*.json.

JSON fields (all times in seconds of session time):
    description      text
    duration_s       length of the scenario (the model holds its last state afterwards)
    nibp_interval_s  time between cuff measurements
    baselines        {param: value} for HR, SPO2, RR, ETCO2, TEMP1, NIBP_SYS, NIBP_DIA, PI, PVI
    ramps            [{param, start_s, end_s, delta}]  linear change over the window, held afterwards
    sensor_off       [{start_s, end_s}]                SpO2 probe off the finger
    apnea            [{start_s, end_s}]                the capnograph flags apnea
    cable_pull       [{start_s, duration_s}]           the serial port vanishes, then returns
    pc_unheard       [{start_s, duration_s}]           the monitor hears nothing the PC writes (a broken wire)
    line_noise       {garbage_bytes_per_s, corrupt_frame_fraction} or null
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).resolve().parents[3] / "resources" / "scenarios"
BASELINE_PARAMS = ("HR", "SPO2", "RR", "ETCO2", "TEMP1", "NIBP_SYS", "NIBP_DIA", "PI", "PVI")


@dataclass(frozen=True, slots=True)
class Ramp:
    param: str
    start_s: float
    end_s: float
    delta: float

    def offset_at(self, t: float) -> float:
        if t <= self.start_s:
            return 0.0
        if t >= self.end_s:
            return self.delta
        return self.delta * (t - self.start_s) / (self.end_s - self.start_s)


@dataclass(frozen=True, slots=True)
class Window:
    start_s: float
    end_s: float

    def contains(self, t: float) -> bool:
        return self.start_s <= t < self.end_s


@dataclass(frozen=True, slots=True)
class LineNoise:
    garbage_bytes_per_s: float
    corrupt_frame_fraction: float


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    duration_s: float
    nibp_interval_s: float
    baselines: dict[str, float]
    ramps: tuple[Ramp, ...] = ()
    sensor_off: tuple[Window, ...] = ()
    apnea: tuple[Window, ...] = ()
    cable_pull: tuple[Window, ...] = ()
    pc_unheard: tuple[Window, ...] = ()
    line_noise: LineNoise | None = None

    def target(self, param: str, t: float) -> float:
        """The scenario's value of `param` at session time `t`, before physiological noise."""
        return self.baselines[param] + sum(r.offset_at(t) for r in self.ramps if r.param == param)

    def in_window(self, windows: tuple[Window, ...], t: float) -> bool:
        return any(w.contains(t) for w in windows)


def list_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario by name (from resources/scenarios) or by path; ValueError says what is wrong."""
    path = Path(name_or_path)
    if path.suffix != ".json":
        path = SCENARIO_DIR / f"{name_or_path}.json"
        if not path.is_file():
            raise ValueError(f"unknown scenario {str(name_or_path)!r}; available: {', '.join(list_scenarios())}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read scenario {path}: {exc}") from exc
    try:
        return _parse(path.stem, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"scenario {path.name}: {exc}") from exc


def _number(obj: dict[str, Any], key: str, where: str, minimum: float | None = None) -> float:
    if key not in obj:
        raise ValueError(f"{where}: missing field {key!r}")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}.{key} must be a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where}.{key} must be at least {minimum:g}, got {value!r}")
    return float(value)


def _windows(items: list[dict[str, Any]], field: str) -> tuple[Window, ...]:
    windows = []
    for i, item in enumerate(items or []):
        where = f"{field}[{i}]"
        start = _number(item, "start_s", where, 0)
        end = start + _number(item, "duration_s", where, 0) if "duration_s" in item else _number(item, "end_s", where)
        if end <= start:
            raise ValueError(f"{where}: the window ends before it starts")
        windows.append(Window(start, end))
    return tuple(windows)


def _parse(name: str, data: dict[str, Any]) -> Scenario:
    baselines = data.get("baselines")
    if not isinstance(baselines, dict):
        raise ValueError("baselines must be an object of parameter values")
    missing = [p for p in BASELINE_PARAMS if p not in baselines]
    if missing:
        raise ValueError(f"baselines: missing {', '.join(missing)}")
    ramps = []
    for i, r in enumerate(data.get("ramps") or []):
        where = f"ramps[{i}]"
        if r.get("param") not in BASELINE_PARAMS:
            raise ValueError(f"{where}.param must be one of {', '.join(BASELINE_PARAMS)}, got {r.get('param')!r}")
        start, end = _number(r, "start_s", where, 0), _number(r, "end_s", where, 0)
        if end <= start:
            raise ValueError(f"{where}: end_s must be after start_s")
        ramps.append(Ramp(r["param"], start, end, _number(r, "delta", where)))
    noise = data.get("line_noise")
    line_noise = None
    if noise is not None:
        fraction = _number(noise, "corrupt_frame_fraction", "line_noise", 0)
        if fraction > 1:
            raise ValueError("line_noise.corrupt_frame_fraction must be between 0 and 1")
        line_noise = LineNoise(_number(noise, "garbage_bytes_per_s", "line_noise", 0), fraction)
    return Scenario(
        name=name,
        description=str(data.get("description", "")),
        duration_s=_number(data, "duration_s", "scenario", 1),
        nibp_interval_s=_number(data, "nibp_interval_s", "scenario", 60),
        baselines={p: _number(baselines, p, "baselines") for p in BASELINE_PARAMS},
        ramps=tuple(ramps),
        sensor_off=_windows(data.get("sensor_off"), "sensor_off"),
        apnea=_windows(data.get("apnea"), "apnea"),
        cable_pull=_windows(data.get("cable_pull"), "cable_pull"),
        pc_unheard=_windows(data.get("pc_unheard"), "pc_unheard"),
        line_noise=line_noise,
    )
