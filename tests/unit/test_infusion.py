"""Infusion arithmetic and event order, without Qt or a database."""

from __future__ import annotations

import pytest

from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import (
    InfusionLimits,
    InfusionSettings,
    InfusionState,
    fold_infusion,
    validate_infusion_payload,
)

LIMITS = InfusionLimits()
START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10.0, "weight_kg": 80.0, "rate_mg_kg_h": 0.5}


def test_pump_rate_is_dose_rate_times_weight_over_concentration() -> None:
    assert InfusionSettings("Ketamine", 10.0, 80.0).pump_rate_ml_h(0.5) == pytest.approx(4.0)
    assert InfusionSettings("Ketamine", 50.0, 70.0).pump_rate_ml_h(1.0) == pytest.approx(1.4)


def test_total_dose_integrates_rate_over_running_time_and_adds_boluses() -> None:
    t0 = 1_000_000.0
    events = [
        (t0, START),  # 0.5 mg/kg/h × 80 kg = 40 mg/h
        (t0 + 1800, {"action": "pause"}),  # 30 min running: 20 mg
        (t0 + 2400, {"action": "resume"}),  # 10 min paused: nothing
        (t0 + 3000, {"action": "rate", "rate_mg_kg_h": 1.0}),  # 10 min at 40 mg/h: 6.667 mg
        (t0 + 3600, {"action": "bolus", "dose_mg": 10.0}),  # 10 min at 80 mg/h: 13.333 mg
        (t0 + 4200, {"action": "stop"}),  # 10 min at 80 mg/h: 13.333 mg
    ]
    s = fold_infusion(events, now=t0 + 9999)
    assert s.state is InfusionState.STOPPED
    assert s.infused_mg == pytest.approx(20 + 6.667 + 13.333 + 13.333, abs=0.01)
    assert s.bolus_mg == 10.0 and s.boluses == 1
    assert s.total_mg == pytest.approx(63.33, abs=0.01)
    assert s.total_mg_kg == pytest.approx(63.33 / 80, abs=1e-3)
    assert s.infused_s == pytest.approx(3600)
    assert s.elapsed_s(t0 + 9999) == pytest.approx(4200), "elapsed ends at the stop"
    assert s.pump_rate_ml_h == 0.0, "a stopped pump runs at 0 mL/h"


def test_running_infusion_accrues_up_to_now_and_shows_pump_rate() -> None:
    s = fold_infusion([(0.0, START)], now=900.0)
    assert s.state is InfusionState.RUNNING
    assert s.infused_mg == pytest.approx(10.0)  # 40 mg/h for 15 min
    assert s.pump_rate_ml_h == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([(0.0, {"action": "pause"})], "Cannot pause"),
        ([(0.0, START), (1.0, START)], "Cannot start"),
        ([(0.0, START), (1.0, {"action": "resume"})], "Cannot resume"),
        ([(0.0, START), (1.0, {"action": "stop"}), (2.0, {"action": "rate", "rate_mg_kg_h": 1.0})], "was stopped"),
        ([(0.0, {"action": "bolus", "dose_mg": 5.0})], "has not been started"),
        ([(0.0, START), (1.0, {"action": "bolus", "dose_mg": 41.0})], "above the clinic's ceiling"),
    ],
)
def test_impossible_sequences_are_refused(events, message) -> None:
    with pytest.raises(EntryError, match=message):
        fold_infusion(events, now=10.0, limits=LIMITS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weight_kg": 0}, "Weight 0 kg is outside 20–300 kg"),
        ({"weight_kg": "400"}, "Weight 400 kg is outside"),
        ({"weight_kg": "heavy"}, "Weight must be a number in kg, not 'heavy'"),
        ({"rate_mg_kg_h": -0.5}, "Dose rate must be above 0 mg/kg/h"),
        ({"rate_mg_kg_h": "2.5"}, "above the clinic's ceiling of 2 mg/kg/h"),
        ({"concentration_mg_ml": 0}, "Concentration must be above 0"),
        ({"drug": "  "}, "Drug is empty"),
        ({"rate_mg_kg_h": ""}, "Dose rate is empty"),
    ],
)
def test_invalid_start_is_refused_with_a_message_naming_the_field(change, message) -> None:
    with pytest.raises(EntryError, match=message):
        validate_infusion_payload(START | change, LIMITS)


def test_decimal_comma_is_accepted_and_ceiling_is_configurable() -> None:
    clean = validate_infusion_payload(START | {"rate_mg_kg_h": "0,75"}, LIMITS)
    assert clean["rate_mg_kg_h"] == 0.75
    with pytest.raises(EntryError, match=r"ceiling of 0\.6"):
        validate_infusion_payload(START | {"rate_mg_kg_h": "0.75"}, InfusionLimits(max_rate_mg_kg_h=0.6))
