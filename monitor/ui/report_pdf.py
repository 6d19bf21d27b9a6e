"""The PDF session record: one infusion session as an A4 document for the patient's file.

Drawn with Qt's own PDF writer (QPdfWriter + QPainter); no widgets, no pyqtgraph items. The report is laid
out first, into pages of drawing operations in points (1/72 inch), then painted: the footer says "page X of Y",
and QPdfWriter cannot count pages before the last one is drawn. The same operations paint onto any
QPaintDevice, so `render_page_png` shows a page exactly as the PDF has it (tests and previews use it, since the
PDF's content streams are compressed).

Threads: the GUI thread, or any other thread while a QGuiApplication exists (fonts need it). Charts are
min/max envelopes computed with numpy per column of the printed width: a 12-hour session at 1 Hz lays out and
paints in about 0.1 s (reading it with load_record takes longer).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QPolygonF,
)

from monitor.app.lifecycle import end_text
from monitor.app.record_values import last_values_text
from monitor.app.session_record import SessionRecord
from monitor.app.storage_door import SessionState
from monitor.params import PARAMS
from monitor.session.alarm_history import collapse_repeats
from monitor.session.alarms import SOUND_KEY, AlarmAction
from monitor.session.entries import EntryAction, EntryKind, EntryView, describe
from monitor.session.infusion import InfusionSettings, InfusionState
from monitor.session.nibp import NIBP_PARAMS
from monitor.timefmt import clock_text
from monitor.ui.trends import CHARTS, GAP_S, LANE_LABELS, LANE_OF_KIND, LANES, MARKER_COLOUR, ChartSpec, CurveSpec

# --- page geometry (points) and styles ----------------------------------------------------------------------

PAGE_W = 210 / 25.4 * 72  # A4
PAGE_H = 297 / 25.4 * 72
MARGIN = 40.0
FOOTER_H = 22.0
BODY = QRectF(MARGIN, MARGIN, PAGE_W - 2 * MARGIN, PAGE_H - 2 * MARGIN - FOOTER_H)

INK = QColor("#000000")
MUTED = QColor("#505050")
RULE = QColor("#8a8a8a")
GRID = QColor("#d9d9d9")
SHADE = QColor("#f0f0f0")
STRUCK = QColor("#707070")
STRUCK_MARK = QColor("#9e9e9e")

CHART_H = 72.0
CHART_TITLE_H = 15.0
CHART_GAP = 5.0
LANE_ROW_H = 9.0
Y_AXIS_W = 30.0
TIME_LABEL_H = 12.0
COLUMNS_PER_PT = 2.0  # envelope resolution (~144 dpi): finer than a printed 0.9 pt line can show
LINK_GAP_STATES = frozenset({"disconnected", "silent", "gap"})
_WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
_UNIX_TIME = re.compile(r"\b1\d{9}(?:\.\d+)?\b")


def _font(size: int, *, bold: bool = False, italic: bool = False, strike: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(["DejaVu Sans", "Arial", "Helvetica"])
    font.setStyleHint(QFont.StyleHint.SansSerif)
    # Pixel size in layout points: the painter is scaled to each device, so one size fits the PDF and a PNG.
    font.setPixelSize(size)
    # Unhinted metrics scale linearly, so text measured at layout time fits the same box at any resolution.
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setBold(bold)
    font.setItalic(italic)
    font.setStrikeOut(strike)
    return font


# RR and EtCO2 share a chart in two yellows (#ffd54f, #ffb74d) that on paper both turn the same olive brown;
# EtCO2 gets a dark red there so the two lines can be told apart without the screen's numeric tiles.
_PRINT_OVERRIDE = {"ETCO2": QColor("#c62828")}


def print_colour(screen_colour: str) -> QColor:
    """A chart colour for white paper. The trend colours are chosen for a black screen, where light means
    visible; on paper light colours vanish, so the lightness is mirrored (and capped) keeping the hue."""
    h, s, lightness, a = QColor(screen_colour).getHslF()
    return QColor.fromHslF(h, s, min(1.0 - lightness, 0.42), a)


# --- the laid-out document ----------------------------------------------------------------------------------

DrawOp = Callable[[QPainter], None]


@dataclass
class Page:
    ops: list[DrawOp] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # every string written on the page, for search and tests

    def text(self, rect: QRectF, text: str, font: QFont, colour: QColor = INK, flags: int = _WRAP) -> None:
        def op(p: QPainter) -> None:
            p.setFont(font)
            p.setPen(colour)
            p.drawText(rect, flags, text)

        self.ops.append(op)
        self.texts.append(text)

    def fill(self, rect: QRectF, colour: QColor) -> None:
        self.ops.append(lambda p: p.fillRect(rect, colour))

    def hline(self, x0: float, x1: float, y: float, colour: QColor = RULE, width: float = 0.5) -> None:
        def op(p: QPainter) -> None:
            p.setPen(QPen(colour, width))
            p.drawLine(QPointF(x0, y), QPointF(x1, y))

        self.ops.append(op)


@dataclass(frozen=True)
class ChartPlacement:
    """Where the trend charts landed: page index, plot areas by chart key (points), and the time span."""

    page: int
    rects: dict[str, QRectF]
    t0: float
    t1: float

    def x_of(self, t: float) -> float:
        rect = next(iter(self.rects.values()))
        return rect.left() + (t - self.t0) / (self.t1 - self.t0) * rect.width()


@dataclass
class ReportLayout:
    session_id: int
    pages: list[Page]
    charts: ChartPlacement | None = None

    def paint(self, index: int, painter: QPainter) -> None:
        """Page `index` onto the painter's device, scaled so the A4 page fills the device's width."""
        scale = painter.device().width() / PAGE_W
        painter.save()
        painter.scale(scale, scale)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        for op in self.pages[index].ops:
            op(painter)
        painter.restore()


class _Flow:
    """A cursor down the pages: each block asks for the room it needs and a full page starts the next."""

    def __init__(self) -> None:
        self.pages = [Page()]
        self.y = BODY.top()

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def need(self, height: float) -> bool:
        """Make room for `height` points; True when that took a new page."""
        if self.y + height <= BODY.bottom() or self.y == BODY.top():
            return False
        self.pages.append(Page())
        self.y = BODY.top()
        return True

    def text(self, text: str, font: QFont, colour: QColor = INK, after: float = 2.0) -> None:
        height = _text_height(text, font, BODY.width())
        self.need(height)
        self.page.text(QRectF(BODY.left(), self.y, BODY.width(), height), text, font, colour)
        self.y += height + after


def _text_height(text: str, font: QFont, width: float) -> float:
    return QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 1e6), _WRAP, text).height()


# --- formatting ---------------------------------------------------------------------------------------------


def _when(record: SessionRecord, t: float) -> str:
    """Local time; with the date when it is not the session's first day (a session may pass midnight)."""
    when = datetime.fromtimestamp(t)
    if when.date() == datetime.fromtimestamp(record.session.started_at).date():
        return clock_text(t)
    return when.strftime("%d %b %H:%M:%S")


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


