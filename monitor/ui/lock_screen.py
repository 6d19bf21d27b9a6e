"""The desk's sign-in and lock screen (issue 18, point 2): a thin view of monitor.app.desk.Desk.

IdleWatch sees every key and mouse input of the application and locks the desk after the clinic's idle time;
input on a locked desk unlocks nothing (a wheel or a key). SignInDialog signs in or switches user (initials +
PIN). LockCurtain stands in for the chair's record (patient, entries) while locked: the tiles, the alarm bar and
the station cards stay, with no name, MRN, date of birth or allergies.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from monitor.app.accounts import SignInError
from monitor.app.desk import Desk
from monitor.ui.credentials import Credentials

# Input that counts as someone at the desk (while signed in); on a locked desk none of it unlocks.
_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}
POLL_MS = 1000  # how often the idle time is compared with the lock time: the lock comes within a second of it


class IdleWatch(QObject):
    """Application-wide: input restarts the desk's idle time; a timer locks it when the time is up."""

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        QApplication.instance().installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.desk.lock_if_idle)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self.desk.note_input()
        return False  # never eats the input: the alarm bar's buttons work on a locked desk


class SignInDialog(QDialog):
    """Initials and PIN; the account service says why a sign-in is refused (wrong PIN, disabled, locked until)."""

    def __init__(self, desk: Desk, parent: QWidget | None = None, title: str = "Sign in") -> None:
        super().__init__(parent)
        self.desk = desk
        self.setWindowTitle(title)
        self.credentials = Credentials("sign_in")
        self.initials, self.secret, self.error = (
            self.credentials.initials,
            self.credentials.secret,
            self.credentials.error,
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.credentials)
        layout.addWidget(buttons)

    def accept(self) -> None:
        initials, secret = self.credentials.take()  # the secret never stays in a widget
        try:
            self.desk.sign_in(initials, secret)
        except SignInError as exc:  # wrong secret, disabled, locked until HH:MM:SS
            self.credentials.refuse(str(exc))
            return
        super().accept()


class LockCurtain(QWidget):
    """What stands where the chair's record was, while the desk is locked."""

    sigSignIn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_curtain")
        self.text = QLabel(
            "Desk locked.\n\nThe monitor, the alarms and Acknowledge / Audio pause still work.\n"
            "Sign in to record, change limits, open a record or export."
        )
        self.text.setObjectName("lock_text")
        self.text.setWordWrap(True)
        self.sign_in = QPushButton("Sign in…")
        self.sign_in.setObjectName("lock_sign_in")
        self.sign_in.clicked.connect(self.sigSignIn)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.text)
        layout.addWidget(self.sign_in)
        layout.addStretch(2)
