"""The administrator's staff accounts dialog (issue 18 point 1): list, add, disable, reset a PIN.

Thin: every rule and refusal is AccountService's (initials unique, 2-4 letters; a PIN of 4 or more, 8 or more for
the roles that guard the others; not repeated or sequential; only an active administrator may change accounts; the
last active administrator cannot be disabled) and is shown here, in the dialog's error line. A new secret is typed
twice; both fields are cleared as soon as it is read, whatever follows: the dialog never keeps one. A change runs
on a worker thread (with a clinic database it is made there, over the network), the buttons waiting meanwhile.

The menu action (StaffAccountsAction, "Staff accounts…") is visible only while an administrator is signed in at
the desk; the service checks the role again on every change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from monitor.app.accounts import AccountService, SignInError
from monitor.app.desk import Desk
from monitor.clinical.roles import Account, Role
from monitor.ui import theme
from monitor.ui.background import BackgroundJob
from monitor.ui.fit import tree_width
from monitor.ui.text import plain

COLUMNS = ("Name", "Initials", "Role", "Active", "Locked until")
ROLES = (Role.NURSE, Role.CHARGE, Role.ADMIN, Role.SERVICE)


def signed_in_admin(desk: Desk | None) -> Account | None:
    """The desk's signed-in account when it is an administrator."""
    account = desk.account if desk is not None else None
    return cast(Account, account) if getattr(account, "role", None) is Role.ADMIN else None


