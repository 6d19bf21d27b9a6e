"""The simulated patient and its scenarios (no pty here)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from monitor.devices.events import SampleFlag, ValueState
from monitor.devices.simulator import PatientModel, list_scenarios, load_scenario
from monitor.devices.simulator.physiology import NIBP_MEASURE_S, datex_values, masimo_values
from monitor.devices.simulator.scenario import SCENARIO_DIR

REQUIRED = {"stable", "ketamine-hypertension", "respiratory-depression", "sensor-off", "cable-pull", "line-noise"}


def run(name: str, until_s: float, step_s: float = 5.0, seed: int = 0) -> list:
    model = PatientModel(load_scenario(name), seed=seed)
    return [model.state_at(t) for t in np.arange(0.0, until_s, step_s)]


def test_every_required_scenario_exists_and_loads() -> None:
    assert set(list_scenarios()) >= REQUIRED
    for name in list_scenarios():
        assert load_scenario(name).description


def test_unknown_scenario_names_the_available_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown scenario 'nope'.*stable"):
        load_scenario("nope")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["baselines"].pop("HR"), "baselines: missing HR"),
        (lambda d: d.update(nibp_interval_s="often"), "nibp_interval_s must be a number"),
        (lambda d: d["ramps"].append({"param": "XX", "start_s": 0, "end_s": 1, "delta": 1}), r"ramps\[0\].param"),
        (lambda d: d["cable_pull"].append({"start_s": 10, "duration_s": -5}), r"cable_pull\[0\].duration_s"),
        (lambda d: d.update(line_noise={"garbage_bytes_per_s": 1, "corrupt_frame_fraction": 2}), "between 0 and 1"),
    ],
)
def test_invalid_scenario_fields_are_named(tmp_path: Path, change, message: str) -> None:
    data = json.loads((SCENARIO_DIR / "stable.json").read_text())
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        load_scenario(path)


def test_stable_stays_in_plausible_bands_for_three_hours() -> None:
    states = run("stable", 3 * 3600)
    assert all(55 <= s.hr <= 95 and s.spo2 >= 94 and 10 <= s.rr <= 20 for s in states)
    readings = {s.nibp for s in states if s.nibp is not None}
    assert len(readings) >= 55  # a cuff reading every 3 min
    assert all(100 <= r.sys <= 150 and 55 <= r.dia <= 100 and r.dia < r.mean < r.sys for r in readings)
    assert all(abs(s.hr - s.pr) <= 4 for s in states)


def _mean(states, attr: str, t0: float, t1: float) -> float:
    return float(np.mean([getattr(s, attr) for s in states if t0 <= s.t < t1]))


def test_ketamine_hypertension_raises_sbp_and_hr() -> None:
    states = run("ketamine-hypertension", 3000, step_s=2.0)
    hr_rise = _mean(states, "hr", 2160, 2700) - _mean(states, "hr", 0, 300)
    assert 15 <= hr_rise <= 25
    sys_before = np.mean([s.nibp.sys for s in states if s.nibp and s.t < 300])
    sys_after = np.mean([s.nibp.sys for s in states if s.nibp and s.nibp.time >= 2200])
    assert 20 <= sys_after - sys_before <= 40


def test_respiratory_depression_slows_breathing_and_desaturates() -> None:
    states = run("respiratory-depression", 2400)
    before, after = (0, 500), (1700, 2400)
    assert _mean(states, "rr", *after) <= 7.5 < 12 <= _mean(states, "rr", *before)
    assert _mean(states, "spo2", *after) <= 89
    assert _mean(states, "etco2", *after) - _mean(states, "etco2", *before) >= 15


def test_nibp_changes_only_at_cuff_cycles_and_shows_measuring() -> None:
    states = run("stable", 1800, step_s=1.0)
    measuring = [s for s in states if s.nibp_measuring]
    assert len(measuring) == pytest.approx(10 * NIBP_MEASURE_S, abs=2)  # 10 cycles of 180 s in 30 min
    changes = [b.t for a, b in itertools.pairwise(states) if a.nibp != b.nibp]
    assert all(round(t) % 180 == NIBP_MEASURE_S for t in changes)


def test_same_seed_same_patient_other_seed_other_patient() -> None:
    a, b, c = run("stable", 600), run("stable", 600), run("stable", 600, seed=7)
    assert a == b
    assert [s.hr for s in a] != [s.hr for s in c]


def test_sensor_off_dashes_the_oximeter_in_both_protocols() -> None:
    model = PatientModel(load_scenario("sensor-off"))
    on, off = model.state_at(30), model.state_at(100)
    assert not on.sensor_off and off.sensor_off
    values, _ = datex_values(off)
    assert values["SPO2"] is ValueState.INVALID and values["PR"] is ValueState.INVALID
    assert masimo_values(off)["spo2"] is None and masimo_values(off)["exc"] & 0x020
    assert datex_values(on)[0]["SPO2"] == on.spo2


def test_datex_nibp_flags_follow_the_cuff() -> None:
    model = PatientModel(load_scenario("stable"))
    assert datex_values(model.state_at(10))[1] & SampleFlag.NIBP_MEASURING
    assert datex_values(model.state_at(40))[1] == SampleFlag.NONE
    assert datex_values(model.state_at(150))[1] == SampleFlag.STALE
