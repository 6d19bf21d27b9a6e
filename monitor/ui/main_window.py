"""The first monitor window: live numerics tiles and the link state, readable at arm's length.

GUI thread only. It listens to a SessionFacade; the workspace issue replaces the body with charts and the
timeline, and keeps these tiles.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from monitor.devices.events import DeviceStatus, Sample, SampleFlag
from monitor.devices.link import LinkEvent, LinkState
from monitor.params import format_value
from monitor.ui.facade import SessionFacade

STALE_AFTER_S = 30.0  # a continuous parameter not refreshed for this long is shown dimmed
NIBP_STALE_AFTER_S = 20 * 60.0  # a cuff reading is intermittent by nature; dim only when very old


@dataclass(frozen=True)
class TileSpec:
    key: str
    title: str
    unit: str
    colour: str
    params: tuple[str, ...]


TILES = (
    TileSpec("hr", "HR", "/min", "#3ddc84", ("HR",)),
    TileSpec("spo2", "SpO₂", "%", "#4fc3f7", ("SPO2", "PR")),
    TileSpec("nibp", "NIBP", "mmHg", "#eeeeee", ("NIBP_SYS", "NIBP_DIA", "NIBP_MEAN")),
    TileSpec("rr", "RR", "/min", "#ffd54f", ("RR",)),
    TileSpec("etco2", "EtCO₂", "mmHg", "#ffd54f", ("ETCO2",)),
    TileSpec("temp", "Temp", "°C", "#eeeeee", ("TEMP1",)),
)

_LINK_TEXT = {
    LinkState.CONNECTING: ("Connecting to monitor…", "#455a64"),
    LinkState.RECEIVING: ("Receiving", "#1b5e20"),
    LinkState.SILENT: ("Monitor silent", "#e65100"),
    LinkState.DISCONNECTED: ("MONITOR DISCONNECTED", "#b71c1c"),
    LinkState.STOPPED: ("Stopped", "#455a64"),
}


class NumericTile(QFrame):
    def __init__(self, spec: TileSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"tile_{spec.key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("NumericTile { background: #101418; border: 1px solid #263238; border-radius: 6px; }")
        self.title = QLabel(f"{spec.title}  <span style='font-size:14px'>{spec.unit}</span>")
        self.value = QLabel("--")
        self.value.setObjectName(f"value_{spec.key}")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.detail = QLabel("")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.detail)
        self._detail_base = ""
        self.updated_at: float | None = None
        self.sample_time: float | None = None
        self._paint(dim=True)

    def _paint(self, dim: bool) -> None:
        self.dimmed = dim
        colour = "#5f6b73" if dim else self.spec.colour
        base = f"color: {colour}; background: transparent;"
        self.title.setStyleSheet(f"{base} font-size: 20px; font-weight: bold;")
        self.value.setStyleSheet(f"{base} font-size: 64px; font-weight: bold;")
        self.detail.setStyleSheet(f"{base} font-size: 16px;")

    def show_values(self, text: str, detail: str, sample_time: float, now: float, live: bool) -> None:
        self.value.setText(text)
        self.sample_time = sample_time
        self.updated_at = now
        self._detail_base = detail
        self.refresh_age(now, live)

    def refresh_age(self, now: float, live: bool) -> None:
        """Dim the tile when its value is old, or at once when the monitor is not sending: a bright number
        must always be a current one."""
        if self.updated_at is None:
            return
        limit = NIBP_STALE_AFTER_S if self.spec.key == "nibp" else STALE_AFTER_S
        age = now - self.updated_at
        parts = [p for p in (self._detail_base, _age_text(age) if age >= 5 else "") if p]
        self.detail.setText("  ·  ".join(parts))
        self._paint(dim=not live or age > limit)


def _age_text(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    return f"{seconds / 60:.0f} min ago"


class MainWindow(QMainWindow):
    def __init__(self, facade: SessionFacade, source: str) -> None:
        super().__init__()
        self.setWindowTitle(f"Infusion Station Monitor — {source}")
        self.facade = facade
        self.latest: dict[str, Sample] = {}
        self.link_label = QLabel("Connecting to monitor…")
        self.link_label.setObjectName("link_state")
        self.link_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.link_label.setWordWrap(True)
        self.status_label = QLabel("")
        self.status_label.setObjectName("device_status")
        self.status_label.setStyleSheet("color: #ffb74d; font-size: 18px;")
        self.tiles = {spec.key: NumericTile(spec) for spec in TILES}
        grid = QGridLayout()
        for i, tile in enumerate(self.tiles.values()):
            grid.addWidget(tile, i // 3, i % 3)
        body = QWidget()
        body.setStyleSheet("background: #000000;")
        layout = QVBoxLayout(body)
        layout.addWidget(self.link_label)
        layout.addWidget(self.status_label)
        layout.addLayout(grid, 1)
        self.setCentralWidget(body)
        self._link_event: LinkEvent | None = None
        self._live = False  # the monitor is sending right now
        self._set_link(LinkState.CONNECTING, "")
        facade.sigSamples.connect(self._on_samples)
        facade.sigLinkState.connect(self._on_link)
        facade.sigDeviceStatus.connect(self._on_status)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self.resize(1100, 640)

    def _set_link(self, state: LinkState, detail: str) -> None:
        text, colour = _LINK_TEXT[state]
        self.link_label.setText(f"{text}  {detail}".strip())
        self.link_label.setStyleSheet(
            f"background: {colour}; color: white; font-size: 22px; font-weight: bold; padding: 6px;"
        )

    @Slot(list)
    def _on_samples(self, samples: list[Sample]) -> None:
        for s in samples:
            self.latest[s.param] = s
        now = time.monotonic()
        touched = {s.param for s in samples}
        for spec in TILES:
            if touched.intersection(spec.params):
                self._update_tile(spec, now)

    def _update_tile(self, spec: TileSpec, now: float) -> None:
        tile, latest = self.tiles[spec.key], self.latest
        first = latest.get(spec.params[0])
        if first is None:
            return
        if spec.key == "nibp":
            sys_, dia, mean = (latest.get(p) for p in spec.params)
            text = f"{format_value('NIBP_SYS', sys_.value) if sys_ else '--'}/" + (
                format_value("NIBP_DIA", dia.value) if dia else "--"
            )
            detail = f"({format_value('NIBP_MEAN', mean.value)})" if mean else ""
            if first.flags & SampleFlag.NIBP_MEASURING:
                detail = f"{detail} measuring…".strip()
        else:
            text = format_value(first.param, first.value)
            detail = ""
            if spec.key == "spo2" and "PR" in latest:
                detail = f"PR {format_value('PR', latest['PR'].value)}"
        tile.show_values(text, detail, first.time, now, self._live)

    @Slot(object)
    def _on_link(self, event: LinkEvent) -> None:
        self._link_event = event
        self._render_link()

    def _render_link(self) -> None:
        event = self._link_event
        if event is None:
            return
        detail = ""
        if event.state is LinkState.SILENT:
            detail = f"for {time.time() - event.since:.0f} s — check that the monitor's data output is on"
        elif event.state is LinkState.DISCONNECTED:
            since = datetime.fromtimestamp(event.since).strftime("%H:%M:%S")
            detail = f"since {since} — check the cable to {event.port}"
        self._set_link(event.state, detail)
        self.link_label.setToolTip(event.detail)  # the technical reason, for IT, without crowding the banner
        live = event.state is LinkState.RECEIVING
        if live != self._live:
            self._live = live
            now = time.monotonic()
            for tile in self.tiles.values():
                tile.refresh_age(now, live)

    @Slot(object)
    def _on_status(self, status: DeviceStatus) -> None:
        parts = sorted(c.value for c in status.conditions)
        parts += [f"{param} {state.value}" for param, state in status.unavailable]
        self.status_label.setText(("Monitor reports: " + ", ".join(parts)) if parts else "")

    @Slot()
    def _tick(self) -> None:
        now = time.monotonic()
        for tile in self.tiles.values():
            tile.refresh_age(now, self._live)
        if self._link_event is not None and self._link_event.state in (LinkState.SILENT, LinkState.DISCONNECTED):
            self._render_link()
