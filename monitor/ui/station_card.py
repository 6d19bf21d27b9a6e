"""ChairCard: one chair on the station overview, readable from across the room.

GUI thread. Reads only the chair's Qt-free live model (monitor.app.live_chair): the values as the one currency rule
judged them (monitor.clinical.currency, the same text as the workspace tiles), the link, the alarms, the infusion,
the next check and the patient. Never another widget's text or chart buffers.
Every line has a fixed height and elides inside its box, and the card ignores its contents' widths, so nothing a
chair shows (a long alarm, a cuff reading) can resize the card or the window: the grid gives each card its size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from monitor.app.chair import ChairConfig
from monitor.app.live_chair import LiveChair
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.currency import ShownValue
from monitor.clinical.infusion import InfusionState
from monitor.clinical.schedule import CheckStatus
from monitor.timefmt import hm_text, hms
from monitor.ui import theme
from monitor.ui.style import show
from monitor.ui.text import literal

SPARK_WINDOW_S = 30 * 60.0  # the card's trend: the last half hour of HR and SpO₂
SPARK_STEP_S = 5.0  # redrawn at most once per this much new data: about one pixel of a 30-min card-wide trend
# The trend's curves, each scaled from its range (low, high) into its band (bottom, top) of the plot's 0..1 height.
TREND_BANDS = {"HR": (30.0, 180.0, 0.52, 1.0), "SPO2": (70.0, 100.0, 0.0, 0.48)}
# Pixel sizes on the card (8 chairs on 1920×1080, read at 2 m: the numbers as large as the card allows).
NUMBER_PX = 46
TITLE_PX = 28
LINE_PX = 22  # alarm text, infusion, next check
NOTE_PX = 16  # a value's age or reason, its name
# A card's background by its highest alarm (the tiles' darker shades, so white text stays readable) and its
# frame and alarm line in the IEC 60601-1-8 colour itself (theme.ALARM: high red, medium yellow, low cyan).
CARD_BACKGROUND = {
    AlarmPriority.HIGH: theme.BANNER_RED,
    AlarmPriority.MEDIUM: theme.TILE_MEDIUM,
    AlarmPriority.LOW: theme.TILE_LOW,
}


class ElidedLabel(QLabel):
    """A one-line label of fixed height that elides its text at its right edge instead of growing. text() is
    the whole text (and the tooltip shows it); Qt paints the elided one (no Python in the paint path: the
    overview repaints 8 cards of them)."""

    def __init__(self, px: int, bold: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        font = self.font()
        font.setPixelSize(px)
        font.setBold(bold)
        self.setFont(font)
        self.setFixedHeight(self.fontMetrics().height() + 2)
        self.full = ""

    def text(self) -> str:
        return self.full

    def setText(self, text: str) -> None:
        if text != self.full:
            self.full = text
            self.setToolTip(literal(text))
            self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        QLabel.setText(self, self.fontMetrics().elidedText(self.full, Qt.TextElideMode.ElideRight, max(width, 0)))


@dataclass(frozen=True)
class CardValue:
    key: str
    title: str
    colour: str
    param: str  # the parameter whose currency the cell shows (NIBP: the systolic of the latest cuff reading)


CARD_VALUES = (  # as the workspace tiles show them (monitor.ui.tiles.TILES), without temperature
    CardValue("hr", "HR", theme.HR, "HR"),
    CardValue("spo2", "SpO₂", theme.SPO2, "SPO2"),
    CardValue("rr", "RR", theme.RR, "RR"),
    CardValue("nibp", "NIBP", theme.NIBP, "NIBP_SYS"),
    CardValue("etco2", "EtCO₂", theme.ETCO2, "ETCO2"),
)


class ValueCell(QWidget):
    """One value: its name, the number (bright when current, dimmed when not, "--" when there is none that may
    be shown) and below it the age or the reason."""

    def __init__(self, spec: CardValue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.name = ElidedLabel(NOTE_PX, bold=True)
        self.name.setText(spec.title)
        self.value = ElidedLabel(NUMBER_PX, bold=True)
        self.value.setObjectName(f"card_value_{spec.key}")
        self.value.setText("--")
        self.note = ElidedLabel(NOTE_PX)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for label in (self.name, self.value, self.note):
            layout.addWidget(label)
        self.dimmed: bool | None = None

    def display(self, text: str, shown: ShownValue, note: bool = True) -> None:
        """By the one rule (the tile's words): "--" with the reason when invalid or absent; dimmed with its age
        when stale; bright when current. `note` False: one reason holds for every value (the monitor not
        sending) and the card states it once."""
        self.value.setText(shown.shown_text(text))
        self.note.setText(shown.note if note else "")
        dimmed = not shown.current
        if dimmed != self.dimmed:
            self.dimmed = dimmed
            colour = theme.NOT_CURRENT if dimmed else self.spec.colour
            for label in (self.name, self.value, self.note):
                label.setStyleSheet(f"color: {colour}; background: transparent;")


class ChairCard(QWidget):
    sigOpen = Signal(int)

    def __init__(self, index: int, config: ChairConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.name = config.name
        self.setObjectName(f"chair_card_{index}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # so the style sheet's frame is painted
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)  # the grid sizes it
        monitor = config.port or f"built-in simulated monitor, scenario {config.scenario}"
        self.setToolTip(literal(f"{config.name}\nMonitor: {monitor}\nProtocol: {config.protocol}"))
        self.title = ElidedLabel(TITLE_PX, bold=True)
        self.who = ElidedLabel(NOTE_PX)
        self.who.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.alarm = ElidedLabel(LINE_PX, bold=True)
        self.cells = {spec.key: ValueCell(spec) for spec in CARD_VALUES}
        self.state = ElidedLabel(LINE_PX, bold=True)
        self.check = ElidedLabel(LINE_PX, bold=True)
        self.spark = self._trend()
        header = QHBoxLayout()
        header.addWidget(self.title, 3)
        header.addWidget(self.who, 1)
        numbers = QGridLayout()
        numbers.setHorizontalSpacing(10)
        numbers.setVerticalSpacing(2)
        for column in range(3):
            numbers.setColumnStretch(column, 1)
        for (row, column, span), key in zip(
            ((0, 0, 1), (0, 1, 1), (0, 2, 1), (1, 0, 2), (1, 2, 1)), ("hr", "spo2", "rr", "nibp", "etco2"), strict=True
        ):
            numbers.addWidget(self.cells[key], row, column, 1, span)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.alarm)
        layout.addLayout(numbers)
        layout.addWidget(self.state)
        layout.addWidget(self.check)
        layout.addWidget(self.spark, 1)  # the trend takes what is left: the card's size never depends on it
        self._drawn_to = -np.inf
        self._look: tuple[str, str] | None = None

    def _trend(self) -> pg.PlotWidget:
        """HR above SpO₂, the last half hour across the whole card, in one plot (each curve scaled into its own
        band, TREND_BANDS); drawn cheaply: downsampled to the pixels, clipped to view, no axes or mouse."""
        widget = pg.PlotWidget(background=theme.PANEL)
        widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        widget.setMinimumHeight(40)
        plot = widget.getPlotItem()
        plot.layout.setContentsMargins(0, 0, 0, 0)
        for axis in ("bottom", "left"):
            plot.hideAxis(axis)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setYRange(0, 1, padding=0)
        plot.disableAutoRange()
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        colours = {"HR": theme.HR, "SPO2": theme.SPO2}
        self.curves = {p: plot.plot(pen=pg.mkPen(colours[p], width=2), connect="finite") for p in TREND_BANDS}
        self.spark_plot = plot
        return widget

    def reset(self) -> None:
        """A new patient at this chair: the trend starts again."""
        self._drawn_to = -np.inf
        for curve in self.curves.values():
            curve.setData([], [])

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.sigOpen.emit(self.index)
        super().mousePressEvent(event)

    def update_from(self, live: LiveChair, now: float) -> None:
        """Everything from the chair's live model (monitor.app.live_chair): never from its workspace's widgets."""
        patient = live.patient
        self.title.setText(f"{self.name} · {_initials(patient.name)}" if patient else f"{self.name} · no patient")
        self.who.setText(f"nurse {live.nurse or '—'}")
        values = live.values
        link = values.receiving  # while the monitor is not sending, the card says so once, not beside each value
        for spec in CARD_VALUES:
            if spec.key == "nibp":
                nibp = values.nibp(now)
                self.cells["nibp"].display(nibp.text, nibp.sys, link)
            else:
                shown = values.shown(spec.param, now)
                self.cells[spec.key].display(shown.text, shown, link)
        self._infusion(live, now)
        self._check(live, now)
        self._alarm(live, "" if link else values.shown("HR", now).note)
        self._spark(live, now)

    def _infusion(self, live: LiveChair, now: float) -> None:
        s = live.infusion(now)
        if s.state is InfusionState.NOT_STARTED:
            self.state.setText("Infusion not started")
            return
        rate = f" {s.rate_mg_kg_h:g} mg/kg/h" if s.state is InfusionState.RUNNING else ""
        self.state.setText(f"{s.state.value.capitalize()}{rate} · {hms(s.elapsed_s(now))} · {s.total_mg:.0f} mg")

    def _check(self, live: LiveChair, now: float) -> None:
        discharge = live.service.discharge()
        if discharge is not None:  # closed: no check is due any more
            show(self.check, f"Discharged {hm_text(discharge.t)} by {discharge.original.initials}", "")
            return
        check, _missed = live.next_check(now)
        if check is None:
            text, style = "No check due", ""
        elif check.status is CheckStatus.OVERDUE:
            text, style = f"CHECK OVERDUE since {hm_text(check.due_at)}", theme.OVERDUE_STYLE
        else:
            left = int(check.due_at - now)
            when = f"in {left // 60} min" if left > 0 else "due now"
            text, style = f"Next check {hm_text(check.due_at)} ({when})", ""
        show(self.check, text, style)

    def _alarm(self, live: LiveChair, not_sending: str) -> None:
        """The highest alarm's text and colour; without one, why the monitor is not sending (`not_sending`)."""
        alarms = live.alarms()
        top = alarms[0] if alarms else None
        if top is not None:
            text, lit = top.message, theme.ALARM[top.priority]
            line = f"background: {lit}; color: {theme.TEXT_ON_ALARM[top.priority]}; padding: 0 4px;"
        elif not_sending:
            text = not_sending[:1].upper() + not_sending[1:]
            lit = theme.LINK_SILENT if live.link_state is not None else theme.BORDER
            line = f"color: {theme.CAUTION};"
        else:
            text, lit, line = "", theme.BORDER, ""
        show(self.alarm, text, line)
        background = CARD_BACKGROUND[top.priority] if top is not None else theme.PANEL
        if (background, lit) != self._look:
            self._look = (background, lit)
            self.setStyleSheet(
                f"ChairCard {{ background: {background}; border: 4px solid {lit}; border-radius: 6px; }}"
                f"QLabel {{ color: {theme.CARD_TEXT}; }}"
            )

    @property
    def alarm_colour(self) -> str:
        """The card's frame: the IEC colour of its highest alarm (theme.BORDER when none)."""
        return self._look[1] if self._look else theme.BORDER

    def _spark(self, live: LiveChair, now: float) -> None:
        """Redrawn when SPARK_STEP_S of new data has come (a pixel's worth), not at every refresh."""
        values = live.values
        newest = max((t for t in map(values.history_end, self.curves) if t is not None), default=None)
        if newest is None or newest < self._drawn_to + SPARK_STEP_S:
            return
        self._drawn_to = newest
        for param, (low, high, bottom, top) in TREND_BANDS.items():
            data = np.array(values.history(param), dtype=float).reshape(-1, 2)
            band = bottom + (np.clip(data[:, 1], low, high) - low) * ((top - bottom) / (high - low))
            self.curves[param].setData(data[:, 0], band)
        self.spark_plot.setXRange(newest - SPARK_WINDOW_S, newest, padding=0)


def _initials(name: str) -> str:
    """A patient's initials for the overview (the full name stays in the chair's workspace)."""
    return ".".join(part[0].upper() for part in name.split() if part) + "."
