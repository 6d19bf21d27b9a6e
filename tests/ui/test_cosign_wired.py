"""The co-signature wired into the window (issue 18 point 4): a workspace given its desk (attach_desk) asks a second
person, through the real CoSignDialog, for a screening override, a limit outside the clinic's defaults and a dose
above the clinic's ceiling when the signed-in user is a nurse; a charge nurse acts alone; a wrong PIN or a cancelled
co-signature records nothing and the form keeps what was typed. Real simulator on a pty, writer, accounts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from accounts import LONG_SECRET, PIN, ensure_account
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from test_workflow_widgets import LEFT, fill_screening, start_infusion

from monitor.app.desk import Desk
from monitor.clinical.alarm_limits import DEFAULT_LIMITS
from monitor.clinical.alarms import AlarmAction, AlarmEvent
from monitor.clinical.cosign import Safeguard
from monitor.clinical.infusion import InfusionAction
from monitor.clinical.roles import Role
from monitor.ui.cosign_dialog import CoSignDialog

pytestmark = pytest.mark.real_cosign_dialog  # these tests answer the modal dialog themselves


OVERRIDE = "anxious on arrival; 148/90 after 10 min rest"


def _at_desk(window, initials: str, role: Role) -> Desk:
    """Accounts AB (nurse) and CD (charge nurse / prescriber) in the window's database; `initials` signed in at a
    desk the workspace is given, as the program gives it (ChairSeat → attach_desk)."""
    ensure_account(window.db_path, "AB", Role.NURSE)
    ensure_account(window.db_path, "CD", Role.CHARGE)
    desk = window.workspace.desk  # the desk live_window gave the workspace, as ChairSeat gives it
    desk.sign_in(initials, PIN if role is Role.NURSE else LONG_SECRET)
    return desk


class Answers:
    """Answers the co-signature dialog once it is the active modal (its exec() blocks the test's thread): each
    answer fills initials and PIN and presses Co-sign; a refusal the dialog shows is kept, then it is cancelled."""

    def __init__(self) -> None:
        self.asked: list[str] = []  # the dialog's refusals, "" when it closed accepted
        self._queue: list[tuple[str, str] | None] = []

    def give(self, *answers: tuple[str, str] | None) -> None:
        """(initials, secret) to co-sign, None to cancel; a refused answer is followed by a cancel."""
        self._queue = list(answers)
        QTimer.singleShot(0, self._fill)

    def _fill(self) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CoSignDialog):
            QTimer.singleShot(20, self._fill)
            return
        answer = self._queue.pop(0)
        if answer is None:
            dialog.reject()
            return
        dialog.initials.setText(answer[0])
        dialog.secret.setText(answer[1])
        dialog.accept()
        self.asked.append("" if not dialog.isVisible() else dialog.error.text())
        if dialog.isVisible():
            dialog.reject()


@pytest.fixture
def answers() -> Answers:
    return Answers()


@pytest.fixture
def dialogs(monkeypatch) -> list[str]:
    """Each co-signature dialog opened (what it asked for), cancelled at once: a charge nurse opens none."""
    opened: list[str] = []

    def cancel(self) -> int:
        opened.append(self.safeguard)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(CoSignDialog, "exec", cancel)
    return opened


def _override(qtbot, window) -> None:
    panel = window.workspace.screening
    fill_screening(window, sys_="172", dia="96")
    panel.override.setText(OVERRIDE)
    qtbot.mouseClick(panel.record, LEFT)


def test_a_nurses_screening_override_needs_a_charge_nurses_pin(qtbot, live_window, saved, stored_entries, answers):
    window = live_window("stable", speed=60, initials="", screening=True)
    _at_desk(window, "AB", Role.NURSE)
    panel = window.workspace.screening
    answers.give(("CD", "0000"))  # a wrong PIN: refused in the dialog, then cancelled
    _override(qtbot, window)
    assert "wrong initials or PIN" in answers.asked[0]
    assert "co-signature was cancelled" in panel.verdict.text() and panel.override.text() == OVERRIDE
    assert stored_entries(window) == [], "nothing recorded"
    answers.give(("CD", LONG_SECRET))
    qtbot.mouseClick(panel.record, LEFT)
    saved(window, 1)
    (row,) = stored_entries(window)
    assert row.payload["cosigned_by"] == "CD" and row.initials == "AB"


def test_a_charge_nurse_overrides_a_screening_alone(qtbot, live_window, saved, stored_entries, dialogs):
    window = live_window("stable", speed=60, initials="", screening=True)
    desk = _at_desk(window, "CD", Role.CHARGE)
    _override(qtbot, window)
    saved(window, 1)
    (row,) = stored_entries(window)
    assert row.initials == "CD" and "cosigned_by" not in row.payload and dialogs == []
    desk.sign_in("AB", PIN)  # the role decides, at the moment of the act: a nurse now is asked
    _override(qtbot, window)
    assert dialogs == [Safeguard.SCREENING_OVERRIDE] and len(stored_entries(window)) == 1


def _widen_spo2(window, reason: str = "COPD: lives at 88 %"):
    dialog = window.workspace.alarm_bar.open_limits()
    dialog.param.setCurrentIndex(dialog.param.findData("SPO2"))
    dialog.low.setText(f"{DEFAULT_LIMITS['SPO2'].low - 3:g}")
    dialog.reason.setText(reason)
    dialog.accept()
    return dialog


def test_a_nurses_limit_outside_the_defaults_is_co_signed_in_the_window(qtbot, live_window, answers):
    window = live_window("stable", speed=20, initials="")
    _at_desk(window, "AB", Role.NURSE)
    alarms = window.workspace.alarms
    events: list[AlarmEvent] = []
    alarms.add_listener(events.extend)
    low = DEFAULT_LIMITS["SPO2"].low
    answers.give(("EF", PIN))  # nobody of that name: refused
    dialog = _widen_spo2(window)
    assert answers.asked[0] and "co-signature was cancelled" in dialog.error.text()
    assert alarms.limits()["SPO2"].low == low and dialog.reason.text(), "unchanged; the dialog keeps the reason"
    answers.give(("CD", LONG_SECRET))
    dialog.accept()
    assert not dialog.isVisible() and alarms.limits()["SPO2"].low == low - 3
    (change,) = [e for e in events if e.action is AlarmAction.LIMIT_CHANGED]
    assert change.who == "AB" and "(co-signed CD)" in change.message


def test_a_charge_nurse_widens_a_limit_alone(qtbot, live_window, dialogs):
    window = live_window("stable", speed=20, initials="")
    desk = _at_desk(window, "CD", Role.CHARGE)
    dialog = _widen_spo2(window)
    assert not dialog.isVisible(), dialog.error.text()
    assert window.workspace.alarms.limits()["SPO2"].low == DEFAULT_LIMITS["SPO2"].low - 3 and dialogs == []
    desk.sign_in("AB", PIN)
    dialog = _widen_spo2(window)
    assert dialogs == [Safeguard.LIMIT_OUTSIDE_DEFAULTS] and "co-signature was cancelled" in dialog.error.text()


def _above_ceiling_allowed(window) -> None:
    """The clinic allows exceeding its ceilings (clinic.json allow_above_ceiling) for this session."""
    service = window.workspace.service
    service.limits = replace(service.limits, allow_above_ceiling=True)


def test_a_nurses_bolus_above_the_ceiling_needs_a_co_signer(qtbot, live_window, saved, stored_entries, answers):
    window = live_window("stable", speed=20, initials="")
    _at_desk(window, "AB", Role.NURSE)
    _above_ceiling_allowed(window)
    start_infusion(qtbot, window, saved, 1)
    infusion = window.workspace.infusion
    ceiling = window.workspace.service.limits.max_bolus_mg_kg * 70
    infusion.bolus.setText(f"{ceiling + 15:g}")
    answers.give(None)
    assert not infusion.submit(InfusionAction.BOLUS)
    assert "co-signature was cancelled" in window.workspace.message.text()
    assert infusion.bolus.text() == f"{ceiling + 15:g}", "the form keeps what was typed"
    assert len(stored_entries(window)) == 1
    answers.give(("CD", LONG_SECRET))
    qtbot.mouseClick(infusion.buttons["bolus"], LEFT)
    saved(window, 2)
    bolus = stored_entries(window)[-1]
    assert bolus.payload["dose_mg"] == ceiling + 15 and bolus.payload["cosigned_by"] == "CD"
    assert "Co-signed by CD" in window.questions[-1]
    infusion.bolus.setText(f"{2.0 * 70 + 1:g}")  # past the absolute 2 mg/kg: refused, nobody asked
    qtbot.mouseClick(infusion.buttons["bolus"], LEFT)
    assert "above the clinic's ceiling" in window.workspace.message.text() and len(stored_entries(window)) == 2


def test_a_charge_nurse_gives_a_rate_above_the_ceiling_alone(qtbot, live_window, saved, stored_entries, dialogs):
    window = live_window("stable", speed=20, initials="")
    desk = _at_desk(window, "CD", Role.CHARGE)
    _above_ceiling_allowed(window)
    start_infusion(qtbot, window, saved, 1)
    rate = window.workspace.service.limits.max_rate_mg_kg_h + 0.5
    window.workspace.infusion.rate.setText(f"{rate:g}")
    qtbot.mouseClick(window.workspace.infusion.buttons["rate"], LEFT)
    saved(window, 2)
    change = stored_entries(window)[-1]
    assert change.payload["rate_mg_kg_h"] == rate and "cosigned_by" not in change.payload and change.initials == "CD"
    assert dialogs == []
    desk.sign_in("AB", PIN)
    window.workspace.infusion.rate.setText(f"{rate + 0.5:g}")
    qtbot.mouseClick(window.workspace.infusion.buttons["rate"], LEFT)
    assert dialogs == [Safeguard.DOSE_ABOVE_CEILING] and len(stored_entries(window)) == 2
    assert window.workspace.infusion.rate.text() == f"{rate + 0.5:g}", "the form keeps what was typed"
