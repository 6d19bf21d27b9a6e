"""The very first start with no account (issue 18 point 1): the window asks for the first administrator.

Thin: the rules (initials, a secret of 8 characters or more, not repeated or sequential) are AccountService's; a
refusal is shown in the dialog and nothing is kept. Cancelling starts nothing: a desk never runs without an
administrator who can add the staff's accounts."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from monitor.app.accounts import AccountService, SignInError
from monitor.clinical.roles import Account, Role


class FirstAdminDialog(QDialog):
    def __init__(self, accounts: AccountService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("First start: the first administrator")
        self._accounts = accounts
        self.account: Account | None = None
        self.name = QLineEdit()
        self.initials = QLineEdit()
        self.initials.setMaxLength(4)
        self.secret = QLineEdit()
        self.again = QLineEdit()
        for field in (self.secret, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Initials", self.initials)
        form.addRow("Password (8 characters or more)", self.secret)
        form.addRow("The same again", self.again)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create the administrator")
        self.buttons.accepted.connect(self._create)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "This desk has no account yet. The administrator adds the staff's accounts (Name, initials, role, PIN) "
            "and manages the desk's settings."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _create(self) -> None:
        if self.secret.text() != self.again.text():
            self._refuse("the two passwords differ")
            return
        try:
            self.account = self._accounts.add(
                self.name.text(), self.initials.text(), Role.ADMIN, self.secret.text(), by=None
            )
        except SignInError as exc:
            self._refuse(exc.message)
            return
        self.secret.clear()
        self.again.clear()
        self.accept()

    def _refuse(self, message: str) -> None:
        self.problem.setText(message)
        self.secret.clear()
        self.again.clear()


def ensure_first_admin(accounts: AccountService, headless: bool) -> bool:
    """True when the desk has an account (made now if need be); False: nobody was made, the desk does not start."""
    if accounts.has_any():
        return True
    if headless:
        print(
            "infusion-monitor: this desk has no account yet: create the first administrator with "
            "`infusion-monitor users add --role admin` (README, Staff accounts)"
        )
        return False
    return FirstAdminDialog(accounts).exec() == QDialog.DialogCode.Accepted
