"""The vital-sign charts of the PDF session record: the screen's charts (monitor.ui.trends.CHARTS) on paper, with
the timeline lane beneath and the entries as vertical lines.

Charts are min/max envelopes computed with numpy per column of the printed width: a 12-hour session at 1 Hz lays
out and paints in about 0.1 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from monitor.app.session_record import SessionRecord
from monitor.params import PARAMS
from monitor.ui.report_pdf_page import (
    BODY,
    CHART_GAP,
    CHART_H,
    CHART_TITLE_H,
    GRID,
    INK,
    LANE_ROW_H,
    MUTED,
    RULE,
    STRUCK_MARK,
    TIME_LABEL_H,
    Y_AXIS_W,
    ChartPlacement,
    DrawOp,
    Flow,
    Page,
    pdf_font,
    print_colour,
    section,
)
from monitor.ui.trends import CHARTS, GAP_S, LANE_LABELS, LANE_OF_KIND, LANES, MARKER_COLOUR, ChartSpec, CurveSpec

# RR and EtCO2 share a chart in two yellows (#ffd54f, #ffb74d) that on paper both turn the same olive brown;
# EtCO2 gets a dark red there so the two lines can be told apart without the screen's numeric tiles.
_PRINT_OVERRIDE = {"ETCO2": QColor("#c62828")}
COLUMNS_PER_PT = 2.0  # envelope resolution (~144 dpi): finer than a printed 0.9 pt line can show


def column_envelope(
    t: np.ndarray, v: np.ndarray, t0: float, t1: float, columns: int, max_gap_s: float = GAP_S
) -> list[np.ndarray]:
    """Line segments as (n, 2) arrays of (fraction of the span, value): per column the minimum then the maximum
    of the samples in it, so a spike as short as one sample still shows. A segment ends wherever consecutive
    samples are more than `max_gap_s` apart, so a gap in the data is drawn as a gap."""
    order = np.argsort(t, kind="stable") if t.size > 1 and np.any(np.diff(t) < 0) else slice(None)
    t, v = t[order], v[order]
    keep = np.isfinite(v) & (t >= t0) & (t <= t1)
    t, v = t[keep], v[keep]
    if t.size == 0:
        return []
    col = np.minimum(((t - t0) / (t1 - t0) * columns).astype(np.int64), columns - 1)
    seg = np.concatenate(([0], np.cumsum(np.diff(t) > max_gap_s)))
    key = seg * columns + col  # non-decreasing because t is sorted: groups are runs
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    lo, hi = np.minimum.reduceat(v, starts), np.maximum.reduceat(v, starts)
    xs = np.repeat((col[starts] + 0.5) / columns, 2)
    ys = np.column_stack((lo, hi)).ravel()
    points = np.column_stack((xs, ys))
    breaks = (np.flatnonzero(np.diff(seg[starts])) + 1) * 2
    return np.split(points, breaks)


@dataclass(frozen=True)
class _Curve:
    spec: CurveSpec
    colour: QColor
    lines: list[QPolygonF]  # continuous curves, one per unbroken segment
    dots: QPainterPath  # isolated samples, and the NIBP markers


_NIBP_FIELD = {"NIBP_SYS": "sys", "NIBP_DIA": "dia", "NIBP_MEAN": "mean"}


def _nibp_marks(record: SessionRecord, param: str) -> tuple[np.ndarray, np.ndarray]:
    """Times and values of one NIBP parameter, once per cuff reading (SessionRecord.nibp, as the live charts)."""
    t = np.array([record.nibp_time(r) for r in record.nibp], dtype=float)
    values = [getattr(r, _NIBP_FIELD[param]) for r in record.nibp]
    return t, np.array([np.nan if v is None else v for v in values], dtype=float)


def _to_y(values: np.ndarray, rect: QRectF, y_range: tuple[float, float]) -> np.ndarray:
    lo, hi = y_range
    return rect.bottom() - (values - lo) / (hi - lo) * rect.height()


def _symbol(path: QPainterPath, symbol: str, x: float, y: float) -> None:
    """Anaesthesia-record marks as trends.CHARTS names them: t = systolic ∨, t1 = diastolic ∧, o = mean."""
    if symbol == "o":
        path.addEllipse(QPointF(x, y), 1.4, 1.4)
        return
    half = 2.6
    tip = y + half if symbol == "t" else y - half
    base = y - half if symbol == "t" else y + half
    path.addPolygon(QPolygonF([QPointF(x - half, base), QPointF(x + half, base), QPointF(x, tip)]))
    path.closeSubpath()


def _curve(spec: CurveSpec, record: SessionRecord, rect: QRectF, chart: ChartSpec, t0: float, t1: float) -> _Curve:
    colour = _PRINT_OVERRIDE.get(spec.param) or print_colour(spec.colour)
    lines: list[QPolygonF] = []
    dots = QPainterPath()
    series = record.series.get(spec.param)
    if series is None:
        return _Curve(spec, colour, lines, dots)
    if spec.symbol:
        t, v = _nibp_marks(record, spec.param)
        inside = (t >= t0) & (t <= t1) & np.isfinite(v)
        xs = rect.left() + (t[inside] - t0) / (t1 - t0) * rect.width()
        for x, y in zip(xs.tolist(), _to_y(v[inside], rect, chart.y_range).tolist(), strict=True):
            _symbol(dots, spec.symbol, x, y)
        return _Curve(spec, colour, lines, dots)
    columns = max(1, int(rect.width() * COLUMNS_PER_PT))
    for segment in column_envelope(series.t, series.value, t0, t1, columns):
        xs = rect.left() + segment[:, 0] * rect.width()
        ys = _to_y(segment[:, 1], rect, chart.y_range)
        if len(segment) <= 2 and ys[0] == ys[-1]:  # one lone sample: a line of no length would not show
            dots.addEllipse(QPointF(float(xs[0]), float(ys[0])), 0.9, 0.9)
        else:
            lines.append(QPolygonF([QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]))
    return _Curve(spec, colour, lines, dots)


def _nice_step(span: float, most: int, steps: Sequence[float]) -> float:
    return next((s for s in steps if span / s <= most), steps[-1])


def _time_ticks(t0: float, t1: float) -> list[float]:
    """Round local wall-clock times (every 5 min ... 2 h) across the session, at most ~10 of them."""
    step = 60 * _nice_step((t1 - t0) / 60, 10, (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360))
    midnight = datetime.fromtimestamp(t0).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    first = midnight + np.ceil((t0 - midnight) / step) * step
    return [float(t) for t in np.arange(first, t1 + 1e-6, step)]


def _value_ticks(y_range: tuple[float, float]) -> list[float]:
    lo, hi = y_range
    step = _nice_step(hi - lo, 6, (1, 2, 5, 10, 20, 30, 40, 50, 100))
    return [float(v) for v in np.arange(np.ceil(lo / step) * step, hi + 1e-9, step)]


@dataclass(frozen=True)
class _Marker:
    x: float
    lane: str
    struck: bool

    @property
    def colour(self) -> QColor:
        return STRUCK_MARK if self.struck else print_colour(MARKER_COLOUR[self.lane])

    def pen(self) -> QPen:
        if self.struck:
            pen = QPen(self.colour, 0.6, Qt.PenStyle.CustomDashLine)
            pen.setDashPattern([1.5, 3.0])
            return pen
        colour = QColor(self.colour)
        colour.setAlphaF(0.7)  # thin and a little faint: the curves stay the first thing the eye sees
        return QPen(colour, 0.5)


def _markers(record: SessionRecord, rect: QRectF, t0: float, t1: float) -> list[_Marker]:
    return [
        _Marker(rect.left() + (v.t - t0) / (t1 - t0) * rect.width(), LANE_OF_KIND[v.kind], v.struck)
        for v in record.entries
        if t0 <= v.t <= t1
    ]


def _paint_grid(p: QPainter, rect: QRectF, tick_xs: Sequence[float], ys: Sequence[float]) -> None:
    p.setPen(QPen(GRID, 0.4))
    for x in tick_xs:
        p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
    for y in ys:
        p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))


def _paint_chart(
    p: QPainter,
    rect: QRectF,
    chart: ChartSpec,
    curves: Sequence[_Curve],
    tick_xs: Sequence[float],
    markers: Sequence[_Marker],
) -> None:
    values = _value_ticks(chart.y_range)
    ys = _to_y(np.array(values), rect, chart.y_range).tolist()
    _paint_grid(p, rect, tick_xs, ys)
    p.setFont(pdf_font(7))
    p.setPen(MUTED)
    for value, y in zip(values, ys, strict=True):
        label_rect = QRectF(rect.left() - Y_AXIS_W, y - 5, Y_AXIS_W - 3, 10)
        p.drawText(label_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{value:g}")
    p.save()
    p.setClipRect(rect)  # fixed y ranges as on screen: a value beyond them is cut at the edge
    for marker in markers:
        p.setPen(marker.pen())
        p.drawLine(QPointF(marker.x, rect.top()), QPointF(marker.x, rect.bottom()))
    for curve in curves:
        pen = QPen(curve.colour, 0.9)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        for line in curve.lines:
            p.drawPolyline(line)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(curve.colour)
        p.drawPath(curve.dots)
        p.setBrush(Qt.BrushStyle.NoBrush)
    p.restore()
    p.setPen(QPen(RULE, 0.6))
    p.drawRect(rect)


def _legend_op(x: float, y: float, chart: ChartSpec, curves: Sequence[_Curve]) -> tuple[DrawOp, list[str]]:
    """The chart title followed by a sample of each curve's line or mark and its name."""
    title_font, font = pdf_font(9, bold=True), pdf_font(8)
    labels = [PARAMS[c.spec.param].label for c in curves]

    def op(p: QPainter) -> None:
        p.setFont(title_font)
        p.setPen(INK)
        p.drawText(QPointF(x, y), chart.title)
        cx = x + QFontMetricsF(title_font).horizontalAdvance(chart.title) + 12
        p.setFont(font)
        for curve, label in zip(curves, labels, strict=True):
            mid = y - 3.0
            if curve.spec.symbol:
                path = QPainterPath()
                _symbol(path, curve.spec.symbol, cx + 6, mid)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(curve.colour)
                p.drawPath(path)
                p.setBrush(Qt.BrushStyle.NoBrush)
            else:
                p.setPen(QPen(curve.colour, 1.6))
                p.drawLine(QPointF(cx, mid), QPointF(cx + 12, mid))
            p.setPen(INK)
            p.drawText(QPointF(cx + 15, y), label)
            cx += 15 + QFontMetricsF(font).horizontalAdvance(label) + 12

    return op, [chart.title, *labels]