def _secret_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class AccountsDialog(QDialog):
    def __init__(self, accounts: AccountService, admin: Account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Staff accounts — signed in as {admin.initials} (administrator)")
        self.accounts, self.admin = accounts, admin
        self.busy = False  # a change is being made (on a worker thread)
        self.job: BackgroundJob | None = None
        self.table = QTreeWidget()
        self.table.setObjectName("accounts_table")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(COLUMNS)
        self.error = plain(QLabel(""))
        self.error.setObjectName("accounts_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.outcome = plain(QLabel(""))
        self.outcome.setObjectName("accounts_outcome")
        self.outcome.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        boxes = QHBoxLayout()
        boxes.addWidget(self._selected_box())
        boxes.addWidget(self._add_box())
        layout.addLayout(boxes)
        layout.addWidget(self.error)
        layout.addWidget(self.outcome)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.refresh()
        self.resize(max(900, tree_width(self.table) + 40), 600)

    def _selected_box(self) -> QGroupBox:
        box = QGroupBox("The selected account")
        self.disable_button = QPushButton("Disable it…")
        self.disable_button.setObjectName("accounts_disable")
        self.disable_button.clicked.connect(self.disable_selected)
        self.reset_secret = _secret_field("accounts_reset_secret")
        self.reset_again = _secret_field("accounts_reset_again")
        self.reset_button = QPushButton("Set the new PIN (also unlocks it)")
        self.reset_button.setObjectName("accounts_reset")
        self.reset_button.clicked.connect(self.reset_selected)
        form = QFormLayout(box)
        form.addRow("Disable (never deleted)", self.disable_button)
        form.addRow("New PIN or password", self.reset_secret)
        form.addRow("The same again", self.reset_again)
        form.addRow("", self.reset_button)
        return box

    def _add_box(self) -> QGroupBox:
        box = QGroupBox("Add an account")
        self.name = QLineEdit()
        self.name.setObjectName("accounts_name")
        self.initials = QLineEdit()
        self.initials.setObjectName("accounts_initials")
        self.initials.setMaxLength(4)
        self.role = QComboBox()
        self.role.setObjectName("accounts_role")
        for role in ROLES:
            self.role.addItem(role.label, role.value)
        self.secret = _secret_field("accounts_secret")
        self.again = _secret_field("accounts_again")
        self.add_button = QPushButton("Add the account")
        self.add_button.setObjectName("accounts_add")
        self.add_button.clicked.connect(self.add_account)
        form = QFormLayout(box)
        form.addRow("Name", self.name)
        form.addRow("Initials (2-4 letters, unique)", self.initials)
        form.addRow("Role", self.role)
        form.addRow("PIN (4+; 8+ for charge, admin, service)", self.secret)
        form.addRow("The same again", self.again)
        form.addRow("", self.add_button)
        return box

    # --- the list --------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        locked = self.accounts.locked_until()
        self.table.clear()
        for a in self.accounts.list():
            until = datetime.fromtimestamp(locked[a.initials]).strftime("%H:%M:%S") if a.initials in locked else "—"
            item = QTreeWidgetItem([a.name, a.initials, a.role.label, "active" if a.active else "disabled", until])
            item.setData(0, 256, a.initials)
            self.table.addTopLevelItem(item)
        for column in range(len(COLUMNS)):
            self.table.resizeColumnToContents(column)

    def rows(self) -> list[dict[str, str]]:
        """The table as read: one dict per account, by column name."""
        return [
            {name: self.table.topLevelItem(i).text(c) for c, name in enumerate(COLUMNS)}
            for i in range(self.table.topLevelItemCount())
        ]

    def select(self, initials: str) -> None:
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            if item.data(0, 256) == initials:
                self.table.setCurrentItem(item)

    def _selected(self) -> str | None:
        items = self.table.selectedItems()
        if not items:
            self._refuse("select an account in the list first")
            return None
        return str(items[0].data(0, 256))

    # --- changes (the service's rules; its refusals shown) ---------------------------------------------------

    def add_account(self) -> BackgroundJob | None:
        secret = self._take(self.secret, self.again)
        if secret is None:
            return None
        role = Role(self.role.currentData())
        name, initials = self.name.text(), self.initials.text()

        def added(account: Account) -> None:
            self.name.clear()
            self.initials.clear()
            self._done(f"Added {account.initials} ({account.name}), {account.role.label}.")

        return self._change("Adding the account", lambda: self.accounts.add(name, initials, role, secret, self.admin),
                            added)

    def disable_selected(self) -> BackgroundJob | None:
        initials = self._selected()
        if initials is None:
            return None
        answer = QMessageBox.question(
            self, "Disable the account?",
            f"Disable {initials}? The account stays on record (never deleted) but can no longer sign in; "
            f"this is recorded as done by {self.admin.initials}.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        return self._change("Disabling the account", lambda: self.accounts.disable(initials, by=self.admin),
                            lambda account: self._done(f"Disabled {account.initials} ({account.name})."))

    def reset_selected(self) -> BackgroundJob | None:
        initials = self._selected()
        secret = self._take(self.reset_secret, self.reset_again)
        if initials is None or secret is None:
            return None

        def reset() -> str:
            self.accounts.reset_secret(initials, secret, by=self.admin)
            return initials

        return self._change("Setting the new PIN", reset,
                            lambda _: self._done(f"New PIN set for {initials} (and its lock cleared)."))

    def _change(self, title: str, work: Callable[[], Any], done: Callable[[Any], None]) -> BackgroundJob:
        """One change through the account service, on a worker thread: with a clinic database it is made there,
        over the network, and a new secret's Argon2id hash takes ~0.2 s. The buttons wait meanwhile; a refusal
        (SignInError) is shown in the dialog, any other failure by the job (never swallowed)."""

        def run(_progress: object, _cancel: object) -> Any:
            try:
                return work()
            except SignInError as exc:  # the service's rule: the dialog says it
                return exc

        self._set_busy(True)
        job = BackgroundJob(title, run, self)
        job.sigFinished.connect(lambda result: self._finished(result, done))
        self.job = job.start()
        return job

    def _finished(self, result: Any, done: Callable[[Any], None]) -> None:
        self._set_busy(False)
        if self.job is not None:  # its work held the typed secret: let it go
            self.job.deleteLater()
            self.job = None
        if isinstance(result, SignInError):
            self._refuse(result.message)
        elif result is not None:  # None: the job failed and said why
            done(result)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for button in (self.add_button, self.disable_button, self.reset_button):
            button.setEnabled(not busy)

    def _take(self, first: QLineEdit, second: QLineEdit) -> str | None:
        """The new secret typed twice, both fields cleared at once; None (said) when the two differ."""
        secret, again = first.text(), second.text()
        first.clear()
        second.clear()
        if secret != again:
            self._refuse("the two entries of the PIN differ: type it twice again")
            return None
        return secret

    def _refuse(self, message: str) -> None:
        self.outcome.setText("")
        self.error.setText(message[:1].upper() + message[1:])

    def _done(self, message: str) -> None:
        self.error.setText("")
        self.outcome.setText(message)
        self.refresh()


class StaffAccountsAction(QAction):
    """"Staff accounts…": shown only while an administrator is signed in at the desk (`refresh`)."""

    def __init__(self, parent: QWidget, desk_of: Callable[[], Desk | None]) -> None:
        super().__init__("Staff accounts…", parent)
        self.setObjectName("staff_accounts")
        self._parent, self._desk_of = parent, desk_of
        self.dialog: AccountsDialog | None = None
        self.triggered.connect(self.open)
        self.refresh()

    def refresh(self) -> None:
        self.setVisible(signed_in_admin(self._desk_of()) is not None)

    def open(self) -> AccountsDialog | None:
        desk = self._desk_of()
        admin = signed_in_admin(desk)
        if desk is None or admin is None:
            who = desk.initials if desk is not None else ""
            why = f"{who} is not an administrator" if who else "The desk is locked"
            QMessageBox.warning(self._parent, "Staff accounts", f"{why}: sign in as an administrator for this")
            return None
        self.dialog = AccountsDialog(cast(AccountService, desk.accounts), admin, self._parent)
        self.dialog.open()
        return self.dialog
