from __future__ import annotations

from monitor.devices.events import Sample, SampleFlag
from monitor.session.nibp import NibpReadingDetector


def _record(t: float, sys_: float, dia: float, mean: float, measuring: bool = False) -> list[Sample]:
    flags = SampleFlag.NIBP_MEASURING if measuring else SampleFlag.NONE
    return [Sample(p, v, t, t, flags) for p, v in (("NIBP_SYS", sys_), ("NIBP_DIA", dia), ("NIBP_MEAN", mean))]


def test_repeated_numbers_are_one_reading_and_a_new_cycle_is_another() -> None:
    d = NibpReadingDetector()
    first = d.feed([*_record(0, 120, 80, 93), Sample("HR", 70, 0, 0)])
    assert [(r.t, r.sys, r.dia, r.mean) for r in first] == [(0, 120, 80, 93)]
    assert d.feed(_record(5, 120, 80, 93)) == [], "the same reading resent with the next record"
    assert d.feed(_record(10, 120, 80, 93, measuring=True)) == [], "the cuff is inflating"
    again = d.feed(_record(40, 120, 80, 93))
    assert [r.t for r in again] == [40], "a new cycle with identical numbers is still a new reading"
    changed = d.feed(_record(45, 150, 95, 113) + _record(50, 150, 95, 113))
    assert [r.sys for r in changed] == [150]
