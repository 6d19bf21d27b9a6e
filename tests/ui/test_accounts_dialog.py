"""The administrator's staff accounts dialog (issue 18 point 1): list, add, disable, reset a PIN through the real
AccountService, its refusals shown in the dialog, secrets typed twice and never kept; the menu action only for a
signed-in administrator."""

from __future__ import annotations

import threading

import pytest
from accounts import LONG_SECRET, PIN, make_account, service
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from monitor.app.accounts import SignInError
from monitor.clinical.roles import Role
from monitor.ui.accounts_dialog import AccountsDialog


@pytest.fixture
def dlg(qtbot, tmp_path):
    db = tmp_path / "accounts.sqlite3"
    admin = make_account(db, "AD", Role.ADMIN, name="Ada Admin")
    make_account(db, "KM", Role.NURSE, name="Kim Nurse")
    d = AccountsDialog(service(db), admin)
    qtbot.addWidget(d)
    d.show()
    return d


def _type(qtbot, d: AccountsDialog, name: str, initials: str, role: Role, secret: str, again: str) -> None:
    for field, text in ((d.name, name), (d.initials, initials), (d.secret, secret), (d.again, again)):
        field.clear()
        qtbot.keyClicks(field, text)
    d.role.setCurrentIndex(d.role.findData(role.value))


def _click(qtbot, d: AccountsDialog, button) -> None:
    """Click, and wait for the change it started (on a worker thread) to be shown."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not d.busy, timeout=10000)


def test_the_list_shows_name_initials_role_active_and_lock(dlg) -> None:
    accounts = dlg.accounts
    for _ in range(5):  # five wrong PINs lock KM for a minute (clinic default)
        with pytest.raises(SignInError):
            accounts.sign_in("KM", "9753")
    dlg.refresh()
    rows = {r["Initials"]: r for r in dlg.rows()}
    assert rows["AD"] == {
        "Name": "Ada Admin",
        "Initials": "AD",
        "Role": "administrator",
        "Active": "active",
        "Locked until": "—",
    }
    assert rows["KM"]["Role"] == "nurse" and rows["KM"]["Locked until"] != "—"


def test_adding_a_nurse_takes_the_pin_twice_and_keeps_nothing(qtbot, dlg) -> None:
    _type(qtbot, dlg, "Noor Nurse", "nn", Role.NURSE, "2468", "2486")
    _click(qtbot, dlg, dlg.add_button)
    assert "differ" in dlg.error.text() and "NN" not in {r["Initials"] for r in dlg.rows()}
    assert dlg.secret.text() == dlg.again.text() == "", "a refused secret is not kept either"
    _type(qtbot, dlg, "Noor Nurse", "nn", Role.NURSE, "1111", "1111")
    _click(qtbot, dlg, dlg.add_button)
    assert "repeated or sequential" in dlg.error.text(), "the service's rule, shown"
    _type(qtbot, dlg, "Noor Nurse", "nn", Role.CHARGE, PIN, PIN)
    _click(qtbot, dlg, dlg.add_button)
    assert "needs at least 8 characters" in dlg.error.text(), "a charge nurse's secret is longer"
    _type(qtbot, dlg, "Noor Nurse", "km", Role.NURSE, PIN, PIN)
    _click(qtbot, dlg, dlg.add_button)
    assert "initials KM are taken" in dlg.error.text()
    _type(qtbot, dlg, "Noor Nurse", "nn", Role.NURSE, PIN, PIN)
    _click(qtbot, dlg, dlg.add_button)
    assert dlg.error.text() == "" and dlg.outcome.text() == "Added NN (Noor Nurse), nurse."
    assert {
        "Name": "Noor Nurse",
        "Initials": "NN",
        "Role": "nurse",
        "Active": "active",
        "Locked until": "—",
    } in dlg.rows()
    assert dlg.secret.text() == dlg.again.text() == ""
    assert dlg.accounts.sign_in("NN", PIN).initials == "NN", "the new nurse signs in with the PIN typed"
    assert PIN not in [str(v) for v in vars(dlg).values() if isinstance(v, str)], "the dialog keeps no secret"


def test_a_change_is_made_off_the_gui_thread(qtbot, dlg) -> None:
    """With a clinic database the service's change goes over the network: never on the window's thread."""
    threads = []
    real_add = dlg.accounts.add
    dlg.accounts.add = lambda *args, **kwargs: threads.append(threading.current_thread()) or real_add(*args, **kwargs)
    _type(qtbot, dlg, "Noor Nurse", "nn", Role.NURSE, PIN, PIN)
    _click(qtbot, dlg, dlg.add_button)
    assert dlg.outcome.text() == "Added NN (Noor Nurse), nurse."
    assert threads and threads[0] is not threading.main_thread()


def test_disable_and_reset_and_the_last_administrator_stays(qtbot, dlg, questions) -> None:
    dlg.select("AD")
    _click(qtbot, dlg, dlg.disable_button)
    assert "AD is the last active administrator: add another one first" in dlg.error.text()
    assert {r["Initials"]: r["Active"] for r in dlg.rows()}["AD"] == "active"
    dlg.select("KM")
    for _ in range(5):
        with pytest.raises(SignInError):
            dlg.accounts.sign_in("KM", "9753")
    dlg.refresh()
    dlg.select("KM")
    qtbot.keyClicks(dlg.reset_secret, "8642")
    qtbot.keyClicks(dlg.reset_again, "8642")
    _click(qtbot, dlg, dlg.reset_button)
    assert dlg.outcome.text() == "New PIN set for KM (and its lock cleared)."
    assert {r["Initials"]: r["Locked until"] for r in dlg.rows()}["KM"] == "—"
    assert dlg.accounts.sign_in("KM", "8642").initials == "KM"
    dlg.select("KM")
    questions.answer = QMessageBox.StandardButton.No
    _click(qtbot, dlg, dlg.disable_button)
    assert {r["Initials"]: r["Active"] for r in dlg.rows()}["KM"] == "active", "not confirmed: nothing done"
    questions.answer = QMessageBox.StandardButton.Yes
    _click(qtbot, dlg, dlg.disable_button)
    assert "Disable KM?" in questions[-1][1]
    assert {r["Initials"]: r["Active"] for r in dlg.rows()}["KM"] == "disabled"
    with pytest.raises(SignInError, match="disabled"):
        dlg.accounts.sign_in("KM", "8642")


def test_the_staff_accounts_action_is_an_administrators_only(qtbot, live_window) -> None:
    window = live_window("stable", speed=20)
    db = window.db_path
    make_account(db, "AD", Role.ADMIN)
    desk = window.workspace.desk  # AB (a nurse) signed in by live_window
    desk.lock()
    window._refresh_actions()
    assert not window.accounts_action.isVisible(), "locked: nobody's"
    desk.sign_in("AB", PIN)
    window._refresh_actions()
    assert not window.accounts_action.isVisible(), "a nurse does not see it"
    desk.sign_in("AD", LONG_SECRET)
    window._refresh_actions()
    assert window.accounts_action.isVisible()
    window.accounts_action.trigger()
    opened = window.accounts_action.dialog
    qtbot.addWidget(opened)
    assert opened.isVisible() and {r["Initials"] for r in opened.rows()} >= {"AD", "AB"}
    desk.lock()
    window._refresh_actions()
    assert not window.accounts_action.isVisible()