# --- blocks -------------------------------------------------------------------------------------------------


def _section(flow: _Flow, title: str, keep_with: float) -> None:
    """A section heading, moved to the next page with the first `keep_with` points of its content."""
    font = _font(12, bold=True)
    height = _text_height(title, font, BODY.width())
    flow.y += 8.0
    flow.need(height + 4.0 + keep_with)
    flow.page.text(QRectF(BODY.left(), flow.y, BODY.width(), height), title, font)
    flow.y += height + 1.0
    flow.page.hline(BODY.left(), BODY.right(), flow.y, INK, 0.6)
    flow.y += 4.0


def _fields(flow: _Flow, rows: Sequence[tuple[str, str]], label_w: float = 118.0) -> None:
    label_font, value_font = _font(9, bold=True), _font(9)
    value_w = BODY.width() - label_w
    for label, value in rows:
        height = max(_text_height(label, label_font, label_w - 4), _text_height(value, value_font, value_w))
        flow.need(height)
        flow.page.text(QRectF(BODY.left(), flow.y, label_w - 4, height), label, label_font, MUTED)
        flow.page.text(QRectF(BODY.left() + label_w, flow.y, value_w, height), value, value_font)
        flow.y += height + 2.5


def _header(flow: _Flow, record: SessionRecord) -> None:
    s = record.session
    flow.text("Ketamine infusion session record", _font(18, bold=True), after=6.0)
    start, end = s.started_at, record.end
    if s.state is SessionState.OPEN:
        times = f"{_when(record, start)} – {end_text(s)}; data to {_when(record, end)} ({_duration(end - start)})"
    else:
        times = f"{_when(record, start)} – {_when(record, end)} ({_duration(end - start)}); {end_text(s)}"
    timebase = "the monitor's clock" if s.timebase == "device" else "this computer's clock"
    _fields(
        flow,
        [
            ("Patient", record.patient_text),
            ("Course", record.course_text),
            ("Session", f"{s.id}, {datetime.fromtimestamp(start).strftime('%A %Y-%m-%d')}"),
            ("Time (local)", times),
            ("Monitor", f"{s.source} · protocol {s.protocol} · times from {timebase}"),
            ("Nurses (initials)", ", ".join(record.initials) or "none recorded"),
            *_sound_rows(record),
        ],
    )


