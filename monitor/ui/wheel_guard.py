"""The mouse wheel never changes a clinical value: spin boxes (incl. time edits), combo boxes and sliders ignore it,
and the wheel scrolls the panel they sit in instead, as the nurse meant (issue 13: scrolling the right panel turned
pain 0 into 3 and RASS into "+3 very agitated").

One application-wide event filter, so every form -- entry panel, screening, Aldrete, infusion, limits and
correction dialogs, and any form added later -- follows the same rule without each widget opting in. An open combo
box's list is not guarded: scrolling a list the nurse opened changes nothing until they pick.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollBar, QWidget


def changes_value_on_wheel(obj: QObject) -> bool:
    """The widgets whose value the wheel would change (a scroll bar scrolls: it is the one slider left alone)."""
    if isinstance(obj, QScrollBar):
        return False
    return isinstance(obj, QAbstractSpinBox | QComboBox | QAbstractSlider)


class WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not changes_value_on_wheel(watched):
            return False
        area = _scroll_area_of(watched)
        if area is not None:
            # Handed to the panel's scroll area directly: Qt does not pass a synthesized wheel event to the parent.
            QCoreApplication.sendEvent(area.viewport(), event)
        event.accept()
        return True  # never reaches the widget


def _scroll_area_of(obj: QObject) -> QAbstractScrollArea | None:
    widget = obj.parentWidget() if isinstance(obj, QWidget) else None
    while widget is not None:
        if isinstance(widget, QAbstractScrollArea):
            return widget
        widget = widget.parentWidget()
    return None


def install_wheel_guard() -> WheelGuard:
    """Install the guard on the running QApplication, once (later calls return the same guard)."""
    app = QCoreApplication.instance()
    assert app is not None, "create the QApplication first"
    guard = app.findChild(WheelGuard)
    if guard is None:
        guard = WheelGuard(app)  # owned by the application: lives as long as it does
        app.installEventFilter(guard)
    return guard
