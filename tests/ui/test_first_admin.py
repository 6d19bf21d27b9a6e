"""The first start without any account asks for the first administrator (issue 18 point 1)."""

from __future__ import annotations

from pathlib import Path

from monitor.clinical.roles import Role
from monitor.ui.first_admin import FirstAdminDialog, ensure_first_admin
from tests.accounts import LONG_SECRET, service


def test_the_dialog_refuses_a_short_or_mistyped_password_then_creates_the_administrator(qtbot, tmp_path: Path) -> None:
    accounts = service(tmp_path / "m.sqlite3")
    dialog = FirstAdminDialog(accounts)
    qtbot.addWidget(dialog)
    dialog.name.setText("Ada Admin")
    dialog.initials.setText("aa")
    dialog.secret.setText("2468")
    dialog.again.setText("2468")
    dialog.buttons.accepted.emit()
    assert "at least 8 characters" in dialog.problem.text() and not accounts.has_any()
    assert dialog.secret.text() == "" and dialog.again.text() == "", "a refused secret is not left in the fields"
    dialog.secret.setText(LONG_SECRET)
    dialog.again.setText(LONG_SECRET + "x")
    dialog.buttons.accepted.emit()
    assert "differ" in dialog.problem.text() and not accounts.has_any()
    dialog.secret.setText(LONG_SECRET)
    dialog.again.setText(LONG_SECRET)
    dialog.buttons.accepted.emit()
    assert dialog.result() == dialog.DialogCode.Accepted
    (admin,) = accounts.list()
    assert (admin.initials, admin.role, admin.name) == ("AA", Role.ADMIN, "Ada Admin")
    assert accounts.sign_in("AA", LONG_SECRET) == admin


def test_a_headless_first_start_says_how_to_make_the_administrator(tmp_path: Path, capsys) -> None:
    accounts = service(tmp_path / "m.sqlite3")
    assert not ensure_first_admin(accounts, headless=True)
    assert "users add --role admin" in capsys.readouterr().out