def _sound_rows(record: SessionRecord) -> list[tuple[str, str]]:
    """The standing 'no alarm sound' condition, said at the top: from then on the session's alarms were visual."""
    onsets = [a for a in record.alarms if a.key == SOUND_KEY and a.action == AlarmAction.ONSET]
    return [("Alarm sound", f"NONE from {_when(record, onsets[0].t)}: {onsets[0].message}")] if onsets else []


def _infusion_events(record: SessionRecord) -> list[EntryView]:
    """The infusion events that count: struck ones are not part of the totals, amended ones as corrected."""
    return [v for v in record.entries if v.kind is EntryKind.INFUSION and v.live]


def _rate_text(record: SessionRecord, events: Sequence[EntryView], settings: InfusionSettings) -> str:
    lines = []
    for v in events:
        action = v.payload["action"]
        if action in ("start", "rate"):
            rate = float(v.payload["rate_mg_kg_h"])
            what = "start" if action == "start" else "changed"
            lines.append(f"{_when(record, v.t)}   {rate:g} mg/kg/h = {settings.pump_rate_ml_h(rate):.1f} mL/h ({what})")
    return "\n".join(lines)


def _pause_text(record: SessionRecord, events: Sequence[EntryView]) -> str:
    spans: list[str] = []
    since: float | None = None
    for v in events:
        action = v.payload["action"]
        if action == "pause":
            since = v.t
        elif action in ("resume", "stop") and since is not None:
            spans.append(f"{_when(record, since)} – {_when(record, v.t)} ({_duration(v.t - since)})")
            since = None
    if since is not None:
        spans.append(f"from {_when(record, since)}, still paused at the end of the record")
    return "\n".join(spans) or "none"


def _bolus_text(record: SessionRecord, events: Sequence[EntryView]) -> str:
    boluses = [v for v in events if v.payload["action"] == "bolus"]
    if not boluses:
        return "none"
    total = sum(float(v.payload["dose_mg"]) for v in boluses)
    listed = "; ".join(f"{float(v.payload['dose_mg']):g} mg at {_when(record, v.t)}" for v in boluses)
    return f"{len(boluses)}, {total:g} mg in all: {listed}"


def _infusion_rows(record: SessionRecord) -> list[tuple[str, str]]:
    inf = record.infusion
    if inf.settings is None or inf.started_at is None:
        return [("Infusion", "No infusion recorded in this session")]
    events = _infusion_events(record)
    settings = inf.settings
    if inf.stopped_at is not None:
        stopped = _when(record, inf.stopped_at)
    else:
        stopped = f"not stopped ({inf.state.value} at the end of the record)"
    rows = [
        ("Drug", f"{settings.drug} {settings.concentration_mg_ml:g} mg/mL"),
        ("Patient weight", f"{settings.weight_kg:g} kg"),
        ("Started – stopped", f"{_when(record, inf.started_at)} – {stopped}"),
        ("Infusing time", f"{_duration(inf.infused_s)} (pauses excluded)"),
        ("Dose rate", _rate_text(record, events, settings)),
        ("Pauses", _pause_text(record, events)),
        ("Boluses", _bolus_text(record, events)),
        (
            "Total dose",
            f"{inf.total_mg:.1f} mg = {inf.total_mg_kg:.2f} mg/kg "
            f"(infusion {inf.infused_mg:.1f} mg + boluses {inf.bolus_mg:g} mg)",
        ),
    ]
    if inf.state is InfusionState.RUNNING:
        rows.append(("Note", "The infusion was still running: totals are to the end of the record."))
    struck = [v for v in record.entries if v.kind is EntryKind.INFUSION and v.struck]
    if struck:
        rows.append(("Not counted", f"{len(struck)} struck-through infusion entr{'y' if len(struck) == 1 else 'ies'}"))
    return rows


