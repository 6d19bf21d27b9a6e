"""TrendView: stacked trend charts on one wall-clock axis, and the timeline lane beneath them.

GUI thread only. Samples are appended to numpy series as they arrive (cheap); the plots are redrawn from a
1 Hz timer, and only the curves whose data changed get `setData`. Cost stays flat over a 12-hour session:
each plot clips to the visible range and peak-downsamples to the pixel width, y-ranges are fixed (automatic
ranging costs about 5x per frame, design.md) and pens are 1 px without antialiasing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QPen
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from monitor.clinical.entries import EntryKind, EntryView, describe
from monitor.clinical.nibp import NibpReading
from monitor.clinical.sedation import LOSS_OF_CONSCIOUSNESS, Episode, pre_dose_moaas, sedation_episodes
from monitor.timefmt import hm_text
from monitor.ui import theme
from monitor.ui.mark_lines import MarkLines
from monitor.ui.series import TrendSeries
from monitor.ui.text import literal

GAP_S = 30.0  # DRI records come every 5-10 s, Masimo lines every 1-2 s: a longer silence is a gap
GRID_COLOUR = "#1f2a30"
AXIS_TEXT_COLOUR = "#b0bec5"
REFRESH_MS = 1000  # trends move slowly; 1 Hz keeps the charts cheap (the tiles update at 25 Hz)
WINDOWS = (("15 min", 15 * 60.0), ("1 h", 3600.0), ("Session", None))
# While the session is shorter than the chosen window, the charts show it from its start (issue 16: a 1 h window
# was nearly empty for the first 15 min), at least this wide, so the first minutes are not stretched across.
MIN_SPAN_S = 10 * 60.0


@dataclass(frozen=True)
class CurveSpec:
    param: str
    colour: str
    symbol: str | None = None  # a marker per point instead of a line (intermittent NIBP readings)


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    y_range: tuple[float, float]
    curves: tuple[CurveSpec, ...]


CHARTS = (
    # PR first, so HR (the ECG value the nurse trusts) is drawn on top where they agree.
    ChartSpec("hr", "HR · PR /min", (30, 180), (CurveSpec("PR", theme.SPO2), CurveSpec("HR", theme.HR))),
    ChartSpec("spo2", "SpO₂ %", (80, 101), (CurveSpec("SPO2", theme.SPO2),)),
    ChartSpec(
        "nibp",
        "NIBP mmHg",
        (40, 220),
        # Anaesthesia-record convention: systolic ∨ above, diastolic ∧ below, mean a dot.
        (
            CurveSpec("NIBP_SYS", theme.NIBP, "t"),
            CurveSpec("NIBP_DIA", theme.NIBP, "t1"),
            CurveSpec("NIBP_MEAN", theme.NIBP_MEAN, "o"),
        ),
    ),
    ChartSpec("resp", "RR /min · EtCO₂ mmHg", (0, 60), (CurveSpec("RR", theme.RR), CurveSpec("ETCO2", theme.ETCO2))),
)

CHART_PARAMS = tuple(curve.param for chart in CHARTS for curve in chart.curves)

# Timeline lanes, top to bottom.
LANES = {"screening": 4, "infusion": 3, "observation": 2, "score": 1, "alarm": 0}
LANE_Y_RANGE = (-0.6, 4.6)
CHART_MIN_HEIGHT = 25  # px: a short screen (768 high) still shows each chart with its scale (and the waves above)
TICK_LABEL_PX = 20  # px between a chart's scale labels at least: 8 pt digits with air between them
TICK_HALF_TEXT_PX = 6  # a label drawn nearer a chart's edge than this is cut off (pyqtgraph then drops it)
LANE_MIN_HEIGHT = 80  # px: five 7 pt labels (11 px apart) and the time axis beneath
LANE_LABELS = {"screening": "Screen", "infusion": "Pump", "observation": "Obs", "score": "Score", "alarm": "Alarm"}
LANE_OF_KIND = {
    EntryKind.INFUSION: "infusion",
    EntryKind.SIDE_EFFECT: "observation",
    EntryKind.NOTE: "observation",
    EntryKind.SCORE: "score",
    EntryKind.DISSOCIATION: "score",
    EntryKind.SCREENING: "screening",
    EntryKind.DISCHARGE: "infusion",
    EntryKind.CHECK: "observation",
    EntryKind.ALDRETE: "score",
    EntryKind.MISSED_CHECK: "observation",
    EntryKind.PHQ9: "screening",  # a pre-infusion measure
}
STRUCK_COLOUR = "#546e7a"
MARKER_COLOUR = {
    "screening": "#64b5f6",
    "infusion": "#ce93d8",
    "observation": "#ffab40",
    "score": "#80cbc4",
    "alarm": "#ef5350",
}
# [PI] sedation episodes: a bar along the score lane from the first lower MOAA/S to the return to the pre-dose score.
EPISODE_COLOUR = {"sedation": theme.CAUTION, LOSS_OF_CONSCIOUSNESS: theme.ERROR}
EPISODE_Y = LANES["score"] - 0.45  # just under the score points


class TrendView(QWidget):
    sigEntryClicked = Signal(int)  # entry id, from a click on the timeline lane
    sigFollowChanged = Signal(bool)

    def __init__(self, session_start: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session_start = session_start
        self.now = session_start
        self.window_s: float | None = 3600.0
        self.follow = True
        self.series: dict[str, TrendSeries] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._drawn: dict[str, int] = {}  # series version last handed to setData
        self._entries: dict[int, EntryView] = {}
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("#000000")
        self.graphics.ci.layout.setSpacing(2)
        self.plots: list[pg.PlotItem] = []
        for row, spec in enumerate(CHARTS):
            self.plots.append(self._add_chart(row, spec))
        self.lane = self._add_lane(len(CHARTS))
        # The view does not take its minimum from the plots inside: say it, or a short window clips the lane.
        self.graphics.setMinimumHeight(len(CHARTS) * CHART_MIN_HEIGHT + LANE_MIN_HEIGHT + 4 * len(CHARTS))
        chart_extents = [(plot, spec.y_range) for plot, spec in zip(self.plots, CHARTS, strict=True)]
        self.entry_lines = MarkLines([*chart_extents, (self.lane, LANE_Y_RANGE)])
        self.alarm_lines = MarkLines(chart_extents)
        self._lane_points = pg.ScatterPlotItem(size=11, pxMode=True, hoverable=True, tip=self._lane_tip)
        self._lane_points.sigClicked.connect(self._on_lane_clicked)
        self.lane.addItem(self._lane_points)
        self._alarm_points = pg.ScatterPlotItem(size=10, pxMode=True, hoverable=True, tip=self._alarm_tip)
        self.lane.addItem(self._alarm_points)
        self.alarm_marks: list[str] = []  # texts of the lane's alarm marks, oldest first
        self.episodes: list[Episode] = []  # the [PI] sedation episodes drawn on the lane
        self._episode_bars = {
            kind: pg.PlotCurveItem(connect="pairs", antialias=False, pen=pg.mkPen(colour, width=5))
            for kind, colour in EPISODE_COLOUR.items()
        }
        self._episode_points = pg.ScatterPlotItem(size=9, pxMode=True, hoverable=True, tip=self._alarm_tip)
        for item in (*self._episode_bars.values(), self._episode_points):
            self.lane.addItem(item)
        for plot in [*self.plots, self.lane]:
            plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
            if plot is not self.plots[0]:
                plot.setXLink(self.plots[0])

        self.follow_button = QPushButton("Follow now")
        self.follow_button.setObjectName("follow")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.toggled.connect(self.set_follow)
        self.window_buttons = QButtonGroup(self)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Show:"))
        for label, seconds in WINDOWS:
            button = QPushButton(label)
            button.setCheckable(True)
            button.setChecked(seconds == self.window_s)
            button.clicked.connect(lambda _=False, s=seconds: self.set_window(s))
            self.window_buttons.addButton(button)
            controls.addWidget(button)
        controls.addStretch(1)
        controls.addWidget(self.follow_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.graphics, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    # --- building -------------------------------------------------------------------------------------------

    def _add_chart(self, row: int, spec: ChartSpec) -> pg.PlotItem:
        plot: pg.PlotItem = self.graphics.addPlot(row=row, col=0)
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        plot.disableAutoRange()
        plot.setYRange(*spec.y_range, padding=0)
        plot.setMouseEnabled(x=True, y=False)
        # An opaque dark grid: a translucent one (alpha < 1) makes Qt's raster engine hand every line fill to
        # its thread pool and wait, which took a frame from ~13 ms to ~60 ms here (benchmarks/ui.py).
        plot.showGrid(x=True, y=True, alpha=1.0)
        for side in ("left", "bottom"):
            plot.getAxis(side).setPen(GRID_COLOUR)
            plot.getAxis(side).setTextPen(AXIS_TEXT_COLOUR)
            # Major lines only, opaque: pyqtgraph would otherwise fade minor lines in with alpha.
            plot.getAxis(side).setStyle(tickAlpha=255, maxTickLevel=0)
            # No SI prefixes on clinical units ("k/min"); it also spares re-setting the label every frame.
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.hideButtons()
        _above_grid(plot)
        plot.getAxis("bottom").setStyle(showValues=False)
        plot.getAxis("left").setWidth(48)
        # The title inside the chart's top left corner, not on a row of its own: four title rows took 80 px of
        # a 768 px high screen from the curves (issue 16).
        title = pg.LabelItem(f"<span style='color:#b0bec5;font-size:11pt'>{spec.title}</span>", justify="left")
        title.setParentItem(plot.vb)
        title.anchor(itemPos=(0, 0), parentPos=(0, 0), offset=(4, -4))
        title.setZValue(10)
        plot.setMenuEnabled(False)
        plot.setMinimumHeight(CHART_MIN_HEIGHT)
        plot.vb.sigResized.connect(lambda vb, span=spec.y_range: fit_scale(plot.getAxis("left"), span, vb.height()))
        for curve in spec.curves:
            if curve.symbol:
                size = 6 if curve.symbol == "o" else 11
                item = plot.plot(
                    pen=None, symbol=curve.symbol, symbolSize=size, symbolBrush=curve.colour, symbolPen=None
                )
            else:
                item = plot.plot(pen=pg.mkPen(curve.colour, width=1), connect="finite")
            self.curves[curve.param] = item
            gap = float("inf") if curve.symbol else GAP_S
            self.series[curve.param] = TrendSeries(max_gap_s=gap)
        return plot

    def _add_lane(self, row: int) -> pg.PlotItem:
        axis = pg.DateAxisItem(orientation="bottom")
        lane: pg.PlotItem = self.graphics.addPlot(row=row, col=0, axisItems={"bottom": axis})
        lane.setMaximumHeight(110)
        # Room for its five labels on a short screen: squeezed, they ran into each other and the chart above.
        lane.setMinimumHeight(LANE_MIN_HEIGHT)
        lane.disableAutoRange()
        lane.setYRange(*LANE_Y_RANGE, padding=0)
        lane.setMouseEnabled(x=True, y=False)
        lane.hideButtons()
        _above_grid(lane)
        lane.setMenuEnabled(False)
        for side in ("left", "bottom"):
            lane.getAxis(side).setPen(GRID_COLOUR)
            lane.getAxis(side).setTextPen(AXIS_TEXT_COLOUR)
            lane.getAxis(side).setStyle(tickAlpha=255, maxTickLevel=0)
            lane.getAxis(side).enableAutoSIPrefix(False)
        left = lane.getAxis("left")
        left.setWidth(48)
        left.setTicks([[(y, LANE_LABELS[name]) for name, y in LANES.items()]])
        left.setStyle(tickFont=QFont("Sans", 7))
        return lane

    # --- data in --------------------------------------------------------------------------------------------

    def add_points(self, points: Iterable[tuple[str, float, float]]) -> None:
        """(param, time, value) of continuous parameters; drawn at the next refresh."""
        for param, t, value in points:
            series = self.series.get(param)
            if series is not None:
                series.append(t, value)

    def add_series(self, param: str, t: np.ndarray, values: np.ndarray) -> None:
        """A whole recorded series at once (review, resume): vectorised, for 12-hour sessions."""
        series = self.series.get(param)
        if series is not None:
            series.extend(t, values)

    def add_nibp(self, readings: Iterable[NibpReading], time_of: str = "t") -> None:
        for r in readings:
            t = getattr(r, time_of)
            for param, value in (("NIBP_SYS", r.sys), ("NIBP_DIA", r.dia), ("NIBP_MEAN", r.mean)):
                if value is not None:
                    self.series[param].append(t, value)

    def break_lines(self, t: float) -> None:
        """The monitor stopped sending: whatever comes next is not joined to what came before."""
        for series in self.series.values():
            series.break_line(t)

    def set_entries(self, views: Iterable[EntryView]) -> None:
        """Markers across the charts and points on the lane for every entry; struck entries drawn faint."""
        views = {v.id: v for v in views}
        groups: dict[tuple[str, bool], tuple[QPen, list[float]]] = {}
        for view in views.values():
            colour = STRUCK_COLOUR if view.struck else MARKER_COLOUR[LANE_OF_KIND[view.kind]]
            key = (colour, view.struck)
            if key not in groups:
                style = Qt.PenStyle.DotLine if view.struck else Qt.PenStyle.DashLine
                groups[key] = (pg.mkPen(colour, width=1, style=style), [])
            groups[key][1].append(view.t)
        self.entry_lines.replace(groups)
        self._entries = views
        spots = [
            {
                "pos": (v.t, LANES[LANE_OF_KIND[v.kind]]),
                "data": v.id,
                "brush": pg.mkBrush(STRUCK_COLOUR if v.struck else MARKER_COLOUR[LANE_OF_KIND[v.kind]]),
                "pen": None,
                "symbol": "x" if v.struck else "o",
            }
            for v in views.values()
        ]
        self._lane_points.setData(spots)
        self.episodes = sedation_episodes(views.values(), pre_dose_moaas(views.values()))
        self._draw_episodes()

    def episode_texts(self) -> list[str]:
        """What each sedation episode's lane mark says (its tooltip), in the order they began."""
        return [episode_text(e) for e in self.episodes]

    def _draw_episodes(self) -> None:
        for kind, bar in self._episode_bars.items():
            ends = [(e.began, self.now if e.resolved is None else e.resolved) for e in self.episodes if e.kind == kind]
            x = np.array([t for pair in ends for t in pair], dtype=float)
            bar.setData(x, np.full(len(x), EPISODE_Y), connect="pairs")
        self._episode_points.setData(
            [
                {
                    "pos": (e.began, EPISODE_Y),
                    "data": episode_text(e),
                    "brush": pg.mkBrush(EPISODE_COLOUR[e.kind]),
                    "pen": None,
                    "symbol": "s",
                }
                for e in self.episodes
            ]
        )

    def add_alarm_marks(self, marks: Iterable[tuple[float, str, str]]) -> None:
        """(time, colour, text) of alarm onsets and limit changes: a lane point and a line across the charts."""
        by_colour: dict[str, list[float]] = {}
        spots = []
        for t, colour, text in marks:
            spots.append(
                {"pos": (t, LANES["alarm"]), "data": text, "brush": pg.mkBrush(colour), "pen": None, "symbol": "t1"}
            )
            by_colour.setdefault(colour, []).append(t)
            self.alarm_marks.append(text)
        if spots:
            self._alarm_points.addPoints(spots)
        for colour, times in by_colour.items():
            self.alarm_lines.add(colour, pg.mkPen(colour, width=1), times)

    @staticmethod
    def _alarm_tip(_x: float, _y: float, data: str) -> str:
        return literal(data)

    def _lane_tip(self, x: float, y: float, data: int) -> str:
        view = self._entries.get(data)
        if view is None:
            return ""
        status = " (struck through)" if view.struck else " (amended)" if view.amended else ""
        return literal(describe(view.kind, view.payload) + status)

    # --- view control ---------------------------------------------------------------------------------------

    def set_window(self, seconds: float | None) -> None:
        self.window_s = seconds
        for button in self.window_buttons.buttons():
            label = next(lbl for lbl, s in WINDOWS if s == seconds)
            button.setChecked(button.text() == label)
        self.set_follow(True)

    @Slot(bool)
    def set_follow(self, on: bool) -> None:
        if on == self.follow and self.follow_button.isChecked() == on:
            if on:
                self._apply_range()
            return
        self.follow = on
        self.follow_button.setChecked(on)
        self.sigFollowChanged.emit(on)
        if on:
            self._apply_range()

    def scroll_to(self, t: float) -> None:
        """Centre the charts on `t` and stop following, so the view stays where the nurse looked."""
        self.set_follow(False)
        width = self.window_s or max(self.now - self.session_start, 600.0)
        self.plots[0].setXRange(t - width / 2, t + width / 2, padding=0)

    @Slot()
    def _on_manual_range(self, *_: object) -> None:
        self.set_follow(False)

    @Slot(object, object, object)
    def _on_lane_clicked(self, _item: object, points: object, _ev: object = None) -> None:
        for point in points:  # type: ignore[attr-defined]
            self.sigEntryClicked.emit(int(point.data()))
            break

    def x_range(self) -> tuple[float, float]:
        lo, hi = self.plots[0].vb.viewRange()[0]
        return float(lo), float(hi)

    # --- drawing --------------------------------------------------------------------------------------------

    def set_now(self, now: float) -> None:
        self.now = now
        if any(e.resolved is None for e in self.episodes):
            self._draw_episodes()  # an episode still lasting reaches to now

    @Slot()
    def refresh(self) -> None:
        for param, series in self.series.items():
            if self._drawn.get(param) != series.version:
                self.curves[param].setData(series.x, series.y)
                self._drawn[param] = series.version
        if self.follow:
            self._apply_range()

    def _apply_range(self) -> None:
        self.plots[0].setXRange(*follow_range(self.session_start, self.now, self.window_s), padding=0)


