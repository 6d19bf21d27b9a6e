"""PortPickerDialog: choose the bedside monitor's serial port (or a pyserial URL) and its protocol.

GUI thread. Listing ports is a quick local call (pyserial's list_ports); opening the port happens later on
the link's worker thread, never here.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from monitor.app.device_door import PROTOCOL_NAMES, PortPolicy, list_ports, port_problem
from monitor.ui import theme
from monitor.ui.fit import list_width, screen_width, show_message, whole_placeholder
from monitor.ui.text import plain


class PortPickerDialog(QDialog):
    def __init__(
        self, current_port: str, current_protocol: str, parent: QWidget | None = None, policy: PortPolicy | None = None
    ) -> None:
        """`policy`: the ports the clinic allows (its serial_hosts); the typed port is checked against it."""
        super().__init__(parent)
        self.policy = policy or PortPolicy()
        self.setWindowTitle("Connect to a bedside monitor")
        self.ports = QListWidget()
        self.ports.setObjectName("port_list")
        self.ports.currentItemChanged.connect(self._on_pick)
        self.port = QLineEdit(current_port)
        self.port.setObjectName("port_path")
        self.port.setPlaceholderText("/dev/ttyUSB0, COM3, socket://host:port, rfc2217://host:port")
        whole_placeholder(self.port)
        self.protocol = QComboBox()
        self.protocol.setObjectName("port_protocol")
        self.protocol.addItems(PROTOCOL_NAMES)
        self.protocol.setCurrentText(current_protocol)
        refresh = QPushButton("Refresh list")
        refresh.clicked.connect(self.refresh)
        self.error = plain(QLabel(""))
        self.error.setObjectName("port_error")
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel("Serial ports on this computer:"))
        form.addRow(self.ports)
        form.addRow(refresh)
        form.addRow("Port or URL", self.port)
        form.addRow("Protocol", self.protocol)
        form.addRow(self.error)
        form.addRow(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.ports.clear()
        found = list_ports()
        for p in found:
            item = QListWidgetItem(f"{p.device} — {p.description}")
            item.setData(256, p.device)
            self.ports.addItem(item)
        if not found:
            self.ports.addItem("(no serial ports found: type a device path or URL below)")
        # Every port's whole name and description: the dialog widens to the longest (within the screen).
        self.ports.setMinimumWidth(min(list_width(self.ports), screen_width(self) - 60))

    def _on_pick(self, item: QListWidgetItem | None) -> None:
        if item is not None and item.data(256):
            self.port.setText(item.data(256))

    def choice(self) -> tuple[str, str]:
        return self.port.text().strip(), self.protocol.currentText()

    def accept(self) -> None:
        problem = port_problem(self.port.text(), self.policy, "port picker")
        if problem is not None:
            hint = ": press Refresh list, pick it" if problem.startswith("There is no port") else ""
            show_message(self.error, problem + hint)
            return
        super().accept()