# --- charts: numpy envelopes --------------------------------------------------------------------------------


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
    p.setFont(_font(7))
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
    title_font, font = _font(9, bold=True), _font(8)
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
    p.setFont(_font(7))
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
    font = _font(7)
    for t, x in zip(ticks, xs, strict=True):
        page.text(
            QRectF(x - 20, y, 40, TIME_LABEL_H),
            datetime.fromtimestamp(t).strftime("%H:%M"),
            font,
            MUTED,
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
        )


def _charts(flow: _Flow, record: SessionRecord) -> ChartPlacement:
    lane_h = LANE_ROW_H * len(LANES)
    height = len(CHARTS) * (CHART_TITLE_H + CHART_H + CHART_GAP) + lane_h + TIME_LABEL_H
    _section(flow, "Vital signs", height + 14)
    t0 = record.session.started_at
    t1 = max(record.end, t0 + 60.0)  # a session of a few seconds still gets an axis
    flow.text(
        "Vertical lines: entries (dotted grey: struck through). A break in a line: no data for over 30 s.",
        _font(8),
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
        flow.text("No vital signs were recorded in this session.", _font(9, italic=True))
    return ChartPlacement(len(flow.pages) - 1, rects, t0, t1)


# --- tables -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Para:
    text: str
    font: QFont
    colour: QColor = field(default_factory=lambda: INK)


@dataclass(frozen=True)
class _Row:
    cells: Sequence[Sequence[_Para]]  # per column, paragraphs stacked top to bottom
    shade: QColor | None = None
    mark: QColor | None = None  # a bar at the row's left edge: the entry's lane colour


CELL_PAD_X, CELL_PAD_Y = 3.0, 2.0


def _cell_height(paras: Sequence[_Para], width: float) -> float:
    return sum(_text_height(para.text, para.font, width - 2 * CELL_PAD_X) for para in paras)


def _row_height(row: _Row, widths: Sequence[float]) -> float:
    return max(_cell_height(paras, w) for paras, w in zip(row.cells, widths, strict=True)) + 2 * CELL_PAD_Y


def _put_row(page: Page, y: float, row: _Row, widths: Sequence[float], height: float) -> None:
    if row.shade is not None:
        page.fill(QRectF(BODY.left(), y, BODY.width(), height), row.shade)
    if row.mark is not None:
        page.fill(QRectF(BODY.left() - 4.5, y + 1, 2.5, height - 2), row.mark)  # in the margin, clear of text
    x = BODY.left()
    for paras, w in zip(row.cells, widths, strict=True):
        py = y + CELL_PAD_Y
        for para in paras:
            h = _text_height(para.text, para.font, w - 2 * CELL_PAD_X)
            page.text(QRectF(x + CELL_PAD_X, py, w - 2 * CELL_PAD_X, h), para.text, para.font, para.colour)
            py += h
        x += w
    page.hline(BODY.left(), BODY.right(), y + height, GRID, 0.4)


def _table(flow: _Flow, fractions: Sequence[float], header: Sequence[str], rows: Sequence[_Row]) -> None:
    """Rows down the pages; the header row is repeated at the top of every page the table continues on."""
    widths = [f * BODY.width() for f in fractions]
    head = _Row([[_Para(h, _font(8, bold=True))] for h in header], shade=QColor("#e0e0e0"))
    head_h = _row_height(head, widths)
    heights = [_row_height(row, widths) for row in rows]
    flow.need(head_h + (heights[0] if heights else 0))
    _put_row(flow.page, flow.y, head, widths, head_h)
    flow.y += head_h
    for row, height in zip(rows, heights, strict=True):
        if flow.need(height):
            _put_row(flow.page, flow.y, head, widths, head_h)
            flow.y += head_h
        _put_row(flow.page, flow.y, row, widths, height)
        flow.y += height


def _entry_cells(record: SessionRecord, v: EntryView) -> tuple[list[_Para], list[_Para]]:
    """The entry text (struck through when struck, with the original beneath an amendment) and its status."""
    text = describe(v.kind, v.payload)
    entry = [_Para(text, _font(9, strike=True), STRUCK)] if v.struck else [_Para(text, _font(9))]
    if v.amended:
        was = describe(v.kind, v.original.payload)
        if v.original.t != v.current.t:
            was += f" at {_when(record, v.original.t)}"
        entry.append(_Para(f"Originally: {was}", _font(8, italic=True), MUTED))
    status = []
    for c in v.corrections:
        verb = "Struck through" if c.action is EntryAction.STRIKE else "Amended"
        line = f"{verb} {_when(record, c.recorded_at)} by {c.initials}: {c.reason}"
        status.append(_Para(line, _font(8, bold=c.action is EntryAction.STRIKE)))
    return entry, status


def _entries_table(flow: _Flow, record: SessionRecord) -> None:
    _section(flow, "Observations, scores and pump events", 40)
    if not record.entries:
        flow.text("No entries recorded.", _font(9, italic=True))
        return
    flow.text(
        "Struck-through entries stay on the record but do not count; amended entries show the "
        "corrected content and, beneath it, the original.",
        _font(8),
        MUTED,
    )
    small = _font(9)
    rows = []
    for v in record.entries:
        entry, status = _entry_cells(record, v)
        when = [_Para(_when(record, v.t), small, STRUCK if v.struck else INK)]
        who = [_Para(v.original.initials, small, STRUCK if v.struck else INK)]
        rows.append(
            _Row(
                [when, entry, who, status],
                SHADE if v.struck else None,
                STRUCK_MARK if v.struck else print_colour(MARKER_COLOUR[LANE_OF_KIND[v.kind]]),
            )
        )
    _table(flow, (0.11, 0.52, 0.07, 0.30), ("Time", "Entry", "By", "Correction"), rows)


def _alarms_section(flow: _Flow, alarms: Sequence[tuple[float, str]], record: SessionRecord) -> None:
    """Alarm events of the session as (time, text); printed even when empty, so a reader knows none were left out."""
    _section(flow, "Alarms", 20)
    if not alarms:
        flow.text("No alarms recorded", _font(9))
        return
    rows = [_Row([[_Para(_when(record, t), _font(9))], [_Para(text, _font(9))]]) for t, text in alarms]
    _table(flow, (0.15, 0.85), ("Time", "Alarm"), rows)


def _readable_detail(detail: str) -> str:
    """Link-event details written by the recorder carry Unix times (a restart's 'no data from X to Y'):
    shown to a reader as clock times."""
    return _UNIX_TIME.sub(lambda m: clock_text(float(m.group())), detail)


def _link_gap_rows(record: SessionRecord) -> list[_Row]:
    rows = []
    events = sorted(record.link_events, key=lambda e: e.t)
    for i, e in enumerate(events):
        if e.state not in LINK_GAP_STATES:
            continue
        back = next((later for later in events[i + 1 :] if later.state == "receiving"), None)
        until = f"{_when(record, back.t)} ({_duration(back.t - e.t)})" if back else ""
        cells = [e.state, _readable_detail(e.detail), until]
        rows.append(_Row([[_Para(_when(record, e.t), _font(9))], *([_Para(c, _font(9))] for c in cells)]))
    return rows


def data_breaks(record: SessionRecord) -> list[tuple[float, float]]:
    """Stretches with no continuous vital sign for more than GAP_S (from the start, between samples, to the
    end): the breaks the charts show, whatever their cause."""
    times = [s.t for name, s in record.series.items() if name not in NIBP_PARAMS and s.t.size]
    start, end = record.session.started_at, record.end
    if not times:
        return [(start, end)] if end - start > GAP_S else []
    t = np.unique(np.concatenate([[start], *times, [end]]))
    at = np.flatnonzero(np.diff(t) > GAP_S)
    return [(float(t[i]), float(t[i + 1])) for i in at]


def _gaps_section(flow: _Flow, record: SessionRecord) -> None:
    _section(flow, "Monitor data gaps", 40)
    rows = _link_gap_rows(record)
    if rows:
        _table(flow, (0.15, 0.14, 0.46, 0.25), ("Time", "Link", "Detail", "Data back at"), rows)
    else:
        flow.text("No monitor disconnections or silences recorded.", _font(9))
    breaks = data_breaks(record)
    flow.y += 6
    if not breaks:
        flow.text("No break of more than 30 s in the recorded vital signs.", _font(9))
        return
    flow.text("Breaks of more than 30 s in the recorded vital signs (gaps in the charts):", _font(9))
    font = _font(9)
    rows = [
        _Row([[_Para(_when(record, a), font)], [_Para(_when(record, b), font)], [_Para(_duration(b - a), font)]])
        for a, b in breaks
    ]
    _table(flow, (0.2, 0.2, 0.6), ("From", "To", "Length"), rows)


def _footers(pages: Sequence[Page], session_id: int, generated_at: float) -> None:
    font = _font(8)
    generated = datetime.fromtimestamp(generated_at).strftime("Generated %Y-%m-%d %H:%M")
    top = PAGE_H - MARGIN - FOOTER_H + 8
    for i, page in enumerate(pages):
        page.hline(BODY.left(), BODY.right(), top, RULE, 0.5)
        rect = QRectF(BODY.left(), top + 3, BODY.width(), 12)
        page.text(
            rect,
            f"Session {session_id} · page {i + 1} of {len(pages)}",
            font,
            MUTED,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
        )
        page.text(rect, generated, font, MUTED, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop))


