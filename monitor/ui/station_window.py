"""StationWindow: the nurse station's overview of every chair, and each chair's full workspace one click away.

GUI thread. Each chair has its own MainWindow (its workspace, facade, link, alarms), kept in a stack; the overview
reads each chair's live model once a second into its card (monitor.ui.station_card), in a grid of equal cards that
fills the window. A station-wide alarm bar lists the highest-priority alarms of every chair. One chair's trouble
shows on its own card; the others keep updating. Nothing shown resizes the window or moves the cards: the alarm
lines and the standing condition have fixed heights, and the cards ignore their contents' sizes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFontMetrics
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
from monitor.app.desk_settings import SettingsRefused
from monitor.app.device_door import PROTOCOL_NAMES, PortPolicy, PortRefused, check_port, list_ports
from monitor.app.hub_watch import OtherDesks
from monitor.app.settings_approval import DeskAdmin
from monitor.app.station import save_station
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.ui import theme
from monitor.ui.accounts_dialog import StaffAccountsAction
from monitor.ui.alarm_bar import COLOURS, TEXT_ON
from monitor.ui.main_window import MainWindow, confirm_close
from monitor.ui.remote_cards import RemoteCards
from monitor.ui.station_card import ChairCard
from monitor.ui.style import show
from monitor.ui.text import plain
from monitor.wording import count

CARD_REFRESH_MS = 1000
SHOWN_ALARMS = 4
ALARM_LINE_PX = 17
DEFAULT_SIZE = (1600, 980)  # where no screen is known


class StationWindow(QMainWindow):
    def __init__(
        self,
        windows: list[MainWindow],
        configs: list[ChairConfig],
        policy: PortPolicy | None = None,
        others: OtherDesks | None = None,
    ) -> None:
        """`policy`: the ports the clinic allows, for the port assignments (monitor.devices.port_policy). `others`:
        the other desks' chairs, read-only cards below this desk's (None: not shown)."""
        super().__init__()
        self.others = others
        self._remote_names: list[str] = []
        self.remote = RemoteCards(others, self._open_remote) if others is not None else None
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
        columns = max(1, min(4, len(windows)))  # a viewing station may have no chair of its own
        for i, (window, config) in enumerate(zip(windows, configs, strict=True)):
            card = ChairCard(i, config)
            card.sigOpen.connect(self.open_chair)
            grid.addWidget(card, i // columns, i % columns)
            self.cards.append(card)
            window.setWindowFlags(Qt.WindowType.Widget)  # a page of the stack, not a window of its own
            self.stack.addWidget(window)
        for column in range(columns):
            grid.setColumnStretch(column, 1)  # equal widths, whatever each card shows
        for row in range((len(windows) + columns - 1) // columns):
            grid.setRowStretch(row, 1)
        layout = QVBoxLayout(overview)
        layout.addWidget(self._alarm_area())
        local_rows = (len(windows) + columns - 1) // columns
        layout.addLayout(grid, local_rows)
        if self.remote is not None:
            layout.addWidget(self.remote, max(1, local_rows // 2))  # this desk's chairs keep the larger share
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
        # The desk is the chairs' (one per station); an administrator's only, checked again at each refresh.
        self.accounts_action = StaffAccountsAction(
            self, lambda: next((w.workspace.desk for w in self.windows if w.workspace.desk is not None), None)
        )
        menu.addAction(self.accounts_action)
        self.ports_dialog: StationPortsDialog | None = None
        self.admin: DeskAdmin | None = None  # the program's: station.json is saved by a signed-in administrator
        self._timer = QTimer(self)
        self._timer.setInterval(CARD_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._place()
        self.refresh()

    def _alarm_area(self) -> QWidget:
        """The standing conditions (two lines) and the alarm lines, each of fixed height, in a box of fixed height:
        alarms coming and going never move the cards below."""
        area = QWidget()
        box = QVBoxLayout(area)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        font = self.standing.font()
        font.setPixelSize(ALARM_LINE_PX)
        font.setBold(True)
        line = QFontMetrics(font).height() + 4  # + the padding of the lines' style
        self.standing.setFixedHeight(2 * line)
        box.addWidget(self.standing)
        for label in self.alarm_lines:
            label.setObjectName("station_alarm")
            label.setFixedHeight(line)
            box.addWidget(label)
        box.addStretch(1)
        area.setFixedHeight(2 * line + SHOWN_ALARMS * line + SHOWN_ALARMS * 2 + 2)
        return area

    def _place(self) -> None:
        """Maximised: the overview is read across the room and its cards take the whole desk, within the screen's
        available area whatever its size."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        self.resize(screen.size() if screen is not None else QSize(*DEFAULT_SIZE))  # the same without a window manager
        self.setWindowState(Qt.WindowState.WindowMaximized)

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

    def _open_remote(self, page: QWidget, title: str) -> None:
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.back.show()
        self.back.setText(f"◀ Station overview ({title})")

    def refresh(self) -> None:
        self.accounts_action.refresh()
        ranked = []
        for i, (window, card) in enumerate(zip(self.windows, self.cards, strict=True)):
            live = window.workspace.live  # the chair's live model, not its widgets
            now = window.workspace.clock.now()
            card.update_from(live, now)
            for alarm in live.alarms():
                ranked.append((-alarm.priority, -alarm.onset, i, alarm))
        if self.remote is not None:
            ranked += self._refresh_remote(len(self.windows))
        ranked.sort(key=lambda r: r[:3])
        self._show_standing()
        for k, line in enumerate(self.alarm_lines):  # each keeps its place, empty when there is no k-th alarm
            if k < len(ranked):
                _p, _o, i, alarm = ranked[k]
                where = self.configs[i].name if i < len(self.configs) else self._remote_names[i - len(self.configs)]
                text = f"{where} · {alarm.message} ({alarm.priority.name.lower()})"
                style = f"background: {COLOURS[alarm.priority]}; color: {TEXT_ON[alarm.priority]};"
                show(line, text, style + f" font-size: {ALARM_LINE_PX}px; font-weight: bold; padding: 2px;")
            else:
                quiet = k == 0
                show(line, "No active alarms at the station" if quiet else "", theme.NOT_CURRENT_STYLE if quiet else "")

    def _refresh_remote(self, first: int) -> list[tuple]:
        """The other desks' cards and open page; their high-priority alarms for the bar when the clinic says so
        (numbered after this desk's chairs; they never sound here: monitor.app.hub_watch.OtherDesks)."""
        assert self.remote is not None and self.others is not None
        for page in self.remote.refresh():  # its session ended or was discharged at its desk
            if self.stack.currentWidget() is page:
                self.show_overview()
            self.stack.removeWidget(page)
            page.deleteLater()
        self._remote_names = []
        ranked = []
        if self.others.alarms:
            for chair, alarm in self.others.model.alarms():
                i = first + len(self._remote_names)
                self._remote_names.append(f"{chair.desk} · {chair.chair} (not sounding here)")
                ranked.append((-alarm.priority, -alarm.onset, i, alarm))
        return ranked

    def _show_standing(self) -> None:
        chairs: dict[str, list[str]] = {}  # one line per condition, naming the chairs it holds for
        for window, config in zip(self.windows, self.configs, strict=True):
            for alarm in window.workspace.live.standing():
                chairs.setdefault(alarm.message, []).append(config.name)
        text = "\n".join(f"{', '.join(names)} · TECHNICAL · {message}" for message, names in chairs.items())
        style = f"background: {COLOURS[AlarmPriority.MEDIUM]}; color: black; font-size: {ALARM_LINE_PX}px;"
        style += " font-weight: bold;"
        show(self.standing, text, style + " padding: 2px;")
        self.standing.setVisible(bool(chairs))

    def highest_alarm(self) -> AlarmPriority | None:
        levels = [a.priority for w in self.windows for a in w.workspace.live.alarms()]
        return max(levels, default=None)

    def open_ports(self) -> StationPortsDialog:
        admin = self.admin
        self.ports_dialog = StationPortsDialog(self.configs, self, self.policy, admin.save_station if admin else None)
        why = admin.refusal("change the station's ports") if admin else ""
        if why:  # anyone may look; the Save button is an administrator's
            self.ports_dialog.refuse(why)
        self.ports_dialog.open()
        return self.ports_dialog


class StationPortsDialog(QDialog):
    """Which serial port (or URL) and protocol each chair uses; saved for the station's next start."""

    def __init__(
        self,
        configs: list[ChairConfig],
        parent: QWidget | None = None,
        policy: PortPolicy | None = None,
        save: Callable[[list[ChairConfig]], Path] | None = None,
    ) -> None:
        """`save`: how the chosen ports are saved; the program binds DeskSettings.save_station to the signed-in
        administrator (a refusal, SettingsRefused, is shown and nothing is saved)."""
        super().__init__(parent)
        self.policy = policy or PortPolicy()
        self._save = save or save_station
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
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(700, 420)

    def refuse(self, why: str) -> None:
        """Why this account may not save (the ports stay to look at); Save is off."""
        self.note.setText(why)
        self.note.setStyleSheet(theme.ERROR_STYLE)
        self.save_button.setEnabled(False)

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
        try:
            path = self._save(chosen)
        except SettingsRefused as exc:
            self.note.setText(str(exc))  # nothing saved: an administrator assigns the ports
            return
        self.note.setText(f"Saved to {path}")
        super().accept()