def _paint_lane(p: QPainter, rect: QRectF, tick_xs: Sequence[float], markers: Sequence[_Marker]) -> None:
    """The timeline lane under the charts: a mark per entry in its row, as on screen."""
    rows = sorted(LANES.items(), key=lambda item: -item[1])  # top to bottom
    centre = {name: rect.top() + (i + 0.5) * LANE_ROW_H for i, (name, _) in enumerate(rows)}
    _paint_grid(p, rect, tick_xs, [])
    p.setFont(pdf_font(7))
    p.setPen(MUTED)
    for name, y in centre.items():
        label_rect = QRectF(rect.left() - Y_AXIS_W, y - 5, Y_AXIS_W - 3, 10)
        p.drawText(label_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), LANE_LABELS[name])
    for m in markers:
        y = centre[m.lane]
        if m.struck:
            p.setPen(QPen(m.colour, 0.8))
            p.drawLine(QPointF(m.x - 2, y - 2), QPointF(m.x + 2, y + 2))
            p.drawLine(QPointF(m.x - 2, y + 2), QPointF(m.x + 2, y - 2))
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(m.colour)
            p.drawEllipse(QPointF(m.x, y), 2.2, 2.2)
            p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(RULE, 0.6))
    p.drawRect(rect)


def _time_labels(page: Page, y: float, ticks: Sequence[float], xs: Sequence[float]) -> None:
    font = pdf_font(7)
    for t, x in zip(ticks, xs, strict=True):
        page.text(
            QRectF(x - 20, y, 40, TIME_LABEL_H),
            datetime.fromtimestamp(t).strftime("%H:%M"),
            font,
            MUTED,
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
        )