# --- public -------------------------------------------------------------------------------------------------


def _alarm_rows(record: SessionRecord) -> list[tuple[float, str]]:
    """One row per alarm condition's repeats (count and last time), as in the Alarm history tab."""
    rows = []
    for r in collapse_repeats(record.alarms):
        a = r.first
        priority = f" [{a.priority}]" if a.priority else ""
        who = f" — {a.who}" if a.who else ""
        repeats = f" ({r.span_text(lambda t: _when(record, t))})" if r.count > 1 else ""
        rows.append((a.t, f"{a.action}{priority}: {a.message}{who}{repeats}"))
    return rows


def layout_report(record: SessionRecord, *, generated_at: float | None = None) -> ReportLayout:
    """The whole report laid out into pages; nothing is painted yet."""
    flow = _Flow()
    _header(flow, record)
    _section(flow, "Infusion", 60)
    _fields(flow, _infusion_rows(record))
    _fields(flow, [("Last values", last_values_text(record))])  # by the screen's currency rule
    charts = _charts(flow, record)
    _entries_table(flow, record)
    _alarms_section(flow, _alarm_rows(record), record)
    _gaps_section(flow, record)
    _footers(flow.pages, record.session.id, time.time() if generated_at is None else generated_at)
    return ReportLayout(record.session.id, flow.pages, charts)


