"""The very first start with no account (issue 18 point 1): the window asks for the first administrator.

Thin: the rules (initials, a secret of 8 characters or more, not repeated or sequential) are AccountService's; a
refusal is shown in the dialog and nothing is kept. Cancelling starts nothing: a desk never runs without an
administrator who can add the staff's accounts.

Once made, the administrator is signed in at the desk (`sign_in`, the real sign-in with the secret just typed): they
have just proved it, and their next step is the staff's accounts; the desk locks after its idle time as ever."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from monitor.app.accounts import AccountService, SignInError
from monitor.clinical.roles import Account, Role
from monitor.ui import theme
from monitor.ui.fit import show_message

SignIn = Callable[[str, str], object]  # (initials, secret): monitor.app.desk.Desk.sign_in


class FirstAdminDialog(QDialog):
    def __init__(
        self, accounts: AccountService, parent: QWidget | None = None, sign_in: SignIn | None = None
    ) -> None:
        """`sign_in(initials, secret)`: the desk's sign-in, called once the administrator is made."""
        super().__init__(parent)
        self.setWindowTitle("First start: the first administrator")
        self._accounts = accounts
        self._sign_in = sign_in
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
        self.problem.setStyleSheet(theme.ERROR_STYLE)  # a refusal reads as one, as in the sign-in and co-sign forms
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
        if self._sign_in is not None:
            self._sign_in(self.account.initials, self.secret.text())
        self.secret.clear()
        self.again.clear()
        self.accept()

    def _refuse(self, message: str) -> None:
        self.secret.clear()
        self.again.clear()
        self.secret.setFocus()  # the next try starts at the password
        show_message(self.problem, message)


def ensure_first_admin(accounts: AccountService, headless: bool, sign_in: SignIn | None = None) -> bool:
    """True when the desk has an account (made now if need be, then signed in with `sign_in`); False: nobody was
    made (no display to ask, or cancelled), the desk does not start -- stderr says why and what to do."""
    if accounts.has_any():
        return True
    if headless:
        print(
            "infusion-monitor: this desk has no account yet, and no display to create the first administrator: "
            "create it with `infusion-monitor users add --role admin` (README, Staff accounts); nothing started",
            file=sys.stderr,
        )
        return False
    if FirstAdminDialog(accounts, sign_in=sign_in).exec() == QDialog.DialogCode.Accepted:
        return True
    print(
        "infusion-monitor: no administrator was created, so the desk did not start (a desk needs one who adds the "
        "staff's accounts); nothing was recorded",
        file=sys.stderr,
    )
    return False
