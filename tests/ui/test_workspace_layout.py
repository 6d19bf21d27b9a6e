"""The nurse's view at two metres (issue 16), measured on the rendered workspace of a live session: nothing moves
when alarms come, the window fits a 1366x768 desk with every control on screen, the check at hand is on top, the
key labels are large enough to read across the room, and the charts show the session so far at its start."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QWidget

from monitor.ui.alarm_bar import ROWS
from monitor.ui.main_window import DEFAULT_SIZE, opening_geometry
from monitor.ui.trends import MIN_SPAN_S, TrendView

LEFT = Qt.MouseButton.LeftButton
SMALL_DESK = QSize(1366, 768)


def _at_size(qtbot, window, size: QSize) -> None:
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(size)
    qtbot.waitUntil(lambda: window.size() == size, timeout=3000)
    QApplication.processEvents()


def _in_window(window, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _assert_inside(window, widget: QWidget) -> None:
    rect = _in_window(window, widget)
    assert widget.isVisible(), f"{widget.objectName()} is hidden"
    assert window.rect().contains(rect), f"{widget.objectName()} at {rect} is outside the window {window.rect()}"


def _moving_parts(window) -> dict[str, QRect]:
    ws = window.workspace
    parts = {
        "pause": ws.alarm_bar.pause,
        "limits": ws.alarm_bar.limits,
        "charts": ws.trends,
        "tiles": ws.tiles["hr"],
        "check": ws.check_group,
        "tabs": ws.tabs,
        "start": ws.infusion.buttons["start"],
    }
    return {name: _in_window(window, w) for name, w in parts.items()}


# --- 1. nothing moves under the nurse's hand -------------------------------------------------------------------


def test_alarms_coming_and_a_long_alarm_text_move_nothing_and_never_widen_the_window(qtbot, live_window) -> None:
    window = live_window("respiratory-depression", speed=250)
    _at_size(qtbot, window, SMALL_DESK)
    alarms, bar = window.workspace.alarms, window.workspace.alarm_bar
    before = _moving_parts(window)
    # A sedation score at the stop threshold raises a high alarm with a long instruction (the real engine path).
    window.workspace.observations.moaas.setCurrentIndex(window.workspace.observations.moaas.findData(2))
    qtbot.mouseClick(window.findChild(QWidget, "record_moaas"), LEFT)
    qtbot.waitUntil(lambda: any("call for help" in a.message for a in alarms.alarms()), timeout=5000)
    bar.refresh()
    QApplication.processEvents()
    assert _moving_parts(window) == before, "an alarm"
    assert window.width() == SMALL_DESK.width(), "a long alarm text does not widen the window"
    sedation = [line.text() for line in bar.lines if "MOAA/S" in line.text()]
    if sedation:
        assert "call for help" in sedation[0], "the instruction is on screen, not cut"
    else:  # under load the depression's own alarms may have come first and outrank it: the bar says there are more
        assert len(alarms.alarms()) > ROWS - 1, "the sedation alarm is on screen unless outranked"
    # the respiratory depression brings more alarms than the bar has rows
    qtbot.waitUntil(lambda: len(alarms.alarms()) >= 3, timeout=30000)
    bar.refresh()
    QApplication.processEvents()
    assert _moving_parts(window) == before, "three alarms"
    assert window.size() == SMALL_DESK
    shown = [line.full_text() for line in bar.lines if line.isVisible()]
    top = alarms.alarms()[0]
    assert top.message.split(":")[0] in shown[0], "the highest priority keeps the first row"
    # A text longer than any row (the widened the window by 17 px): elided in the middle, whole in its tip.
    # (Checked before the event loop runs: the bar's 50 ms flash timer repaints its rows from the alarms.)
    long = bar.lines[1]
    long.set_full_text("12:00  " + "a very long alarm text " * 12 + "— call for help")
    assert "…" in long.text() and long.text().endswith("call for help"), "the time and the instruction stay"
    assert long.sizeHint().width() <= long.width() or long.sizePolicy().horizontalPolicy().name == "Ignored"
    window.layout().activate()
    assert window.size() == SMALL_DESK and _moving_parts(window) == before


def test_more_alarms_than_rows_take_the_last_row_in_turns() -> None:
    from monitor.ui.alarm_bar import AlarmBar

    alarms = ["a", "b", "c", "d", "e"]
    first = AlarmBar.rows_shown(alarms, 3, 0)
    assert [a for a, _ in first] == ["a", "b", "c"] and "1 of 3 in turn" in first[2][1]
    assert [a for a, _ in AlarmBar.rows_shown(alarms, 3, 1)] == ["a", "b", "d"]
    assert [a for a, _ in AlarmBar.rows_shown(alarms, 3, 5)] == ["a", "b", "e"]
    assert AlarmBar.rows_shown(alarms[:2], 3, 7) == [("a", ""), ("b", "")]


# --- 2. fits the desk's screen ----------------------------------------------------------------------------------


def test_the_window_opens_within_the_available_screen() -> None:
    small = QRect(0, 0, 1366, 728)  # 1366x768 less a task bar
    assert opening_geometry(small) == (small, True), "larger than the screen: maximised to it"
    large = QRect(0, 0, 1920, 1040)
    rect, maximised = opening_geometry(large)
    assert not maximised and rect.size() == DEFAULT_SIZE and large.contains(rect)


def test_every_control_is_on_screen_at_1366x768(qtbot, live_window) -> None:
    window = live_window("stable", speed=20)
    assert window.minimumSizeHint().width() <= SMALL_DESK.width()
    assert window.minimumSizeHint().height() <= 704, "fits 768 less a task bar and a title bar"
    _at_size(qtbot, window, SMALL_DESK)
    ws = window.workspace
    for widget in (
        ws.alarm_bar.ack,
        ws.alarm_bar.pause,
        ws.alarm_bar.limits,
        ws.patient_button,
        ws.signed_in,
        ws.switch_user,
        ws.lock_now,
        ws.check_group,
        ws.observations.review_none,
        ws.message,
        ws.tabs.tabBar(),
        ws.infusion.summary,
        ws.trends.follow_button,
    ):
        _assert_inside(window, widget)
    # The lane's four labels (Pump, Obs, Score, Alarm) have room and do not run into each other or the chart above.
    lane = ws.trends.lane
    lane_font = lane.getAxis("left").style["tickFont"]
    from PySide6.QtGui import QFontMetrics

    room = lane.getAxis("left").geometry().height()  # the view's height in pixels
    assert room >= 4 * QFontMetrics(lane_font).height() + 8, f"room for the four lane labels: {room} px"
    # Each chart keeps a scale whose labels are not drawn over each other (seen: 85, 90, 95 in a 30 px chart).
    for plot in ws.trends.plots:
        axis = plot.getAxis("left")
        (level,) = axis._tickLevels  # the ticks the chart set for its height
        ys = sorted(plot.vb.mapViewToScene(QPointF(0, v)).y() for v, _ in level)
        assert ys and all(
            b - a >= QFontMetrics(axis.style["tickFont"] or axis.font()).height() for a, b in itertools.pairwise(ys)
        )
    assert ws.sweep.height() >= 3 * 18, "the waves keep their strips"


# --- 3. the check at hand, on top -------------------------------------------------------------------------------


def test_the_check_group_is_on_top_and_takes_the_check(qtbot, live_window) -> None:
    window = live_window("stable", speed=20)
    _at_size(qtbot, window, SMALL_DESK)
    ws = window.workspace
    parent = ws.check_group.parentWidget()
    while parent is not None:
        assert not isinstance(parent, QScrollArea), "visible without scrolling"
        parent = parent.parentWidget()
    for control in (ws.observations.rass, ws.observations.moaas, ws.observations.review_none):
        assert ws.check_group.isAncestorOf(control)
        _assert_inside(window, control)
    for button in ws.observations.dissociation_buttons.values():
        assert ws.check_group.isAncestorOf(button)
        _assert_inside(window, button)
    side_effect = ws.observations.effect_buttons["dissociation"].text().replace("\n", " ")
    assert side_effect == "Dissociation (side effect)"
    labels = {w.text() for w in ws.check_group.findChildren(QLabel)}
    assert "Dissociation rating" in labels and "Dissociation" not in labels, "the two are told apart"
    assert ws.schedule_label.text() == "No check due yet"


# --- 4. readable at 2 m -----------------------------------------------------------------------------------------

# The issue read the 18-20 px bold alarm rows and the link bar from 2 m at 1920x1080 (its screenshot at one third),
# and not the 15 px infusion, check and "Saved at" lines: these are now at least 20 px high on screen.
READABLE_PX = 20


def test_the_key_labels_are_readable_at_two_metres(qtbot, live_window, saved) -> None:
    window = live_window("stable", speed=20)
    _at_size(qtbot, window, QSize(1920, 1080))
    ws = window.workspace
    for field, text in ((ws.infusion.concentration, "10"), (ws.infusion.weight, "70"), (ws.infusion.rate, "0.5")):
        field.setText(text)
    qtbot.mouseClick(ws.infusion.buttons["start"], LEFT)
    saved(window, 1)
    qtbot.waitUntil(lambda: ws.infusion.state.text() == "RUNNING" and ws.message.text().startswith("Saved at"))
    ws._on_sound_unavailable("test: no player on this desk")  # what the workspace does when no player works
    ws._tick()
    QApplication.processEvents()
    assert ws.schedule_label.text().startswith("Next check"), "the countdown shows before it turns red"
    for label in (
        ws.infusion.state,
        ws.infusion.status,  # rate
        ws.infusion.totals,  # elapsed time and dose
        ws.schedule_label,  # next-check countdown
        ws.message,  # "Saved at …"
        ws.alarm_bar.standing,  # no alarm sound
    ):
        metrics = label.fontMetrics()
        assert label.isVisible() and label.text(), label.objectName()
        assert metrics.height() >= READABLE_PX, f"{label.objectName()}: {metrics.height()} px"
        assert metrics.horizontalAdvance(label.text()) <= label.contentsRect().width() or label.wordWrap(), (
            f"{label.objectName()} is cut"
        )
        assert label.height() >= metrics.height(), f"{label.objectName()} is clipped"
        _assert_inside(window, label)


# --- 9. the session so far ---------------------------------------------------------------------------------------


def test_the_charts_show_the_session_so_far_until_it_is_longer_than_the_window(qtbot) -> None:
    start = 1_767_225_600.0
    trends = TrendView(start)
    qtbot.addWidget(trends)
    trends.set_now(start + 300)  # five minutes in, the 1 h window chosen
    trends.refresh()
    lo, hi = trends.x_range()
    assert lo == start and start + MIN_SPAN_S <= hi <= start + 1.05 * MIN_SPAN_S, "at least 10 min, from the start"
    trends.set_now(start + 1800)
    trends.refresh()
    lo, hi = trends.x_range()
    assert lo == start and start + 1800 <= hi <= start + 1.05 * 1800, "the half hour so far fills the chart"
    trends.set_now(start + 7200)
    trends.refresh()
    lo, hi = trends.x_range()
    assert abs(lo - (start + 3600)) < 1 and hi >= start + 7200, "then the last hour"
    trends.set_window(15 * 60.0)
    lo, _hi = trends.x_range()
    assert abs(lo - (start + 7200 - 900)) < 1
