"""Entry markers and alarm marks on the trend charts: a line at each time across every chart (and the lane for
entries), in the entry's lane colour, faint and dotted once struck through, gone when the entry is gone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPointF, Qt

from monitor.clinical.entries import Entry, EntryKind, EntryView
from monitor.ui.trends import CHARTS, LANE_Y_RANGE, MARKER_COLOUR, STRUCK_COLOUR, TrendView

T0 = 1_700_000_000.0


def entry(eid: int, t: float, kind: EntryKind = EntryKind.NOTE) -> EntryView:
    original = Entry(id=eid, session_id=1, t=t, kind=kind, payload={"note": "x"}, initials="AB", recorded_at=t)
    return EntryView(original=original, current=original)


def lines_at(view: TrendView, plot) -> dict[str, list[float]]:
    """Pen colour -> the x of the vertical lines drawn on `plot` (each line is a pair of points)."""
    found: dict[str, list[float]] = {}
    for item in plot.items:
        # an empty curve draws nothing (the lane keeps its sedation bars' curves, empty until an episode)
        if hasattr(item, "opts") and item.opts.get("connect") == "pairs" and item.xData is not None and len(item.xData):
            colour = item.opts["pen"].color().name()
            found.setdefault(colour, []).extend(item.xData[::2].tolist())
    return found


def test_entry_markers_cross_every_chart_and_the_lane(qtbot) -> None:
    view = TrendView(T0)
    qtbot.addWidget(view)
    note, infusion = entry(1, T0 + 60), entry(2, T0 + 120, EntryKind.INFUSION)
    view.set_entries([note, infusion])
    for plot, (low, high) in [*zip(view.plots, (c.y_range for c in CHARTS), strict=True), (view.lane, LANE_Y_RANGE)]:
        drawn = lines_at(view, plot)
        assert drawn[MARKER_COLOUR["observation"]] == [T0 + 60]
        assert drawn[MARKER_COLOUR["infusion"]] == [T0 + 120]
        curve = next(i for i in plot.items if getattr(i, "xData", None) is not None and T0 + 60 in i.xData)
        assert (curve.yData.min(), curve.yData.max()) == (low, high), "the line spans the chart's height"

    struck = replace(note, struck_by=replace(note.original, id=3))
    view.set_entries([struck, infusion])
    drawn = lines_at(view, view.plots[0])
    assert drawn[STRUCK_COLOUR] == [T0 + 60] and MARKER_COLOUR["observation"] not in drawn
    pen = next(i for i in view.plots[0].items if getattr(i, "xData", None) is not None and T0 + 60 in i.xData)
    assert pen.opts["pen"].style() == Qt.PenStyle.DotLine

    view.set_entries([infusion])
    assert lines_at(view, view.plots[0]) == {MARKER_COLOUR["infusion"]: [T0 + 120]}
    assert view.entry_lines.all_times() == [T0 + 120]


def test_alarm_marks_accumulate_per_colour_on_the_charts_only(qtbot) -> None:
    view = TrendView(T0)
    qtbot.addWidget(view)
    view.add_alarm_marks([(T0 + 10, "#d50000", "SpO2 low"), (T0 + 20, "#ffd600", "RR low")])
    view.add_alarm_marks([(T0 + 30, "#d50000", "SpO2 low")])
    for plot in view.plots:
        assert lines_at(view, plot) == {"#d50000": [T0 + 10, T0 + 30], "#ffd600": [T0 + 20]}
    assert lines_at(view, view.lane) == {}, "the lane shows alarms as points"
    assert view.alarm_marks == ["SpO2 low", "RR low", "SpO2 low"]
    assert np.array_equal(np.sort(view._alarm_points.data["x"]), [T0 + 10, T0 + 20, T0 + 30])


def test_an_entry_on_a_grid_line_stays_visible(qtbot) -> None:
    view = TrendView(T0)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    view.set_follow(False)
    plot = view.plots[0]
    plot.setXRange(T0, T0 + 3600, padding=0)
    at = T0 + 1500  # a multiple of the axis's 500 s tick spacing: a grid line is drawn exactly here
    assert any(
        abs(tick - at) < 1e-6 for _, ticks in plot.getAxis("bottom").tickValues(T0, T0 + 3600, 1000) for tick in ticks
    )
    view.set_entries([entry(1, at, EntryKind.SCORE)])
    qtbot.wait(50)
    image = view.graphics.grab().toImage()
    point = view.graphics.mapFromScene(plot.vb.mapViewToScene(QPointF(at, 100)))
    colours = {image.pixelColor(point.x() + dx, point.y()).name() for dx in (-1, 0, 1)}
    assert MARKER_COLOUR["score"] in colours, colours