def write_session_pdf(record: SessionRecord, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the session record to `path` as an A4 PDF; returns the number of pages.

    Written to a '.part' file beside it and renamed at the end, so an interrupted export never leaves a
    truncated PDF under the real name. Raises OSError when the file cannot be written.
    """
    layout = layout_report(record)
    path = Path(path)
    part = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(part))
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    writer.setTitle(f"Ketamine infusion session record — session {record.session.id}")
    writer.setCreator("Infusion station monitor")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write the PDF to {part}")
    total = len(layout.pages)
    try:
        for index in range(total):
            if index:
                writer.newPage()
            layout.paint(index, painter)
            if progress is not None:
                progress(index + 1, total)
    finally:
        painter.end()
        del writer  # closes the file, so it can be renamed (Windows will not rename an open file)
    part.replace(path)
    return total


def render_page_image(layout: ReportLayout, index: int, dpi: float = 100.0) -> QImage:
    """Page `index` as a white A4 image at `dpi`."""
    image = QImage(round(PAGE_W / 72 * dpi), round(PAGE_H / 72 * dpi), QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        layout.paint(index, painter)
    finally:
        painter.end()
    return image


def render_page_png(record: SessionRecord, page_index: int, path: Path, dpi: float = 100.0) -> None:
    """Page `page_index` (from 0) of the record as a PNG, painted exactly as in the PDF."""
    image = render_page_image(layout_report(record), page_index, dpi)
    if not image.save(str(path), "PNG"):
        raise OSError(f"cannot write the PNG to {path}")
