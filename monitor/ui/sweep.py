"""The live waves of a chair as sweep displays: WaveStrip (one wave; the station card shows one) and WaveSweep
(ECG, pleth and capnogram stacked, above the trends in the workspace).

GUI thread. A strip reads only the chair's live model (monitor.app.live_chair.LiveChair.waves), never the facade:
the blocks reach the model once per frame (monitor.ui.facade.sigWaves) and each strip repaints from its own
fixed timer, only when visible and only when its wave changed. The trace sweeps left to right at a fixed paper
speed (SWEEP_MM_S) and writes over the last sweep behind an erase bar; where nothing came the trace is blank
(NaN with connect="finite"): a gap is never drawn as a line.
Cost (benchmarks/waves.py): 1-px pens, fixed ranges, no autoRange (design.md: autoRange costs ~5× per frame).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer, Slot
from PySide6.QtGui import QHideEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from monitor.app.device_door import Wave
from monitor.app.live_chair import LiveChair
from monitor.app.live_waves import KEEP_S
from monitor.ui import theme
from monitor.ui.stylesheet import set_role

SWEEP_MM_S = 25.0  # paper speed: the ECG convention, kept for every wave so the three line up in time
FRAME_MS = 40  # 25 frames/s: a smooth sweep (design.md: 25-30 Hz for a waveform)
STALE_S = 3.0  # no block for this long (host clock): the strip goes blank and says so (blocks come every ≤ 1 s)
MIN_WINDOW_S = 1.0
STRIP_PX = 46  # each wave's height in the workspace, room allowing
STRIP_MIN_PX = 18  # ... and at least: what a 1366x768 desk (704 px for the window) has left above the trends


@dataclass(frozen=True)
class WaveLook:
    title: str
    colour: str
    y_range: tuple[float, float] | None  # fixed display range; None: scaled to the last sweep (pleth's gain)


# Display scales, clinic defaults: ECG ±mV as a bedside monitor's 10 mm/mV strip shows lead II; the capnogram
# 0-50 mmHg so an EtCO₂ plateau of 35-45 mmHg sits high and apnoea lies on the floor.
LOOKS = {
    Wave.ECG: WaveLook("ECG II", theme.HR, (-1.0, 2.0)),
    Wave.PLETH: WaveLook("Pleth", theme.SPO2, None),
    Wave.CO2: WaveLook("CO₂", theme.ETCO2, (0.0, 50.0)),
}


def bare_plot(plot: pg.PlotItem) -> None:
    """A plot that is only its curves (a card's trend, a wave strip): no margins, axes, buttons, menu or mouse."""
    plot.layout.setContentsMargins(0, 0, 0, 0)
    for axis in ("bottom", "left"):
        plot.hideAxis(axis)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMenuEnabled(False)


def sweep_window_s(width_px: int, dpi: float) -> float:
    """The seconds a strip `width_px` wide shows at SWEEP_MM_S on a screen of `dpi` dots per inch."""
    mm = width_px / dpi * 25.4
    return float(min(max(mm / SWEEP_MM_S, MIN_WINDOW_S), KEEP_S))


class WaveStrip(pg.PlotWidget):
    """One wave of one chair, swept. `waves`: the waves it may show, the first the monitor sends (the card:
    pleth, else the capnogram); `live`: the chair's model (a card is given it at its first refresh)."""

    def __init__(self, live: LiveChair | None, waves: tuple[Wave, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent, background=theme.PANEL)
        self.live = live
        self.choices = waves
        self.wave: Wave | None = None
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        plot = self.getPlotItem()
        bare_plot(plot)
        plot.disableAutoRange()
        # A bare curve item, not plot()'s PlotDataItem: no per-frame data checks, symbols or downsampling to pass.
        self.curve = pg.PlotCurveItem(pen=pg.mkPen(theme.NOT_CURRENT, width=1), connect="finite", antialias=False)
        plot.addItem(self.curve)
        self.note = pg.TextItem("", color=theme.NOT_CURRENT, anchor=(0, 0))
        self.note.setParentItem(plot.vb)
        self.window_s = MIN_WINDOW_S
        self._x = np.empty(0)
        self._drawn: tuple[Wave | None, int, float] | None = None
        self._gain = (0.0, 1.0)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.redraw)  # runs only while shown (a station has 32 strips, 4 or 11 shown)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    @property
    def y(self) -> np.ndarray:
        """The y values drawn now (NaN: erase bar or gap), for tests and the benchmark."""
        data = self.curve.getData()[1]
        return np.empty(0) if data is None else np.asarray(data)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        dpi = self.physicalDpiX()
        if not 50 <= dpi <= 600:  # a virtual screen reports nonsense: take the logical DPI
            dpi = self.logicalDpiX()
        self.window_s = sweep_window_s(max(self.width(), 1), dpi)
        self._drawn = None  # a new window: the next frame lays the sweep out again

    def _pick(self) -> Wave | None:
        waves = self.live.waves if self.live is not None else {}
        return next((w for w in self.choices if w in waves), None)

    @Slot()
    def redraw(self, force: bool = False) -> None:
        """One frame: redrawn only when visible and when the wave changed (the timer runs at FRAME_MS)."""
        if not force and not self.isVisible():
            return
        wave = self._pick()
        live = self.live.waves.get(wave) if wave is not None and self.live is not None else None
        stale = live is not None and (live.last_host_t is None or time.time() - live.last_host_t > STALE_S)
        state = (wave, -1 if live is None or stale else live.version, self.window_s)
        if state == self._drawn:
            return
        self._drawn = state
        if wave != self.wave:
            self._show_wave(wave)
        if live is None or stale:
            self.curve.setData([], [])
            what = LOOKS[self.choices[0]].title if wave is None else LOOKS[wave].title
            self.note.setText(f"{what}: {self._absent()}" if wave is None else f"{what}: no data")
            return
        y = live.sweep(self.window_s)
        if len(self._x) != len(y):
            self._x = np.arange(len(y)) / live.rate_hz
            self.getPlotItem().setXRange(0, len(y) / live.rate_hz, padding=0)
        self.note.setText("")
        self._scale(wave, y)
        self.curve.setData(self._x, y, connect="finite")

    def _absent(self) -> str:
        """Why no wave comes: the chair's reason when its monitor is not asked for waves."""
        off = self.live.waves_off if self.live is not None else ""
        return off or "no wave from the monitor"

    def _show_wave(self, wave: Wave | None) -> None:
        self.wave = wave
        colour = LOOKS[wave].colour if wave is not None else theme.NOT_CURRENT
        self.curve.setPen(pg.mkPen(colour, width=1))
        self._x = np.empty(0)
        if wave is not None and LOOKS[wave].y_range is not None:
            low, high = LOOKS[wave].y_range
            self.getPlotItem().setYRange(low, high, padding=0.02)

    def _scale(self, wave: Wave, y: np.ndarray) -> None:
        """The pleth's gain: its range over the sweep, changed only when the trace leaves it or shrinks to
        under a third of it (not every frame: a steady wave stays put)."""
        if LOOKS[wave].y_range is not None or not np.isfinite(y).any():
            return
        low, high = float(np.nanmin(y)), float(np.nanmax(y))
        span = max(high - low, 1e-3)
        g_low, g_high = self._gain
        if low < g_low or high > g_high or span < (g_high - g_low) / 3:
            self._gain = (low - 0.1 * span, high + 0.1 * span)
            self.getPlotItem().setYRange(*self._gain, padding=0)


class WaveSweep(QWidget):
    """The workspace's three waves, stacked, each with its name beside it."""

    def __init__(self, live: LiveChair, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wave_sweep")
        self.strips: dict[Wave, WaveStrip] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for wave, look in LOOKS.items():
            row = QHBoxLayout()
            name = QLabel(look.title)
            set_role(name, "wave-name")
            name.setStyleSheet(f"color: {look.colour};")
            name.setFixedWidth(name.fontMetrics().horizontalAdvance("ECG II") + 12)
            name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            strip = WaveStrip(live, (wave,))
            strip.setObjectName(f"wave_{wave.name.lower()}")
            strip.setMinimumHeight(STRIP_MIN_PX)
            self.strips[wave] = strip
            row.addWidget(name)
            row.addWidget(strip, 1)
            layout.addLayout(row, 1)
        self.setMinimumHeight(len(LOOKS) * STRIP_MIN_PX)
        self.setMaximumHeight(len(LOOKS) * STRIP_PX)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        # the minimum: the workspace shares what is left between the waves and the trends by their stretch
        return QSize(super().sizeHint().width(), len(LOOKS) * STRIP_MIN_PX)
