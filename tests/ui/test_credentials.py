"""One credentials form (issue 18 review finding): signing in and co-signing use the same Credentials widget, so
a refusal reads the same (theme.ERROR_STYLE) and the secret never stays in a field in either."""

from __future__ import annotations

from pathlib import Path

from accounts import PIN, desk_for

from monitor.clinical.cosign import Safeguard
from monitor.ui import theme
from monitor.ui.cosign_dialog import CoSignDialog
from monitor.ui.credentials import Credentials
from monitor.ui.lock_screen import SignInDialog


def test_take_reads_and_clears_the_secret_and_refuse_says_why(qtbot) -> None:
    form = Credentials("probe")
    qtbot.addWidget(form)
    form.initials.setText(" ab ")
    form.secret.setText(PIN)
    assert form.take() == ("AB", PIN) and form.secret.text() == "", "read once, then gone from the widget"
    form.secret.setText("0000")
    form.refuse("wrong initials or PIN")
    assert form.error.text() == "wrong initials or PIN" and form.secret.text() == ""
    assert form.error.styleSheet() == theme.ERROR_STYLE


def test_sign_in_and_co_sign_are_the_same_form(qtbot, tmp_path: Path) -> None:
    desk = desk_for(tmp_path / "m.sqlite3")
    sign_in = SignInDialog(desk)
    cosign = CoSignDialog(Safeguard.SCREENING_OVERRIDE, desk.account, lambda _i, _s: desk.account)
    for dialog in (sign_in, cosign):
        qtbot.addWidget(dialog)
        assert isinstance(dialog.credentials, Credentials)
        assert (dialog.initials, dialog.secret, dialog.error) == (
            dialog.credentials.initials,
            dialog.credentials.secret,
            dialog.credentials.error,
        )
