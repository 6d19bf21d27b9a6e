"""The desk's settings files on the window (issue 18 point 9): a standing notice while clinic.json or station.json
in use is not what an administrator approved, and the administrator's *Desk → Approve settings files…*.

GUI thread. One view for the program (monitor.app.settings_approval.DeskAdmin); `show_on` puts the notice and the
menu on a window (the single chair's window, again on each next patient's; the station's window). The notice stands
until an administrator approves; the action is there only for a signed-in administrator, and approving asks first,
saying what is recorded.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QMessageBox, QSizePolicy, QToolBar

from monitor.app.desk_settings import SettingsRefused
from monitor.app.settings_approval import DeskAdmin
from monitor.ui.stylesheet import set_role
from monitor.ui.text import literal, plain


class SettingsNotice(QObject):
    def __init__(self, admin: DeskAdmin) -> None:
        super().__init__()
        self.admin = admin
        self.window: QMainWindow | None = None
        self.notice: QLabel | None = None
        self.bar: QToolBar | None = None
        self.approve_action: QAction | None = None
        self.menu: QMenu | None = None
        self._refused = ""
        admin.desk.add_listener(lambda _account: self.refresh())  # once: sign-in, switch and lock

    def show_on(self, window: QMainWindow) -> None:
        """The notice above the window's content and the Desk menu's approval; the window before it forgets them."""
        self.window = window
        self.notice = plain(QLabel(""))
        self.notice.setObjectName("settings_notice")
        self.notice.setWordWrap(True)
        set_role(self.notice, "settings-notice")  # the desk's administration, not a clinical alarm: amber, not red
        self.notice.ensurePolished()
        self.notice.setFixedHeight(2 * self.notice.fontMetrics().lineSpacing() + 8)  # two lines, whatever it says
        self.notice.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.bar = QToolBar("Settings notice", window)
        self.bar.setObjectName("settings_notice_bar")
        self.bar.setMovable(False)
        self.bar.setFloatable(False)
        self.bar.toggleViewAction().setVisible(False)  # a standing notice: no menu hides it
        self.bar.addWidget(self.notice)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.bar)
        self.approve_action = QAction("Approve settings files…", window)
        self.approve_action.setObjectName("approve_settings")
        self.approve_action.triggered.connect(self.approve)
        self.menu = window.menuBar().addMenu("Desk")
        self.menu.addAction(self.approve_action)
        self.refresh()

    def refresh(self) -> None:
        if self.notice is None or self.bar is None or self.approve_action is None:
            return
        text = self.admin.notice()
        self.notice.setText(f"{text} — not approved: {self._refused}" if text and self._refused else text)
        self.bar.setVisible(bool(text))
        shown = bool(text) and not self.admin.refusal("approve")  # for a signed-in administrator only
        self.approve_action.setVisible(shown)
        if self.menu is not None:
            self.menu.menuAction().setVisible(shown)

    def approve(self) -> list[str]:
        """Asks, then approves every pending file as the signed-in administrator; a refusal stays on the notice."""
        if not self.admin.pending():
            return []
        answer = QMessageBox.question(self.window, "Approve the desk's settings files?", literal(self.admin.question()))
        if answer != QMessageBox.StandardButton.Yes:
            return []
        try:
            done = self.admin.approve()
            self._refused = ""
        except SettingsRefused as exc:
            done, self._refused = [], str(exc)
        self.refresh()
        return done
