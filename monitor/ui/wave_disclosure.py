"""Full disclosure in the review window (issue 22 point 4): the stored waves of 30 s before and after an instant (an
alarm or an entry clicked, or any minute chosen), one plot per wave, gaps drawn as gaps.

GUI thread; the waves are read per window (app.wave_review), so a 12 h session costs no more memory than a short one.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from monitor.app.wave_review import DISCLOSURE_S, WAVE_ORDER, WaveReader, WaveWindow
from monitor.timefmt import clock_text
from monitor.ui import theme

_WAVE_LOOK = {  # label, unit, colour (the parameter's own: ECG as HR, pleth as SpO2, capnogram as EtCO2)
    "ECG_II": ("ECG II", "mV", theme.HR),
    "PLETH": ("Pleth", "%", theme.SPO2),
    "CO2": ("CO₂", "mmHg", theme.ETCO2),
}


class WaveDisclosure(QWidget):
    """Three stacked plots of the stored waves around `centre` (x: seconds from it; 0 is the alarm or entry)."""

    def __init__(self, reader: WaveReader | None, session_start: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wave_disclosure")
        self.reader, self.session_start = reader, session_start
        self.shown: WaveWindow | None = None
        self.centre: float | None = None
        self.title = QLabel()
        self.title.setObjectName("wave_title")
        self.minute = QSpinBox()
        self.minute.setObjectName("wave_minute")
        self.minute.setPrefix("minute ")
        self.go = QPushButton("Show waves")
        self.go.clicked.connect(lambda: self.show_minute(self.minute.value()))
        span = reader.span() if reader is not None else None
        self.minute.setRange(0, 0 if span is None else int((span[1] - session_start) // 60))
        self.minute.setEnabled(span is not None)
        self.go.setEnabled(span is not None)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(QLabel("Go to"))
        bar.addWidget(self.minute)
        bar.addWidget(self.go)
        self.plots = pg.GraphicsLayoutWidget()
        self.curves: dict[str, pg.PlotDataItem] = {}
        first: pg.PlotItem | None = None
        for row, wave in enumerate(WAVE_ORDER):
            label, unit, colour = _WAVE_LOOK[wave]
            plot = self.plots.addPlot(row=row, col=0)
            plot.setLabel("left", label, units=None)
            plot.getAxis("left").setWidth(60)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setXRange(-DISCLOSURE_S, DISCLOSURE_S, padding=0)
            plot.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen(theme.LIMIT_MARK, style=Qt.PenStyle.DashLine)))
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            plot.setToolTip(f"{label} ({unit})")
            self.curves[wave] = plot.plot(pen=pg.mkPen(colour, width=1), connect="finite")
        self.plots.getItem(len(WAVE_ORDER) - 1, 0).setLabel("bottom", "s from the chosen moment")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.plots, 1)
        self._say(
            "Waves: click an alarm or an entry to see its 30 s before and after"
            if span is not None
            else "No waves stored for this session"
            if reader is not None
            else "The waves are kept on the desk that recorded this session"
        )

    def _say(self, text: str) -> None:
        self.title.setText(text)

    def show_minute(self, minute: int) -> WaveWindow | None:
        """Jump to minute `minute` of the session: its waves from that minute's start, 30 s either side."""
        return self.show_around(self.session_start + 60.0 * minute + DISCLOSURE_S)

    def show_around(self, t: float, what: str = "") -> WaveWindow | None:
        """Read and draw the waves of 30 s before and after `t`; None when the session has no stored waves."""
        if self.reader is None:
            return None
        window = self.reader.around(t)
        self.centre, self.shown = t, window
        self.minute.setValue(max(0, int((t - self.session_start) // 60)))  # where "Go to" starts from next
        for wave, curve in self.curves.items():
            x, y = _joined(window, wave, t)
            curve.setData(x, y)
        head = f"Waves {clock_text(window.start)}–{clock_text(window.end)}"
        note = " — no waves stored in this window" if window.empty else ""
        self._say(f"{head}, around {what or clock_text(t)}{note}")
        return window


def _joined(window: WaveWindow, wave: str, centre: float) -> tuple[np.ndarray, np.ndarray]:
    """A wave's stretches as one curve (x: s from `centre`), a NaN between stretches so a gap is drawn as one."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for stretch in window.waves.get(wave, []):
        if xs:
            xs.append(np.array([xs[-1][-1]]))
            ys.append(np.array([np.nan], dtype=np.float32))
        xs.append(stretch.times() - centre)
        ys.append(stretch.values)
    if not xs:
        return np.empty(0), np.empty(0, dtype=np.float32)
    return np.concatenate(xs), np.concatenate(ys)
