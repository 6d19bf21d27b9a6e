"""monitor.wording: counts and parameter labels as a nurse reads them (issue 16 point 8); the monitor's reports."""

from __future__ import annotations

from monitor.app.live_chair import monitor_reports
from monitor.devices.events import DeviceCondition, DeviceStatus, ValueState
from monitor.params import PARAMS
from monitor.wording import count, param_label, param_labels


def test_one_entry_many_entries() -> None:
    assert [count(n, "entry") for n in (0, 1, 2, 11)] == ["0 entries", "1 entry", "2 entries", "11 entries"]
    assert count(1, "bolus") == "1 bolus" and count(2, "bolus") == "2 boluses"
    assert count(1, "check") == "1 check" and count(3, "check") == "3 checks"
    assert count(2, "day") == "2 days" and count(2, "person", "people") == "2 people"


def test_parameters_by_label_never_by_code() -> None:
    assert param_label("SPO2") == "SpO₂" and param_label("ETCO2") == "EtCO₂" and param_label("HR") == "Heart rate"
    assert param_labels(["SPO2", "HR", "SPO2"]) == "Heart rate, SpO₂", "in the table's order, once each"
    for p in PARAMS.values():  # a label is words, not the code (subscripts written as a nurse reads them)
        assert "_" not in p.label and "O2" not in p.label, p


def test_monitor_reports_in_a_nurses_words() -> None:
    before_first_cuff = DeviceStatus(
        0, 0, unavailable=tuple((p, ValueState.INVALID) for p in ("NIBP_SYS", "NIBP_DIA", "NIBP_MEAN"))
    )
    assert monitor_reports(before_first_cuff) == "", "no cuff reading yet is not a device condition"
    probe_off = DeviceStatus(
        0,
        0,
        conditions=frozenset({DeviceCondition.SENSOR_OFF}),
        unavailable=(("SPO2", ValueState.INVALID), ("PR", ValueState.INVALID), ("RR", ValueState.OVER_RANGE)),
    )
    assert monitor_reports(probe_off) == (
        "Monitor reports: sensor off · no valid Pulse rate, SpO₂ · Respiratory rate over range"
    )
