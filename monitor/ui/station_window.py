"""StationWindow: the nurse station's overview of every chair, and each chair's full workspace one click away.

GUI thread. Each chair has its own MainWindow (its workspace, facade, link, alarms), kept in a stack; the overview
reads them once a second into compact cards. A station-wide alarm bar lists the highest-priority alarms of every
chair. One chair's trouble shows on its own card; the others keep updating.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from monitor.app.chair import ChairConfig
from monitor.app.device_door import PROTOCOL_NAMES, PortPolicy, PortRefused, check_port, list_ports
from monitor.app.live_chair import LiveChair
from monitor.app.station import save_station
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.currency import Currency, ShownValue
from monitor.clinical.infusion import InfusionState
from monitor.clinical.schedule import CheckStatus
from monitor.timefmt import hm_text, hms
from monitor.ui import theme
from monitor.ui.alarm_bar import COLOURS, TEXT_ON
from monitor.ui.main_window import MainWindow, confirm_close
from monitor.ui.style import show
from monitor.ui.text import plain
from monitor.wording import count

SPARK_WINDOW_S = 30 * 60.0  # the card's small trend: the last half hour of HR
CARD_REFRESH_MS = 1000
SHOWN_ALARMS = 4
NOT_CURRENT = theme.NOT_CURRENT


class ChairCard(QWidget):
    sigOpen = Signal(int)

    def __init__(self, index: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName(f"chair_card_{index}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # so the style sheet's frame is painted
        self.title = plain(QLabel(name))
        self.title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.who = plain(QLabel(""))
        self.state = QLabel("")
        self.numbers = QLabel("")
        self.numbers.setStyleSheet("font-size: 22px; font-weight: bold; font-family: monospace;")
        self.numbers.setTextFormat(Qt.TextFormat.RichText)  # a value that is not current is greyed in place
        self.numbers.setWordWrap(True)  # reasons beside the values may be long: they wrap, the window never widens
        self.check = QLabel("")
        self.alarm = plain(QLabel(""))
        self.alarm.setWordWrap(True)
        self.spark = pg.PlotWidget(background=theme.PANEL)
        self.spark.setMaximumHeight(70)
        self.spark.hideAxis("bottom")
        self.spark.hideAxis("left")
        self.spark.setMouseEnabled(False, False)
        self.spark.hideButtons()
        self.spark.setYRange(30, 180, padding=0)
        self.spark.disableAutoRange()
        self.spark.setMenuEnabled(False)
        self.curve = self.spark.plot(pen=pg.mkPen(theme.HR, width=1), connect="finite")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        for widget in (self.title, self.who, self.state, self.numbers, self.spark, self.check, self.alarm):
            layout.addWidget(widget)
        self._drawn = -1
        self._frame = ""

    def reset(self) -> None:
        """A new patient at this chair: the small trend starts again."""
        self._drawn = -1
        self.curve.setData([], [])

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.sigOpen.emit(self.index)
        super().mousePressEvent(event)

    def update_from(self, live: LiveChair, now: float) -> None:
        """Everything from the chair's live model (monitor.app.live_chair): never from its workspace's widgets."""
        values, patient = live.values, live.patient
        who = f"Patient {_initials(patient.name)}" if patient else "No patient assigned"
        show(self.who, f"{who} · nurse {live.nurse or '—'}", "")
        s = live.infusion(now)
        if s.state is InfusionState.NOT_STARTED:
            state = "Infusion not started"
        else:
            rate = f" {s.rate_mg_kg_h:g} mg/kg/h" if s.state is InfusionState.RUNNING else ""
            state = f"{s.state.value.capitalize()}{rate} · {hms(s.elapsed_s(now))} · {s.total_mg:.0f} mg"
        show(self.state, state, "")
        nibp = values.nibp(now)
        link = values.receiving  # while the monitor is not sending, the card says so once, not beside each value
        parts = [
            _shown("HR", values.shown("HR", now), per_value=link),
            _shown("SpO₂", values.shown("SPO2", now), per_value=link),
            _shown("NIBP", nibp.sys, nibp.text, per_value=link),
            _shown("RR", values.shown("RR", now), per_value=link),
        ]
        silent = "" if link else f" <span style='color: {NOT_CURRENT}'>(monitor not sending)</span>"
        text = "&nbsp; ".join(parts) + silent
        show(self.numbers, text, "font-size: 22px; font-weight: bold; font-family: monospace;")
        self._spark(live, now)
        self._check(live, now)
        self._alarm(live)

    def _spark(self, live: LiveChair, now: float) -> None:
        values = live.values
        if values.version == self._drawn:
            return
        self._drawn = values.version
        points = np.array(values.history("HR"), dtype=float).reshape(-1, 2)  # the holder keeps the last half hour
        self.curve.setData(points[:, 0], points[:, 1])
        self.spark.setXRange(now - SPARK_WINDOW_S, now, padding=0)

    def _check(self, live: LiveChair, now: float) -> None:
        discharge = live.service.discharge()
        if discharge is not None:  # closed: no check is due any more
            show(self.check, f"Discharged {hm_text(discharge.t)} by {discharge.original.initials}", "")
            return
        check, _missed = live.next_check(now)
        if check is None:
            show(self.check, "", "")
        elif check.status is CheckStatus.OVERDUE:
            show(
                self.check, f"CHECK OVERDUE since {hm_text(check.due_at)}", theme.ERROR_BOLD_STYLE
            )
        else:
            left = int(check.due_at - now)
            when = f"in {left // 60} min" if left > 0 else "due now"
            show(self.check, f"Next check {hm_text(check.due_at)} ({when})", "")

    def _alarm(self, live: LiveChair) -> None:
        alarms = live.alarms()
        top = alarms[0] if alarms else None
        disconnected = not live.receiving and live.link_state is not None
        text = top.message if top else ("Monitor not sending" if disconnected else "")
        show(self.alarm, text, "font-weight: bold;")
        frame = COLOURS[top.priority] if top else (theme.LINK_SILENT if disconnected else theme.BORDER)
        if frame != self._frame:
            self._frame = frame
            self.setStyleSheet(
                f"ChairCard {{ background: {theme.PANEL}; border: 3px solid {frame}; border-radius: 6px; }}"
                f"QLabel {{ color: {theme.CARD_TEXT}; }}"
            )


def _initials(name: str) -> str:
    """A patient's initials for the overview (the full name stays in the chair's workspace)."""
    return ".".join(part[0].upper() for part in name.split() if part) + "."


def _shown(label: str, shown: ShownValue, text: str | None = None, per_value: bool = True) -> str:
    """One value on the card, by the currency rule: bright when current; grey with its age when stale; "--" with
    the reason when invalid (rich text: the card is one label). `per_value`: False when one reason holds for every
    value (the monitor not sending) and the card states it once."""
    if shown.current:
        return f"{label} {escape(text or shown.text)}"
    if shown.currency is Currency.STALE:
        return f"<span style='color: {NOT_CURRENT}'>{label} {escape(text or shown.text)} ({shown.note})</span>"
    note = f" ({escape(shown.note)})" if shown.note and per_value else ""
    return f"<span style='color: {NOT_CURRENT}'>{label} --{note}</span>"


class StationWindow(QMainWindow):
    def __init__(self, windows: list[MainWindow], configs: list[ChairConfig], policy: PortPolicy | None = None) -> None:
        """`policy`: the ports the clinic allows, for the port assignments (monitor.devices.port_policy)."""
        super().__init__()
        self.policy = policy or PortPolicy()
        self.setWindowTitle(f"Infusion Station Monitor — station, {count(len(windows), 'chair')}")
        self.windows = windows
        self.configs = configs
        self.stack = QStackedWidget()
        overview = QWidget()
        self.standing = plain(QLabel(""))  # standing conditions (no alarm sound), apart from the rotating alarm lines
        self.standing.setObjectName("station_standing")
        self.standing.setWordWrap(True)
        self.alarm_lines = [plain(QLabel("")) for _ in range(SHOWN_ALARMS)]
        grid = QGridLayout()
        self.cards: list[ChairCard] = []
        for i, (window, config) in enumerate(zip(windows, configs, strict=True)):
            card = ChairCard(i, config.name)
            card.sigOpen.connect(self.open_chair)
            grid.addWidget(card, i // 4, i % 4)
            self.cards.append(card)
            window.setWindowFlags(Qt.WindowType.Widget)  # a page of the stack, not a window of its own
            self.stack.addWidget(window)
        layout = QVBoxLayout(overview)
        layout.addWidget(self.standing)
        for line in self.alarm_lines:
            line.setObjectName("station_alarm")
            layout.addWidget(line)
        layout.addLayout(grid, 1)
        self.stack.insertWidget(0, overview)
        self.stack.setCurrentIndex(0)  # inserting does not change the current page: the first chair's
        self.back = QPushButton("◀ Station overview")
        self.back.setObjectName("back_to_station")
        self.back.clicked.connect(self.show_overview)
        self.back.hide()
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.back)
        top.addStretch(1)
        body_layout.addLayout(top)
        body_layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        menu = self.menuBar().addMenu("Station")
        assign = QAction("Assign ports to chairs…", self)
        assign.triggered.connect(self.open_ports)
        menu.addAction(assign)
        self.ports_dialog: StationPortsDialog | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(CARD_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.resize(1600, 980)
        self.refresh()

    def replace_window(self, new: MainWindow, old: MainWindow) -> None:
        """The chair's next patient: `new` takes the place of `old` (its page, its card); the old one goes."""
        index = self.windows.index(old)
        new.setWindowFlags(Qt.WindowType.Widget)
        showing = self.stack.currentWidget() is old
        self.stack.insertWidget(index + 1, new)
        self.stack.removeWidget(old)
        self.windows[index] = new
        if showing:
            self.stack.setCurrentWidget(new)
        self.cards[index].reset()
        old.deleteLater()
        self.refresh()

    def unfinished(self) -> list[str]:
        """One line per chair a close would leave with an unfinished (open) session."""
        lines = []
        for window, config in zip(self.windows, self.configs, strict=True):
            parts = window.unfinished()
            if parts:
                lines.append(f"{config.name}: " + "; ".join(parts))
        return lines

    def closeEvent(self, event: QCloseEvent) -> None:
        if confirm_close(self, self.unfinished()):
            event.accept()
        else:
            event.ignore()

    def open_chair(self, index: int) -> None:
        self.stack.setCurrentIndex(index + 1)
        self.back.show()
        self.back.setText(f"◀ Station overview ({self.configs[index].name})")

    def show_overview(self) -> None:
        self.stack.setCurrentIndex(0)
        self.back.hide()

    def refresh(self) -> None:
        ranked = []
        for i, (window, card) in enumerate(zip(self.windows, self.cards, strict=True)):
            live = window.workspace.live  # the chair's live model, not its widgets
            now = window.workspace.clock.now()
            card.update_from(live, now)
            for alarm in live.alarms():
                ranked.append((-alarm.priority, -alarm.onset, i, alarm))
        ranked.sort(key=lambda r: r[:3])
        self._show_standing()
        for k, line in enumerate(self.alarm_lines):
            line.setVisible(k == 0 or k < len(ranked))  # one quiet line when nothing alarms
            if k < len(ranked):
                _p, _o, i, alarm = ranked[k]
                text = f"{self.configs[i].name} · {alarm.message} ({alarm.priority.name.lower()})"
                style = f"background: {COLOURS[alarm.priority]}; color: {TEXT_ON[alarm.priority]};"
                show(line, text, style + " font-size: 17px; font-weight: bold; padding: 2px;")
            else:
                quiet = k == 0
                show(line, "No active alarms at the station" if quiet else "", theme.NOT_CURRENT_STYLE if quiet else "")

    def _show_standing(self) -> None:
        chairs: dict[str, list[str]] = {}  # one line per condition, naming the chairs it holds for
        for window, config in zip(self.windows, self.configs, strict=True):
            for alarm in window.workspace.live.standing():
                chairs.setdefault(alarm.message, []).append(config.name)
        text = "\n".join(f"{', '.join(names)} · TECHNICAL · {message}" for message, names in chairs.items())
        style = f"background: {COLOURS[AlarmPriority.MEDIUM]}; color: black; font-size: 17px; font-weight: bold;"
        show(self.standing, text, style + " padding: 2px;")
        self.standing.setVisible(bool(chairs))

    def highest_alarm(self) -> AlarmPriority | None:
        levels = [a.priority for w in self.windows for a in w.workspace.live.alarms()]
        return max(levels, default=None)

    def open_ports(self) -> StationPortsDialog:
        self.ports_dialog = StationPortsDialog(self.configs, self, self.policy)
        self.ports_dialog.open()
        return self.ports_dialog


