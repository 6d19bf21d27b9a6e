"""CoSignDialog: a second person (charge nurse / prescriber) confirms an act with their initials and PIN.

Shown only when the signed-in user may not act alone (app.cosign.needs_second_person). Says what is co-signed and
that the co-signer's initials go on the record; a refusal (wrong PIN, locked, a nurse, the signed-in user) is
shown in the dialog and nothing is recorded. The PIN field is cleared after every attempt, never kept.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from monitor.app.cosign import Confirm, CoSignature, CoSignRefused, Signer, cosign, needs_second_person
from monitor.clinical.cosign import Safeguard
from monitor.ui.credentials import Credentials
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
        self.credentials = Credentials("cosign", "Co-signer's initials", "Co-signer's PIN")
        self.initials, self.secret, self.error = (
            self.credentials.initials,
            self.credentials.secret,
            self.credentials.error,
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Co-sign")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(what)
        form.addRow(self.credentials)
        form.addRow(buttons)

    def accept(self) -> None:
        initials, secret = self.credentials.take()  # a PIN is never kept in the form
        try:
            self.signature = cosign(self.safeguard, self.signed_in, self._confirm, initials, secret)
        except CoSignRefused as exc:
            self.credentials.refuse(str(exc))
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
