"""The first start without any account asks for the first administrator (issue 18 point 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from monitor.app.gui_options import GuiOptions
from monitor.cli import main
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.roles import Role
from monitor.storage.db import connect, list_sessions
from monitor.ui import app as gui_app
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
    assert "users add --role admin" in capsys.readouterr().err


def _sessions(db: Path) -> list:
    conn = connect(db)
    try:
        return list_sessions(conn)
    finally:
        conn.close()


@pytest.fixture
def keep_signals(monkeypatch) -> None:
    """`run` in the test process: pytest keeps its own Ctrl+C (the program's handler is tested elsewhere)."""
    monkeypatch.setattr(gui_app, "_quit_on_signals", lambda _app: None)


def test_run_offscreen_without_an_account_refuses_to_start_and_says_why(
    qtbot, tmp_path: Path, capsys, keep_signals
) -> None:
    db = tmp_path / "m.sqlite3"
    assert main(["run", "--db", str(db), "--resume", "no"]) == 2
    err = capsys.readouterr().err
    assert "no account yet" in err and "users add --role admin" in err and "nothing started" in err
    assert _sessions(db) == [], "no chair, no session started"


def _answer_the_dialog(qtbot, answer) -> list[FirstAdminDialog]:
    """Operates the modal first-administrator dialog while its exec() runs (the real modal loop)."""
    seen: list[FirstAdminDialog] = []

    def operate() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FirstAdminDialog):
            QTimer.singleShot(20, operate)
            return
        seen.append(dialog)
        answer(dialog)

    QTimer.singleShot(0, operate)
    return seen


def test_cancelling_the_first_administrator_starts_nothing(
    qtbot, tmp_path: Path, capsys, monkeypatch, keep_signals
) -> None:
    """`run` with a display and no account: the dialog; cancelled, the program exits 2, nothing recorded."""
    monkeypatch.setattr(gui_app, "_choose_platform", lambda: False)  # as with a display: the dialog is asked
    db = tmp_path / "m.sqlite3"
    seen = _answer_the_dialog(qtbot, lambda dialog: dialog.buttons.rejected.emit())
    assert main(["run", "--db", str(db), "--resume", "no"]) == 2
    assert seen, "the first-administrator dialog was asked"
    assert "no administrator was created" in capsys.readouterr().err
    assert _sessions(db) == [] and not service(db).has_any(), "nothing started, nobody made"


def test_the_first_administrator_made_at_the_first_start_is_signed_in_at_the_desk(qtbot, tmp_path: Path) -> None:
    def create(dialog: FirstAdminDialog) -> None:
        dialog.name.setText("Ada Admin")
        dialog.initials.setText("aa")
        dialog.secret.setText(LONG_SECRET)
        dialog.again.setText(LONG_SECRET)
        dialog.buttons.accepted.emit()

    seen = _answer_the_dialog(qtbot, create)
    app = QApplication.instance()
    desk = gui_app._open_desk(tmp_path / "m.sqlite3", GuiOptions(DEFAULT_PROTOCOL), app, headless=False)
    try:
        assert seen and desk is not None
        assert desk.initials == "AA" and desk.account.role is Role.ADMIN, "signed in as the one just made"
        assert seen[0].secret.text() == "" and seen[0].again.text() == "", "the secret is not left in the dialog"
    finally:
        app.removeEventFilter(app.idle_watch)
        app.idle_watch.timer.stop()
