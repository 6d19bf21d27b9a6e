"""CoSignDialog: a second person (charge nurse / prescriber) confirms an act with their initials and PIN.

Shown only when the signed-in user may not act alone (app.cosign.needs_second_person). Says what is co-signed and
that the co-signer's initials go on the record; a refusal (wrong PIN, locked, a nurse, the signed-in user) is
shown in the dialog and nothing is recorded. The PIN field is cleared after every attempt, never kept.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from monitor.app.cosign import Confirm, CoSignature, CoSignRefused, Signer, cosign, needs_second_person
from monitor.clinical.cosign import Safeguard
from monitor.ui import theme
from monitor.ui.fit import show_message
from monitor.ui.text import plain


class CoSignDialog(QDialog):
    def __init__(
        self, safeguard: Safeguard, signed_in: Signer, confirm: Confirm, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.safeguard, self.signed_in, self._confirm = safeguard, signed_in, confirm
        self.signature: CoSignature | None = None
        self.setWindowTitle("Co-signature needed")
        what = plain(
            QLabel(
                f"{safeguard.capitalize()} needs a charge nurse or prescriber. A second person confirms "
                "with their initials and PIN; their initials are recorded with it."
            )
        )
        what.setWordWrap(True)
        self.initials = QLineEdit()
        self.initials.setObjectName("cosign_initials")
        self.secret = QLineEdit()
        self.secret.setObjectName("cosign_secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = plain(QLabel(""))
        self.error.setObjectName("cosign_error")
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Co-sign")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(what)
        form.addRow("Co-signer's initials", self.initials)
        form.addRow("Co-signer's PIN", self.secret)
        form.addRow(self.error)
        form.addRow(buttons)

    def accept(self) -> None:
        secret, initials = self.secret.text(), self.initials.text()
        self.secret.clear()  # a PIN is never kept in the form
        try:
            self.signature = cosign(self.safeguard, self.signed_in, self._confirm, initials, secret)
        except CoSignRefused as exc:
            show_message(self.error, str(exc))
            return
        super().accept()


def obtain_cosigner(
    safeguard: Safeguard, signed_in: Signer, confirm: Confirm, parent: QWidget | None = None
) -> str | None:
    """The co-signer's initials; "" when the signed-in user acts alone; None when the co-signature was cancelled."""
    if not needs_second_person(signed_in):
        return ""
    dialog = CoSignDialog(safeguard, signed_in, confirm, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.signature is None:
        return None
    return dialog.signature.cosigned_by or ""
