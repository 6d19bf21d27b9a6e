"""ChairCard: one chair on the station overview, readable from across the room.

GUI thread. Reads only the chair's Qt-free live model (monitor.app.live_chair): the values as the one currency rule
judged them (monitor.clinical.currency, the same text as the workspace tiles), the link, the alarms, the infusion,
the next check and the patient. Never another widget's text or chart buffers. Its look (sizes, the alarm colours)
is the one stylesheet's (monitor.ui.stylesheet, the station card section), by role and state.
Every line has a fixed height and elides inside its box, and the card ignores its contents' widths, so nothing a
chair shows (a long alarm, a cuff reading) can resize the card or the window: the grid gives each card its size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLayout, QSizePolicy, QVBoxLayout, QWidget

from monitor.app.chair import ChairConfig
from monitor.app.device_door import Wave
from monitor.app.latest_values import LatestValues
from monitor.app.live_chair import LiveChair
from monitor.clinical.currency import ShownValue
from monitor.clinical.infusion import InfusionState
from monitor.clinical.schedule import CheckStatus
from monitor.timefmt import hm_text, minutes_text
from monitor.ui import theme
from monitor.ui.stylesheet import set_role
from monitor.ui.sweep import WaveStrip, bare_plot
from monitor.ui.text import literal

SPARK_WINDOW_S = 30 * 60.0  # the card's trend: the last half hour of HR and SpO₂
SPARK_STEP_S = 5.0  # redrawn at most once per this much new data: about one pixel of a 30-min card-wide trend
# The trend's curves, each scaled from its range (low, high) into its band (bottom, top) of the plot's 0..1 height.
TREND_BANDS = {"HR": (30.0, 180.0, 0.52, 1.0), "SPO2": (70.0, 100.0, 0.0, 0.48)}
TREND_MIN_PX = 40
CARD_WAVES = (Wave.PLETH, Wave.CO2)  # the card's one wave: the pleth says whether SpO₂ can be believed
# The frame's colour by the card's alarm state (the stylesheet paints it; tests and tooltips name it).
FRAME = {p.name.lower(): colour for p, colour in theme.ALARM.items()} | {"not-sending": theme.LINK_SILENT}


class ElidedLabel(QLabel):
    """A one-line label of fixed height (its role's font) that elides its text at its right edge instead of
    growing. text() is the whole text (and the tooltip shows it); Qt paints the elided one (no Python in the
    paint path: the overview repaints 8 cards of them)."""

    def __init__(self, role: str, **states: str) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        set_role(self, role, **states)
        self.full = ""
        self.fit()

    def fit(self) -> None:
        """The height of one line of the role's font (after a change of size)."""
        self.ensurePolished()
        self.setFixedHeight(self.fontMetrics().height() + 2)
        self._elide()

    def text(self) -> str:
        return self.full

    def sizeHint(self) -> QSize:
        return QSize(0, self.height())  # its text never asks for width: the layout gives it its box

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def setText(self, text: str) -> None:
        if text != self.full:
            self.full = text
            self.setToolTip(literal(text))
            self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 0)
        QLabel.setText(self, self.fontMetrics().elidedText(self.full, Qt.TextElideMode.ElideRight, width))


@dataclass(frozen=True)
class CardValue:
    key: str  # as the workspace tile's (monitor.ui.tiles.TILES): its colour in the stylesheet
    title: str
    param: str  # the parameter whose currency the cell shows (NIBP: the systolic of the latest cuff reading)


CARD_VALUES = (  # as the workspace tiles show them, without temperature
    CardValue("hr", "HR", "HR"),
    CardValue("spo2", "SpO₂", "SPO2"),
    CardValue("rr", "RR", "RR"),
    CardValue("nibp", "NIBP", "NIBP_SYS"),
    CardValue("etco2", "EtCO₂", "ETCO2"),
)
CELLS = {"hr": (0, 0, 1), "spo2": (0, 1, 1), "rr": (0, 2, 1), "nibp": (1, 0, 2), "etco2": (1, 2, 1)}  # row, col, span