class StationPortsDialog(QDialog):
    """Which serial port (or URL) and protocol each chair uses; saved for the station's next start."""

    def __init__(
        self, configs: list[ChairConfig], parent: QWidget | None = None, policy: PortPolicy | None = None
    ) -> None:
        super().__init__(parent)
        self.policy = policy or PortPolicy()
        self.setWindowTitle("Assign ports to chairs")
        self.configs = configs
        self.table = QTableWidget(len(configs), 3)
        self.table.setObjectName("station_ports")
        self.table.setHorizontalHeaderLabels(("Chair", "Port or URL", "Protocol"))
        ports = [p.device for p in list_ports()]
        self.port_boxes: list[QComboBox] = []
        self.protocol_boxes: list[QComboBox] = []
        for row, config in enumerate(configs):
            self.table.setCellWidget(row, 0, plain(QLabel(config.name)))
            port = QComboBox()
            port.setEditable(True)  # a URL (socket://, rfc2217://) can be typed
            port.addItem("(built-in simulated monitor)", None)
            for device in ports:
                port.addItem(device, device)
            if config.port:
                port.setCurrentText(config.port)
            self.table.setCellWidget(row, 1, port)
            protocol = QComboBox()
            protocol.addItems(PROTOCOL_NAMES)
            protocol.setCurrentText(config.protocol)
            self.table.setCellWidget(row, 2, protocol)
            self.port_boxes.append(port)
            self.protocol_boxes.append(protocol)
        self.table.resizeColumnsToContents()
        self.note = plain(QLabel("Saved for the station; they take effect at its next start."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(700, 420)

    def chosen(self) -> list[ChairConfig]:
        out = []
        for config, port, protocol in zip(self.configs, self.port_boxes, self.protocol_boxes, strict=True):
            text = port.currentText().strip()
            device = None if text.startswith("(built-in") or not text else text
            out.append(
                ChairConfig(
                    config.name,
                    device,
                    protocol.currentText(),
                    config.baudrate,
                    config.scenario,
                    config.speed,
                    config.seed,
                )
            )
        return out

    def accept(self) -> None:
        chosen = self.chosen()
        try:
            for config in chosen:
                if config.port is not None:
                    check_port(config.port, self.policy, f"port picker, {config.name}")
        except PortRefused as exc:
            self.note.setText(str(exc))  # nothing saved: the nurse corrects the port or cancels
            return
        path = save_station(chosen)
        self.note.setText(f"Saved to {path}")
        super().accept()