def charts(flow: Flow, record: SessionRecord) -> ChartPlacement:
    lane_h = LANE_ROW_H * len(LANES)
    height = len(CHARTS) * (CHART_TITLE_H + CHART_H + CHART_GAP) + lane_h + TIME_LABEL_H
    section(flow, "Vital signs", height + 14)
    t0 = record.session.started_at
    t1 = max(record.end, t0 + 60.0)  # a session of a few seconds still gets an axis
    flow.text(
        "Vertical lines: entries (dotted grey: struck through). A break in a line: no data for over 30 s.",
        pdf_font(8),
        MUTED,
    )
    left = BODY.left() + Y_AXIS_W
    width = BODY.right() - left - 4
    ticks = _time_ticks(t0, t1)
    tick_xs = [left + (t - t0) / (t1 - t0) * width for t in ticks]
    rects: dict[str, QRectF] = {}
    markers = _markers(record, QRectF(left, 0, width, 1), t0, t1)  # x only: every chart shares the time axis
    for chart in CHARTS:
        rect = QRectF(left, flow.y + CHART_TITLE_H, width, CHART_H)
        curves = [_curve(c, record, rect, chart, t0, t1) for c in chart.curves]
        legend, texts = _legend_op(BODY.left(), flow.y + 8.0, chart, curves)
        flow.page.ops.append(legend)
        flow.page.texts.extend(texts)
        flow.page.ops.append(lambda p, r=rect, c=chart, cs=curves: _paint_chart(p, r, c, cs, tick_xs, markers))
        rects[chart.key] = rect
        flow.y = rect.bottom() + CHART_GAP
    lane = QRectF(left, flow.y, width, lane_h)
    flow.page.ops.append(lambda p: _paint_lane(p, lane, tick_xs, markers))
    flow.page.texts.extend(LANE_LABELS.values())
    _time_labels(flow.page, lane.bottom() + 2, ticks, tick_xs)
    flow.y = lane.bottom() + TIME_LABEL_H + 2
    if not record.series:
        flow.text("No vital signs were recorded in this session.", pdf_font(9, italic=True))
    return ChartPlacement(len(flow.pages) - 1, rects, t0, t1)