class ValueCell:
    """One value's three labels (its name, the number, the age or reason below), laid out in the card's grid:
    bright when current, dimmed when not, "--" when there is none that may be shown."""

    def __init__(self, spec: CardValue) -> None:
        self.spec = spec
        self.name = ElidedLabel("card-value-name", param=spec.key)
        self.name.setText(spec.title)
        self.value = ElidedLabel("card-value", param=spec.key)
        self.value.setObjectName(f"card_value_{spec.key}")
        self.value.setText("--")
        self.note = ElidedLabel("card-value-note", param=spec.key)
        self.dimmed = False

    def display(self, text: str, shown: ShownValue, note: bool = True) -> None:
        """By the one rule (the tile's words): "--" with the reason when invalid or absent; dimmed with its age
        when stale; bright when current. `note` False: one reason holds for every value (the monitor not
        sending) and the card states it once."""
        self.value.setText(shown.shown_text(text))
        self.note.setText(shown.note if note else "")
        dimmed = not shown.current
        if dimmed != self.dimmed:
            self.dimmed = dimmed
            for label in (self.name, self.value, self.note):
                set_role(label, state="not-current" if dimmed else "current")


class ChairCard(QWidget):
    sigOpen = Signal(int)

    def __init__(self, index: int, config: ChairConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.name = config.name
        self.setObjectName(f"chair_card_{index}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # so the style sheet's frame is painted
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)  # the grid sizes it
        set_role(self, "chair-card", alarm="none")
        monitor = config.port or f"built-in simulated monitor, scenario {config.scenario}"
        self.setToolTip(literal(f"{config.name}\nMonitor: {monitor}\nProtocol: {config.protocol}"))
        self.title = ElidedLabel("card-title")
        self.who = ElidedLabel("card-note")
        self.who.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.alarm = ElidedLabel("card-line", alarm="none", state="")
        self.cells = {spec.key: ValueCell(spec) for spec in CARD_VALUES}
        self.state = ElidedLabel("card-line")
        self.check = ElidedLabel("card-line", state="")
        self.spark = self._trend()
        self.wave = WaveStrip(None, CARD_WAVES)  # the chair's pleth, else its capnogram, swept (issue 22)
        self.wave.setObjectName(f"card_wave_{index}")
        self.wave.setMinimumHeight(TREND_MIN_PX)
        header = QHBoxLayout()
        self.who.setFixedWidth(self.who.fontMetrics().horizontalAdvance("nurse WWW") + 4)  # the title gets the rest
        header.addWidget(self.title, 1)
        header.addWidget(self.who)
        numbers = QGridLayout()
        numbers.setHorizontalSpacing(10)
        numbers.setVerticalSpacing(0)
        for column in range(3):
            numbers.setColumnStretch(column, 1)
        for key, (row, column, span) in CELLS.items():
            cell = self.cells[key]
            for k, label in enumerate((cell.name, cell.value, cell.note)):
                numbers.addWidget(label, 3 * row + k, column, 1, span)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 6)  # the width goes to the lines (a 3 h infusion line is whole)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.alarm)
        layout.addLayout(numbers)
        layout.addWidget(self.state)
        layout.addWidget(self.check)
        layout.addWidget(self.wave, 2)  # the wave and the trend share what is left: the card's size never
        layout.addWidget(self.spark, 3)  # depends on them
        self._drawn_to = -np.inf
        self.compact = False
        self._full_height = layout.minimumSize().height()  # below it, the card takes the compact sizes

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A card shorter than its full sizes need (a small desk) takes the stylesheet's compact sizes: its
        lines never overlap. Decided by the card's size alone, which the grid sets: never by what it shows."""
        super().resizeEvent(event)
        compact = self.height() < self._full_height
        if compact != self.compact:
            self.compact = compact
            for label in self.findChildren(ElidedLabel):
                set_role(label, fit="compact" if compact else "full")
                label.fit()
            self.spark.setMinimumHeight(0 if compact else TREND_MIN_PX)  # the numbers and lines first
            self.wave.setMinimumHeight(0 if compact else TREND_MIN_PX)
            for layout in self.findChildren(QLayout):  # the nested rows keep their old minimums otherwise
                layout.invalidate()
            self.layout().activate()

    def _trend(self) -> pg.PlotWidget:
        """HR above SpO₂, the last half hour across the whole card, in one plot (each curve scaled into its own
        band, TREND_BANDS); drawn cheaply: downsampled to the pixels, clipped to view, no axes or mouse."""
        widget = pg.PlotWidget(background=theme.PANEL)
        widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        widget.setMinimumHeight(TREND_MIN_PX)
        plot = widget.getPlotItem()
        bare_plot(plot)
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
        self.wave.live = live  # its strip repaints from the model at its own frame rate
        patient = live.patient
        self.title.setText(f"{self.name} · {_initials(patient.name)}" if patient else f"{self.name} · no patient")
        self.who.setText(f"nurse {live.nurse or '—'}")
        link = self._values(live.values, now)
        self._infusion(live, now)
        self._check(live, now)
        self._alarm(live, "" if link else live.values.shown("HR", now).note)
        self._spark(live)

    def _values(self, values: LatestValues, now: float) -> bool:
        """Each value by the one rule; whether the monitor is sending (when not, the card says why once, not
        beside each value)."""
        link = values.receiving
        for spec in CARD_VALUES:
            if spec.key == "nibp":
                nibp = values.nibp(now)
                self.cells["nibp"].display(nibp.text, nibp.sys, link)
            else:
                shown = values.shown(spec.param, now)
                self.cells[spec.key].display(shown.text, shown, link)
        return link

    def _infusion(self, live: LiveChair, now: float) -> None:
        s = live.infusion(now)
        if s.state is InfusionState.NOT_STARTED:
            self.state.setText("Infusion not started")
            return
        rate = f" {s.rate_mg_kg_h:g} mg/kg/h" if s.state is InfusionState.RUNNING else ""
        elapsed = minutes_text(s.elapsed_s(now))  # to the minute: the whole line fits a card of eight
        self.state.setText(f"{s.state.value.capitalize()}{rate} · {elapsed} · {s.total_mg:.0f} mg")

    def _check(self, live: LiveChair, now: float) -> None:
        discharge = live.service.discharge()
        state = ""
        if discharge is not None:  # closed: no check is due any more
            text = f"Discharged {hm_text(discharge.t)} by {discharge.original.initials}"
        else:
            check, _missed = live.next_check(now)
            if check is None:
                text = "No check due"
            elif check.status is CheckStatus.OVERDUE:
                text, state = f"CHECK OVERDUE since {hm_text(check.due_at)}", "overdue"
            else:
                left = int(check.due_at - now)
                what = check.what or "Next check"  # an esketamine-rems BP check by its name
                text = f"{what} {hm_text(check.due_at)} ({f'in {left // 60} min' if left > 0 else 'due now'})"
        self.check.setText(text)
        set_role(self.check, state=state)

    def _alarm(self, live: LiveChair, not_sending: str) -> None:
        """The highest alarm's text and colour; without one, why the monitor is not sending (`not_sending`)."""
        alarms = live.alarms()
        top = alarms[0] if alarms else None
        if top is not None:
            text, alarm, state = top.message, top.priority.name.lower(), ""
        elif not_sending:
            text, state = not_sending[:1].upper() + not_sending[1:], "not-sending"
            alarm = "not-sending" if live.link_state is not None else "none"
        else:
            text, alarm, state = "", "none", ""
        self.alarm.setText(text)
        set_role(self.alarm, alarm=alarm, state=state)
        set_role(self, alarm=alarm)

    @property
    def alarm_colour(self) -> str:
        """The card's frame: the IEC 60601-1-8 colour of its highest alarm (theme.BORDER when none)."""
        return FRAME.get(self.property("alarm"), theme.BORDER)

    def _spark(self, live: LiveChair) -> None:
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
