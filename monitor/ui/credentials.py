"""Credentials: the one initials + PIN/password form (issue 18): signing in at the desk (lock_screen.SignInDialog)
and a second person's co-signature (cosign_dialog.CoSignDialog) are the same form with the same rules.

The secret never stays in a widget: `take` reads and clears it, `refuse` shows why not and clears it. A refusal is
shown in the error label (theme.ERROR_STYLE), grown to fit (fit.show_message) so it is read whole.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from monitor.ui import theme
from monitor.ui.fit import show_message
from monitor.ui.text import plain

INITIALS_MAX = 4  # initials are 2-4 letters (monitor.clinical.entries.validate_initials)


class Credentials(QWidget):
    def __init__(
        self,
        name: str,
        initials_label: str = "Initials",
        secret_label: str = "PIN or password",
        parent: QWidget | None = None,
    ) -> None:
        """`name`: the object names' prefix (`<name>_initials`, `<name>_secret`, `<name>_error`)."""
        super().__init__(parent)
        self.initials = QLineEdit()
        self.initials.setObjectName(f"{name}_initials")
        self.initials.setMaxLength(INITIALS_MAX)
        self.secret = QLineEdit()
        self.secret.setObjectName(f"{name}_secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = plain(QLabel(""))
        self.error.setObjectName(f"{name}_error")
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(initials_label, self.initials)
        form.addRow(secret_label, self.secret)
        form.addRow(self.error)

    def take(self) -> tuple[str, str]:
        """(initials, secret) as typed (initials trimmed, upper case); the secret field is cleared."""
        initials, secret = self.initials.text().strip().upper(), self.secret.text()
        self.secret.clear()
        return initials, secret

    def refuse(self, message: str) -> None:
        """Why it was refused (wrong secret, disabled, locked until…); the secret is cleared for the next try."""
        self.secret.clear()
        show_message(self.error, message)
