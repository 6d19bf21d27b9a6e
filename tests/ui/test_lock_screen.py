"""The desk that locks itself, on a live workspace (issue 18, point 2; monitor.ui.lock_screen): sign-in, the
automatic lock after the clinic's idle time with a high alarm still sounding and acknowledged from the locked
screen, no patient identity on the locked screen, and input that does not unlock."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import pytest
from accounts import PIN, make_account, service
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QTreeWidget, QWidget

from monitor.app.chair import Chair, ChairConfig
from monitor.app.desk import LOCKED_SCREEN, Desk, NotSignedIn
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import AlarmAction, AlarmStatus
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.entries import EntryKind
from monitor.storage.db import read_alarm_events
from monitor.storage.writer import SessionWriter
from monitor.ui import theme
from monitor.ui.lock_screen import IdleWatch
from monitor.ui.seat import ChairSeat


def _visible_text(window: QWidget) -> str:
    """Every text a passer-by can read on the window."""
    texts = [window.windowTitle()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            texts.append(widget.text())
        if isinstance(widget, QTreeWidget):
            for i in range(widget.topLevelItemCount()):
                item = widget.topLevelItem(i)
                texts.extend(item.text(c) for c in range(item.columnCount()))
        texts.append(widget.toolTip())
    return "\n".join(texts)


def _sign_in(qtbot, workspace, initials: str) -> None:
    qtbot.mouseClick(workspace.curtain.sign_in, Qt.MouseButton.LeftButton)
    dialog = workspace.sign_in_dialog
    qtbot.keyClicks(dialog.initials, initials)
    qtbot.keyClicks(dialog.secret, PIN)
    dialog.accept()


@pytest.fixture
def desk_window(qtbot, live_window):
    clock = SimpleNamespace(t=0.0)

    def locked_desk(db_path) -> Desk:
        for initials in ("AB", "CD"):
            make_account(db_path, initials)
        return Desk(service(db_path), DEFAULT_PROTOCOL.lock_after_s, clock=lambda: clock.t)

    window = live_window("respiratory-depression", speed=250, desk_at=locked_desk)
    desk = window.desk
    watch = IdleWatch(desk, window)
    yield SimpleNamespace(window=window, ws=window.workspace, desk=desk, clock=clock, watch=watch)
    QApplication.instance().removeEventFilter(watch)


def test_idle_lock_keeps_the_alarm_answerable_from_the_locked_screen_and_shows_no_identity(qtbot, desk_window) -> None:
    d = desk_window
    ws, window = d.ws, d.window
    assert d.desk.locked and ws.record_stack.currentWidget() is ws.curtain, "nobody signed in: locked"
    _sign_in(qtbot, ws, "AB")
    assert ws.record_stack.currentWidget() is not ws.curtain and ws.signed_in.text() == "Signed in: AB"
    assert "Test Patient" in _visible_text(window), "signed in, the nurse sees the patient"
    assert ws.findChild(QLineEdit, "initials") is None, "no typed initials: who records is the signed-in account"

    alarms, bar = ws.alarms, ws.alarm_bar
    qtbot.waitUntil(lambda: window.simulator.session_time() > 1700, timeout=20000)  # the plateau (test_alarm_bar)
    qtbot.waitUntil(
        lambda: any(a.priority is AlarmPriority.HIGH and a.status is AlarmStatus.ACTIVE for a in alarms.alarms()),
        timeout=5000,
    )
    course_view = window.open_course_view()
    assert course_view.isVisible() and window.sessions_menu.menuAction().isEnabled()
    d.clock.t = DEFAULT_PROTOCOL.lock_after_s  # 5 min without input (clinic default)
    d.watch.timer.timeout.emit()
    assert d.desk.locked and ws.record_stack.currentWidget() is ws.curtain
    assert not course_view.isVisible(), "an open record closes with the lock"
    assert not window.sessions_menu.menuAction().isEnabled(), "review, course view, export need a sign-in"
    text = _visible_text(window)
    sid = window.session_id
    for identity in ("Test Patient", f"T-{sid}", "1970-01-01", "allergies"):
        assert identity not in text, f"{identity!r} on the locked screen"
    assert bar.isVisible() and ws.tiles["spo2"].isVisible(), "the tiles and the alarm bar stay"
    qtbot.waitUntil(lambda: ws.sound.priority is AlarmPriority.HIGH, timeout=3000)

    qtbot.mouseClick(bar.ack, Qt.MouseButton.LeftButton)
    assert all(a.status is not AlarmStatus.ACTIVE for a in alarms.alarms())
    with pytest.raises(NotSignedIn):
        ws.service.record(EntryKind.NOTE, {"note": "typed on a locked desk"})

    def acknowledged_from_lock() -> bool:
        rows = read_alarm_events(sqlite3.connect(window.db_path), sid)
        return any(r.action == AlarmAction.ACKNOWLEDGE and r.who == LOCKED_SCREEN for r in rows)

    qtbot.waitUntil(acknowledged_from_lock, timeout=5000)


def test_a_wheel_or_a_key_does_not_unlock_and_switch_user_attributes_to_the_new_account(
    qtbot, desk_window, saved, stored_entries
) -> None:
    d = desk_window
    ws = d.ws
    wheel = QWheelEvent(
        QPointF(5, 5),
        QPointF(5, 5),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(ws.curtain, wheel)
    qtbot.keyClick(ws.curtain, Qt.Key.Key_Return)
    qtbot.keyClick(ws.curtain, Qt.Key.Key_Space)
    assert d.desk.locked and ws.record_stack.currentWidget() is ws.curtain
    _sign_in(qtbot, ws, "AB")
    ws.open_sign_in("Switch user")
    dialog = ws.sign_in_dialog
    qtbot.keyClicks(dialog.initials, "CD")
    qtbot.keyClicks(dialog.secret, "0000")
    dialog.accept()
    assert dialog.error.text() and d.desk.initials == "AB", "a refused switch is said and changes nothing"
    assert dialog.secret.text() == "" and dialog.error.styleSheet() == theme.ERROR_STYLE, "said as an error"
    dialog.secret.setText(PIN)
    dialog.accept()
    assert d.desk.initials == "CD" and ws.signed_in.text() == "Signed in: CD"
    ws.service.record(EntryKind.NOTE, {"note": "after the switch"}).result(5)
    saved(d.window, 1)
    assert [e.initials for e in stored_entries(d.window)] == ["CD"]


def test_a_chair_seat_at_a_desk_records_as_its_signed_in_account_and_nothing_while_locked(qtbot, tmp_path) -> None:
    """What ui/app.py builds once an account exists: every chair's workspace (and each next patient's) at the
    one desk."""
    db_path = tmp_path / "seat.sqlite3"
    writer = SessionWriter(db_path)
    writer.start()
    make_account(db_path, "AB")
    desk = Desk(service(db_path), DEFAULT_PROTOCOL.lock_after_s)

    def place(new, _old) -> None:
        qtbot.addWidget(new)

    seat = ChairSeat(Chair(ChairConfig("Chair 1", None, scenario="stable", speed=20), writer), place, desk)
    try:
        ws = seat.window.workspace
        assert ws.desk is desk and ws.service.initials == "", "no typed initials reach the record"
        with pytest.raises(NotSignedIn):
            ws.service.record(EntryKind.NOTE, {"note": "nobody signed in"})
        desk.sign_in("AB", PIN)
        assert ws.service.record(EntryKind.NOTE, {"note": "signed in"}).result(5).initials == "AB"
    finally:
        seat.chair.stop()
        writer.close()