def episode_text(e: Episode) -> str:
    """e.g. "Sedation 14:02–14:20: MOAA/S fell to 3 (pre-dose 5)" or "Loss of consciousness since 14:05: MOAA/S 0"."""
    when = f"since {hm_text(e.began)}" if e.resolved is None else f"{hm_text(e.began)}–{hm_text(e.resolved)}"
    return f"{e.kind.capitalize()} {when}: {e.detail}"


def follow_range(start: float, now: float, window_s: float | None) -> tuple[float, float]:
    """The x-range while following: the session so far (at least MIN_SPAN_S wide) until it is longer than the
    chosen window (None: the whole session), then the last `window_s`; the newest point clear of the right edge."""
    if window_s is None or now - start < window_s:
        left, right = start, max(now, start + MIN_SPAN_S)
    else:
        left, right = now - window_s, now
    return left, right + (right - left) * 0.02


def scale_ticks(y_range: tuple[float, float], height_px: float) -> list[float]:
    """A chart's scale labels: multiples of the smallest 1, 2 or 5 x 10^n step that leaves TICK_LABEL_PX between
    them, each whole inside the chart; at least one (the roundest value inside) however short the chart. Seen at
    1366x768: 85, 90 and 95 drawn over each other in a 30 px chart, and a fitted step leaving none."""
    low, high = y_range
    px = (high - low) / max(height_px, 1.0)  # data units per pixel
    inner = (low + TICK_HALF_TEXT_PX * px, high - TICK_HALF_TEXT_PX * px)
    step, fitted = _nice_at_least(TICK_LABEL_PX * px), True
    while step > 1e-9:
        values = [k * step for k in range(math.ceil(inner[0] / step), math.floor(inner[1] / step) + 1)]
        if values and fitted:
            return values
        if values:  # a finer step than fits: one label, the one nearest the middle
            return [min(values, key=lambda v: abs(v - (low + high) / 2))]
        step, fitted = _nice_below(step), False
    return [(low + high) / 2]


def _nice_at_least(x: float) -> float:
    """The smallest 1, 2 or 5 x 10^n >= x."""
    magnitude = 10.0 ** math.floor(math.log10(x))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= x * (1 - 1e-9))


def _nice_below(x: float) -> float:
    """The largest 1, 2 or 5 x 10^n < x."""
    magnitude = 10.0 ** math.floor(math.log10(x))
    lead = round(x / magnitude)
    return magnitude * {1: 0.5, 2: 1, 5: 2}.get(lead, 5)


def fit_scale(axis: pg.AxisItem, y_range: tuple[float, float], height_px: float) -> None:
    axis.setTicks([[(v, f"{v:g}") for v in scale_ticks(y_range, height_px)]])


def _above_grid(plot: pg.PlotItem) -> None:
    """Draw the data and the marks over the grid, not under it: pyqtgraph paints the grid with the axes (z 0.5)
    above the view box (z -100), so an entry line falling on a grid line vanished. The view box clips its
    children, so nothing covers the axis labels."""
    plot.vb.setZValue(1)
