from __future__ import annotations

from monitor.clinical.nibp import NibpReadingDetector
from monitor.devices.events import Sample, SampleFlag


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


def test_numbers_the_monitor_flags_as_old_are_not_a_new_reading() -> None:
    d = NibpReadingDetector()
    old = [Sample(p, v, 0, 0, SampleFlag.STALE) for p, v in (("NIBP_SYS", 190), ("NIBP_DIA", 100), ("NIBP_MEAN", 130))]
    assert d.feed(old) == [], "measured before we connected, at an unknown time: not charted or alarmed as now"
    assert d.feed(_record(5, 190, 100, 130, measuring=True)) == []
    (first,) = d.feed(_record(40, 124, 80, 95))
    assert (first.t, first.sys) == (40, 124), "the next cuff cycle is the first reading"
    assert d.feed([Sample(s.param, s.value, 100, 100, SampleFlag.STALE) for s in _record(100, 124, 80, 95)]) == []
