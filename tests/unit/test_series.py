"""The chart series: growth without copies per sample, gaps as NaN, repeated samples ignored. No Qt needed."""

from __future__ import annotations

import numpy as np

from monitor.ui.series import TrendSeries


def test_a_long_silence_becomes_a_gap_and_repeats_are_dropped() -> None:
    s = TrendSeries(max_gap_s=30.0, capacity=2)
    for t, v in ((0, 70), (5, 71), (5, 71), (10, 72), (100, 80), (105, 81)):
        s.append(t, v)
    assert list(s.x) == [0, 5, 10, 55, 100, 105]
    assert np.isnan(s.y[3]) and list(s.y[[0, 1, 2, 4, 5]]) == [70, 71, 72, 80, 81]


def test_break_line_inserts_one_gap_only() -> None:
    s = TrendSeries(max_gap_s=30.0)
    s.append(0, 70)
    version = s.version
    s.break_line(3)
    s.break_line(4)
    s.append(6, 72)
    assert np.isnan(s.y).sum() == 1 and s.version == version + 2
    assert len(s) == 3


def test_growth_keeps_every_point() -> None:
    s = TrendSeries(max_gap_s=30.0, capacity=4)
    for t in range(43_200):
        s.append(float(t), float(t % 100))
    assert len(s) == 43_200 and s.x[-1] == 43_199 and not np.isnan(s.y).any()


def test_extend_matches_appending_one_by_one() -> None:
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.choice([0.0, 1.0, 5.0, 45.0], size=2000, p=[0.05, 0.8, 0.1, 0.05]))
    v = rng.normal(70, 5, size=t.size)
    one, bulk = TrendSeries(max_gap_s=30.0, capacity=8), TrendSeries(max_gap_s=30.0, capacity=8)
    for ti, vi in zip(t[:700], v[:700], strict=True):
        one.append(ti, vi)
    bulk.extend(t[:300], v[:300])
    one.break_line(t[699])
    bulk.extend(t[300:700], v[300:700])
    bulk.break_line(t[699])
    for ti, vi in zip(t[700:], v[700:], strict=True):
        one.append(ti, vi)
    bulk.extend(t[700:], v[700:])
    np.testing.assert_array_equal(one.x, bulk.x)
    np.testing.assert_array_equal(one.y, bulk.y)
