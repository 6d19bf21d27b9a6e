"""The trend charts' scale labels fit their height (seen at 1366x768: 85, 90 and 95 drawn over each other in a
30 px SpO2 chart; a fitted step then left the HR chart without any label)."""

from __future__ import annotations

import itertools

import pytest

from monitor.ui.trends import CHARTS, TICK_HALF_TEXT_PX, TICK_LABEL_PX, scale_ticks


@pytest.mark.parametrize("height", [25, 27, 31, 45, 60, 90, 120, 200, 400])
@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.key)
def test_every_chart_has_labels_that_fit_inside_it_and_do_not_touch(chart, height: int) -> None:
    low, high = chart.y_range
    px = (high - low) / height
    ticks = scale_ticks(chart.y_range, height)
    assert ticks, "a chart always shows at least one value of its scale"
    assert all(low + TICK_HALF_TEXT_PX * px <= v <= high - TICK_HALF_TEXT_PX * px for v in ticks), ticks
    gaps_px = [(b - a) / px for a, b in itertools.pairwise(ticks)]
    assert all(g >= TICK_LABEL_PX - 1e-6 for g in gaps_px), (ticks, gaps_px)


def test_a_tall_chart_gets_a_dense_round_scale() -> None:
    assert scale_ticks((0, 60), 120) == [10, 20, 30, 40, 50]
    assert scale_ticks((80, 101), 200) == [85, 90, 95, 100]
    assert scale_ticks((30, 180), 31) == [100], "one label, the roundest inside, when only one fits"
