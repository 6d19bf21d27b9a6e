"""RemoteWorkspace: a chair recorded at another desk, opened from the station overview: live and read-only.

GUI thread. Shows what the remote chair's Qt-free model holds (monitor.app.remote_chair.RemoteChair): the same
numerics tiles by the same currency rule, the active alarms with their state at the recording desk, the infusion,
and the session's entries. It has no entry form, no acknowledge, no discharge and no correction: the record is
written only at the desk that records the session, and its banner says so ("recorded at desk-b — read-only").
The station refreshes it with the cards, once a second, from the model.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from monitor.app.remote_chair import RemoteChair
from monitor.clinical.alarms import AlarmStatus
from monitor.clinical.infusion import InfusionState
from monitor.timefmt import hm_text, minutes_text
from monitor.ui import theme
from monitor.ui.alarm_bar import COLOURS, TEXT_ON
from monitor.ui.station_card import SPARK_WINDOW_S, _initials
from monitor.ui.stylesheet import set_role
from monitor.ui.text import plain
from monitor.ui.tiles import TILES, NumericTile, render_tiles
from monitor.ui.timeline import TimelineList
from monitor.wording import param_label

SHOWN_ALARMS = 4
TILE_MAX_PX = 150
TREND_PARAMS = {"HR": (theme.HR, (30.0, 180.0)), "SPO2": (theme.SPO2, (70.0, 100.0))}  # the card's trend, larger


class RemoteTrend(pg.GraphicsLayoutWidget):
    """HR and SpO₂ of the last half hour (what the remote model keeps), one chart each on wall time; fixed ranges,
    1-px pens, redrawn only when a newer point has come (as the station card's trend)."""

    def __init__(self) -> None:
        super().__init__()
        self.setBackground(theme.PANEL)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.plots: list[pg.PlotItem] = []
        for row, (param, (colour, (low, high))) in enumerate(TREND_PARAMS.items()):
            plot = self.addPlot(row=row, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
            plot.setYRange(low, high, padding=0)
            plot.disableAutoRange()
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.setLabel("left", param_label(param))
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            self.curves[param] = plot.plot(pen=pg.mkPen(colour, width=1), connect="finite")
            if self.plots:
                plot.setXLink(self.plots[0])
            self.plots.append(plot)
        self._drawn_to: float | None = None

    def update_from(self, remote: RemoteChair, now: float) -> None:
        newest = max((t for t in map(remote.values.history_end, TREND_PARAMS) if t is not None), default=None)
        if newest is not None and newest != self._drawn_to:
            self._drawn_to = newest
            for param, curve in self.curves.items():
                data = np.array(remote.values.history(param), dtype=float).reshape(-1, 2)
                curve.setData(data[:, 0], data[:, 1])
        self.plots[0].setXRange(now - SPARK_WINDOW_S, now, padding=0)


class RemoteWorkspace(QWidget):
    def __init__(self, remote: RemoteChair, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.remote = remote
        self.setObjectName("remote_workspace")
        self.banner = plain(QLabel(""))
        self.banner.setObjectName("remote_banner")
        self.banner.setWordWrap(True)
        set_role(self.banner, "remote-banner")
        self.hub = plain(QLabel(""))
        self.hub.setObjectName("remote_hub")
        set_role(self.hub, "banner")
        self.tiles = {spec.key: NumericTile(spec) for spec in TILES}
        self.alarm_lines = [plain(QLabel("")) for _ in range(SHOWN_ALARMS)]
        for line in self.alarm_lines:
            line.setObjectName("remote_alarm")
            set_role(line, "remote-line")
        self.infusion = plain(QLabel(""))
        self.infusion.setObjectName("remote_infusion")
        set_role(self.infusion, "remote-line")
        self.trend = RemoteTrend()
        self.timeline = TimelineList()
        for button in (self.timeline.amend_button, self.timeline.strike_button):
            button.hide()  # corrections are made at the recording desk
            button.setEnabled(False)
        tiles = QHBoxLayout()
        for tile in self.tiles.values():
            tile.setMaximumHeight(TILE_MAX_PX)  # the trend and the entries get the rest of a small screen
            tiles.addWidget(tile)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.hub)
        layout.addLayout(tiles, 1)
        for line in self.alarm_lines:
            layout.addWidget(line)
        layout.addWidget(self.infusion)
        layout.addWidget(self.trend, 2)
        layout.addWidget(self.timeline, 1)
        self._entries_shown: list[tuple[int, int, bool]] | None = None

    def update_from(self, now: float) -> None:
        r = self.remote
        patient = f"{_initials(r.patient.name)}" if r.patient else "no patient assigned"
        self.banner.setText(
            f"{r.chair} · {patient} · {r.read_only_text}: entries, acknowledging alarms and discharge are done at "
            f"{r.desk} (session {r.session.id}, started {hm_text(r.session.started_at)})"
        )
        self.hub.setText(r.hub_lost)
        self.hub.setVisible(bool(r.hub_lost))
        render_tiles(self.tiles, r.values, now)
        alarms = r.alarms()
        for k, line in enumerate(self.alarm_lines):
            if k < len(alarms):
                a = alarms[k]
                state = {AlarmStatus.ACKNOWLEDGED: "acknowledged", AlarmStatus.LATCHED: "latched"}.get(a.status, "")
                state = f", {state} at {r.desk}" if state else ""
                line.setText(f"{a.message} ({a.priority.name.lower()}{state}) since {hm_text(a.onset)}")
                line.setStyleSheet(f"background: {COLOURS[a.priority]}; color: {TEXT_ON[a.priority]};")
            else:
                line.setText("No active alarms" if k == 0 else "")
                line.setStyleSheet("")
        self.infusion.setText(_infusion_text(r, now))
        self.trend.update_from(r, now)
        views = r.views()
        shown = [(v.id, v.current.id, v.struck) for v in views]
        if shown != self._entries_shown:  # redrawn on a change only (it keeps the nurse's selection and scroll)
            self._entries_shown = shown
            self.timeline.set_entries(views)


def _infusion_text(r: RemoteChair, now: float) -> str:
    s = r.infusion(now)
    if s.state is InfusionState.NOT_STARTED:
        return "Infusion not started"
    rate = f" {s.rate_mg_kg_h:g} mg/kg/h" if s.state is InfusionState.RUNNING else ""
    return f"Infusion {s.state.value}{rate} · {minutes_text(s.elapsed_s(now))} · {s.total_mg:.0f} mg"
