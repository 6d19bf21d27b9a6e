"""The mouse wheel never changes a clinical value (issue 13 point 5): over every spin box, combo box and time edit
of the clinical forms -- entry panel, screening, Aldrete, entry time, the limits and correction dialogs -- and
over a slider, a wheel turn changes nothing, and the panel's scroll area scrolls instead."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QSlider, QVBoxLayout, QWidget

from monitor.ui.alarm_bar import LimitsDialog
from monitor.ui.wheel_guard import install_wheel_guard


def wheel(widget: QWidget, notches: int = -1) -> None:
    """A wheel turn over the middle of `widget` (negative: towards the user, scrolling down)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def value_of(widget: QWidget):
    for getter in ("currentIndex", "value", "time"):
        if hasattr(widget, getter):
            return getattr(widget, getter)()
    raise AssertionError(widget)


def assert_wheel_scrolls_not_changes(qtbot, widget: QWidget, area: QScrollArea | None) -> None:
    bar = area.verticalScrollBar() if area is not None else None
    if bar is not None:
        assert bar.maximum() > 0, f"the panel holding {widget.objectName()} should be able to scroll"
        bar.setValue(bar.maximum() // 2)
    for notches in (-1, 1, -2):
        before = value_of(widget)
        scrolled_from = bar.value() if bar is not None else None
        wheel(widget, notches)
        assert value_of(widget) == before, f"the wheel changed {widget.objectName() or type(widget).__name__}"
        if bar is not None:
            assert bar.value() != scrolled_from, f"the panel did not scroll over {widget.objectName()}"


def test_the_wheel_scrolls_the_forms_and_changes_no_clinical_value(qtbot, live_window, saved) -> None:
    window = live_window("stable", speed=20)
    window.resize(1100, 560)  # a small screen: every form panel scrolls
    forms = {
        1: [
            *window.workspace.screening.items.values(),
            window.workspace.screening.consent,
            window.workspace.screening.pain,
        ],
        2: list(window.workspace.recovery.items.values()),
    }
    window.workspace.observations.rass.setCurrentIndex(3)  # a chosen value must stay too, not only the unset one
    for tab, widgets in forms.items():
        window.workspace.tabs.setCurrentIndex(tab)
        area = window.workspace.tabs.currentWidget()
        assert isinstance(area, QScrollArea)
        qtbot.waitUntil(lambda a=area: a.verticalScrollBar().maximum() > 0, timeout=3000)
        for widget in widgets:
            area.ensureWidgetVisible(widget)
            assert_wheel_scrolls_not_changes(qtbot, widget, area)
    # The scores are in the Check group, always in view (issue 16): not scrolled, and the wheel changes none.
    for widget in (window.workspace.observations.pain, window.workspace.observations.rass):
        assert_wheel_scrolls_not_changes(qtbot, widget, None)
    assert_wheel_scrolls_not_changes(qtbot, window.workspace.observations.moaas, None)
    window.workspace.time_control.earlier.setChecked(True)
    assert_wheel_scrolls_not_changes(qtbot, window.workspace.time_control.time_edit, None)
    dialog = LimitsDialog(window.workspace.alarms, lambda: "AB", window)
    qtbot.addWidget(dialog)
    assert_wheel_scrolls_not_changes(qtbot, dialog.param, None)
    window.workspace.time_control.earlier.setChecked(False)
    window.workspace.observations.pain.setValue(4)
    window.workspace.observations.record_pain()
    saved(window, 1)
    correction = window.workspace.open_correction(window.workspace.service.views()[0].id, strike=False)
    assert correction is not None and correction.time_edit is not None
    for widget in (correction.fields["score"], correction.time_edit):
        assert_wheel_scrolls_not_changes(qtbot, widget, None)


def test_a_slider_in_a_scrolled_form_ignores_the_wheel(qtbot) -> None:
    install_wheel_guard()
    area = QScrollArea()
    qtbot.addWidget(area)
    body = QWidget()
    layout = QVBoxLayout(body)
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setObjectName("slider")
    slider.setRange(0, 10)
    slider.setValue(5)
    layout.addWidget(slider)
    layout.addSpacing(2000)
    area.setWidget(body)
    area.resize(300, 200)
    area.show()
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0, timeout=3000)
    assert_wheel_scrolls_not_changes(qtbot, slider, area)
