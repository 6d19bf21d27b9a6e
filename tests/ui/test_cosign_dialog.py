"""The co-signature dialog in the limits dialog (issue 18 point 4): a nurse widening a limit past the clinic's
default is asked for a second person; a wrong PIN or a nurse as co-signer is refused in the dialog and nothing
changes; the charge nurse's PIN lets the change through with their initials on the alarm event. Real simulator on
a pty, acquisition, alarm service and writer; the dialogs are driven offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from accounts import LONG_SECRET, PIN
from cosigners import Desk, make_desk
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.clinical.alarm_limits import DEFAULT_LIMITS
from monitor.clinical.alarms import AlarmAction, AlarmEvent
from monitor.clinical.cosign import Safeguard
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.writer import SessionWriter
from monitor.ui.alarm_bar import LimitsDialog
from monitor.ui.cosign_dialog import CoSignDialog, obtain_cosigner

pytestmark = pytest.mark.real_cosign_dialog  # these tests answer the modal dialog themselves


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path / "accounts.sqlite3")


@pytest.fixture
def alarms(tmp_path: Path, desk):
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=1, link_dir=tmp_path / "link")
    port = sim.start()
    clock = SessionClock(sim.device_now, use_device_time=True)
    with SessionWriter(tmp_path / "s.sqlite3") as writer:
        acq = Acquisition(AcquisitionConfig(port, "datex-s5", silence_timeout=3.0), writer, clock=clock.now)
        service = AlarmService(acq, writer, clock)
        service.require_cosign(lambda: desk.nurse.role.may_cosign)
        acq.start()
        service.start()
        try:
            yield service
        finally:
            service.stop()
            acq.stop()
            sim.stop()


def test_the_dialog_refuses_a_wrong_pin_and_a_nurse_and_keeps_no_pin(qtbot, desk) -> None:
    dialog = CoSignDialog(Safeguard.LIMIT_OUTSIDE_DEFAULTS, desk.nurse, desk.confirm)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.initials.setText("CD")
    dialog.secret.setText("0000")
    dialog.accept()
    assert dialog.isVisible() and "wrong initials or PIN" in dialog.error.text() and dialog.secret.text() == ""
    dialog.initials.setText("EF")
    dialog.secret.setText(PIN)
    dialog.accept()
    assert dialog.isVisible() and "EF is a nurse: this needs" in dialog.error.text() and dialog.signature is None
    dialog.initials.setText("cd")
    dialog.secret.setText(LONG_SECRET)
    dialog.accept()
    assert not dialog.isVisible() and dialog.signature is not None and dialog.signature.cosigned_by == "CD"


def _answer_cosign(initials: str, secret: str, cancel: bool = False) -> None:
    """Fill in the co-signature dialog once it is the active modal (exec() blocks the test's thread)."""

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CoSignDialog):
            QTimer.singleShot(20, fill)
            return
        if cancel:
            dialog.reject()
            return
        dialog.initials.setText(initials)
        dialog.secret.setText(secret)
        dialog.accept()

    QTimer.singleShot(0, fill)


def test_a_nurse_widening_a_limit_gets_a_cosigner_through_the_limits_dialog(qtbot, alarms, desk) -> None:
    spo2 = DEFAULT_LIMITS["SPO2"]
    events: list[AlarmEvent] = []
    alarms.add_listener(events.extend)
    limits = LimitsDialog(
        alarms, lambda: "AB", cosigner=lambda safeguard: obtain_cosigner(safeguard, desk.nurse, desk.confirm)
    )
    qtbot.addWidget(limits)
    limits.show()
    limits.param.setCurrentIndex(limits.param.findData("SPO2"))
    limits.low.setText(f"{spo2.low - 3:g}")
    limits.reason.setText("COPD: lives at 88 %")
    _answer_cosign("", "", cancel=True)
    limits.accept()
    assert limits.isVisible() and "co-signature was cancelled" in limits.error.text()
    assert alarms.limits()["SPO2"].low == spo2.low
    _answer_cosign("CD", LONG_SECRET)
    limits.accept()
    assert not limits.isVisible() and alarms.limits()["SPO2"].low == spo2.low - 3
    changes = [e for e in events if e.action is AlarmAction.LIMIT_CHANGED]
    assert len(changes) == 1 and changes[0].who == "AB" and "(co-signed CD)" in changes[0].message


def test_a_nurses_screening_override_is_co_signed_through_the_screening_panel(
    qtbot, live_window, saved, stored_entries, desk
) -> None:
    from test_workflow_widgets import LEFT, fill_screening

    window = live_window("stable", speed=60, screening=True)
    panel = window.workspace.screening
    window.workspace.service.require_cosign(lambda: desk.nurse.role.may_cosign)
    panel._cosigner = lambda safeguard: obtain_cosigner(safeguard, desk.nurse, desk.confirm)
    fill_screening(window, sys_="172", dia="96")
    qtbot.keyClicks(panel.override, "anxious on arrival; 148/90 after 10 min rest")
    _answer_cosign("", "", cancel=True)
    qtbot.mouseClick(panel.record, LEFT)
    assert "co-signature was cancelled" in panel.verdict.text() and panel.override.text(), "nothing lost"
    _answer_cosign("CD", LONG_SECRET)
    qtbot.mouseClick(panel.record, LEFT)
    saved(window, 1)
    qtbot.waitUntil(lambda: "May start on the recorded override" in panel.verdict.text(), timeout=3000)
    (row,) = stored_entries(window)
    assert row.payload["cosigned_by"] == "CD" and row.initials == window.workspace.service.initials
