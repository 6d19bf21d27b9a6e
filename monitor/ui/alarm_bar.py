"""The alarm bar (current alarms, acknowledge, audio pause with its countdown, limits) and the alarm history.

GUI thread; it presents the AlarmService and sends the nurse's actions to it. Colours and flash rates after
IEC 60601-1-8 as in shared/clinical.md: high red flashing at ~2 Hz (1.4-2.8 Hz), medium yellow flashing at
~0.6 Hz (0.4-0.8 Hz), low cyan steady; technical alarms are marked as such. Standing conditions (no alarm sound)
have a row of their own beneath, as large as an alarm row, steady, shown while true: no button changes it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from monitor.app.alarm_service import AlarmService
from monitor.clinical.alarm_history import AlarmRepeats
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import Alarm, AlarmCategory, AlarmEvent, AlarmStatus
from monitor.clinical.errors import EntryError, parse_number
from monitor.params import PARAMS
from monitor.timefmt import clock_text, hm_text, ms
from monitor.ui import theme
from monitor.ui.text import plain

COLOURS = theme.ALARM  # where the station card and the trends find them
TEXT_ON = theme.TEXT_ON_ALARM
FLASH_HALF_PERIOD_MS = {AlarmPriority.HIGH: 250, AlarmPriority.MEDIUM: 800}  # 2 Hz and 0.625 Hz
MAX_SHOWN = 3


class AlarmBar(QWidget):
    sigMessage = Signal(str, bool)

    def __init__(self, alarms: AlarmService, initials, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = alarms
        self._initials = initials  # () -> the nurse's initials now
        self.lines = [plain(QLabel("")) for _ in range(MAX_SHOWN)]
        for i, line in enumerate(self.lines):
            line.setObjectName(f"alarm_line_{i}")
            line.setMinimumHeight(28)
        self.ack = QPushButton("Acknowledge (F9)")
        self.ack.setObjectName("alarm_ack")
        self.ack.setShortcut("F9")
        self.pause = QPushButton("Audio pause 2 min (F10)")
        self.pause.setObjectName("alarm_pause")
        self.pause.setShortcut("F10")
        self.limits = QPushButton("Limits…")
        self.limits.setObjectName("alarm_limits")
        self.standing = plain(QLabel(""))  # the window lays it out beneath the bar, full width
        self.standing.setObjectName("alarm_standing")
        self.standing.setWordWrap(True)
        self.standing.hide()
        self.ack.clicked.connect(self.acknowledge)
        self.pause.clicked.connect(self.pause_audio)
        self.limits.clicked.connect(self.open_limits)
        lines = QVBoxLayout()
        lines.setSpacing(1)
        for line in self.lines:
            lines.addWidget(line)
        buttons = QHBoxLayout()
        buttons.addWidget(self.ack)
        buttons.addWidget(self.pause)
        buttons.addWidget(self.limits)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(lines, 1)
        layout.addLayout(buttons)
        self.limits_dialog: LimitsDialog | None = None
        self._flash_on = True
        self._phase_ms = 0
        self._flash = QTimer(self)
        self._flash.setInterval(50)
        self._flash.timeout.connect(self._on_flash)
        self._flash.start()
        self.refresh()

    def _who(self) -> str:
        return self._initials()

    def acknowledge(self) -> None:
        if not self._who():
            self.sigMessage.emit("Enter your initials to acknowledge alarms", True)
        self.service.acknowledge(self._who() or "??")
        self.refresh()

    def pause_audio(self) -> None:
        self.service.pause_audio(self._who() or "??")
        self.refresh()

    def open_limits(self) -> LimitsDialog:
        self.limits_dialog = LimitsDialog(self.service, self._initials, self)
        self.limits_dialog.open()
        return self.limits_dialog

    def refresh(self) -> None:
        alarms = self.service.alarms()
        for i, line in enumerate(self.lines):
            alarm = alarms[i] if i < len(alarms) else None
            more = len(alarms) - MAX_SHOWN if i == MAX_SHOWN - 1 and len(alarms) > MAX_SHOWN else 0
            self._paint_line(line, alarm, more)
        self._paint_standing()
        until = self.service.paused_until()
        now = self.service.clock.now()
        if until is not None and until > now:
            left = int(until - now)
            self.pause.setText(f"Audio paused {ms(left)}")
        else:
            self.pause.setText("Audio pause 2 min (F10)")

    def _paint_line(self, line: QLabel, alarm: Alarm | None, more: int = 0) -> None:
        first = line is self.lines[0]
        line.setVisible(alarm is not None or first)  # the bar stays one line high when all is quiet
        text, style = self._look(alarm)
        if alarm is None and first:
            text, style = "No active alarms", f"color: {theme.NOT_CURRENT}; font-size: 15px; padding: 2px;"
        if more:
            text += f"   (+{more} more: see the alarm history)"
        if line.text() != text:
            line.setText(text)
        if line.styleSheet() != style:  # restyling is not free: only on a change (flash phase, new alarm)
            line.setStyleSheet(style)
        line.setProperty("priority", alarm.priority.name.lower() if alarm else "")

    def _paint_standing(self) -> None:
        standing = self.service.standing()
        text = "\n".join(f"{hm_text(a.onset)} TECHNICAL · {a.message}" for a in standing)
        if self.standing.text() != text:
            self.standing.setText(text)
            priority = max((a.priority for a in standing), default=AlarmPriority.MEDIUM)
            self.standing.setStyleSheet(
                f"background: {COLOURS[priority]}; color: {TEXT_ON[priority]}; font-size: 18px; font-weight: bold;"
                " padding: 4px;"
            )
        self.standing.setVisible(bool(standing))

    def _look(self, alarm: Alarm | None) -> tuple[str, str]:
        if alarm is None:
            return "", "background: transparent;"
        kind = "TECHNICAL · " if alarm.category is AlarmCategory.TECHNICAL else ""
        state = {AlarmStatus.ACKNOWLEDGED: " ✓ acknowledged", AlarmStatus.LATCHED: " (cleared — acknowledge)"}
        text = f"{hm_text(alarm.onset)} {kind}{alarm.message}{state.get(alarm.status, '')}"
        flashing = alarm.status is AlarmStatus.ACTIVE and alarm.priority in FLASH_HALF_PERIOD_MS
        lit = not flashing or self._lit(alarm.priority)
        background = COLOURS[alarm.priority] if lit else theme.ALARM_UNLIT
        ink = TEXT_ON[alarm.priority] if lit else "white"
        return text, f"background: {background}; color: {ink}; font-size: 18px; font-weight: bold; padding: 2px;"

    def _lit(self, priority: AlarmPriority) -> bool:
        return (self._phase_ms // FLASH_HALF_PERIOD_MS[priority]) % 2 == 0

    def _on_flash(self) -> None:
        self._phase_ms += self._flash.interval()
        self.refresh()


class LimitsDialog(QDialog):
    """This session's alarm limits; a change needs the nurse's initials and a reason, and is recorded."""

    def __init__(self, alarms: AlarmService, initials, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = alarms
        self._initials = initials
        self.setWindowTitle("Alarm limits for this session")
        self.param = QComboBox()
        self.param.setObjectName("limit_param")
        for name in alarms.limits():
            self.param.addItem(f"{PARAMS[name].label} ({PARAMS[name].unit})", name)
        self.low = QLineEdit()
        self.low.setObjectName("limit_low")
        self.high = QLineEdit()
        self.high.setObjectName("limit_high")
        self.bounds = QLabel("")
        self.reason = QLineEdit()
        self.reason.setObjectName("limit_reason")
        self.reason.setPlaceholderText("Why? (required, recorded with the change)")
        self.error = plain(QLabel(""))
        self.error.setObjectName("limit_error")
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.error.setWordWrap(True)
        self.param.currentIndexChanged.connect(self._show_current)
        form = QFormLayout(self)
        form.addRow("Parameter", self.param)
        form.addRow("Low limit", self.low)
        form.addRow("High limit", self.high)
        form.addRow(self.bounds)
        form.addRow("Reason", self.reason)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._show_current()

    def _show_current(self) -> None:
        limit = self.service.limits()[self.param.currentData()]
        for field, value, bounds in (
            (self.low, limit.low, limit.bounds_low),
            (self.high, limit.high, limit.bounds_high),
        ):
            field.setText("" if value is None else f"{value:g}")
            field.setEnabled(value is not None)
            field.setPlaceholderText("none" if value is None else f"{bounds[0]:g}–{bounds[1]:g}" if bounds else "")
        allowed = "; ".join(
            f"{which} {b[0]:g}–{b[1]:g}" for which, b in (("low", limit.bounds_low), ("high", limit.bounds_high)) if b
        )
        unit = PARAMS[limit.param].unit
        held = f" for {limit.clear_hold_s:g} s" if limit.clear_hold_s else " (one reading)"
        self.bounds.setText(
            f"Allowed: {allowed}.\nAn alarm clears once the value is back inside by {limit.clear_margin:g} {unit}"
            f"{held} (clinic default)."
        )

    def _value(self, field: QLineEdit, what: str) -> float | None:
        if not field.isEnabled():
            return None
        return parse_number(field.text(), what, PARAMS[self.param.currentData()].unit)

    def accept(self) -> None:
        param = self.param.currentData()
        try:
            low, high = self._value(self.low, "Low limit"), self._value(self.high, "High limit")
            self.service.set_limit(param, low, high, self._initials(), self.reason.text())
        except EntryError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


class AlarmHistory(QTreeWidget):
    """The session's alarm events, newest at the bottom; repeats of one condition are one row with a count and
    the time of the last (monitor.clinical.alarm_history; the database keeps every event)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarm_history")
        self.setHeaderLabels(("Time", "Event", "Alarm", "Priority", "By", "Repeats"))
        self.setRootIsDecorated(False)
        self.setColumnWidth(0, 70)
        self.setColumnWidth(1, 110)
        self.setColumnWidth(2, 380)
        self.repeats: AlarmRepeats[AlarmEvent] = AlarmRepeats()

    def add_events(self, events: list[AlarmEvent]) -> None:
        for e in events:
            row, new = self.repeats.add(e)
            if not new:
                self.topLevelItem(row).setText(5, self.repeats.rows[row].span_text(clock_text))
                continue
            priority = e.priority.name.lower() if e.priority else ""
            item = QTreeWidgetItem([clock_text(e.t), e.action.value, e.message, priority, e.who, ""])
            if e.priority is not None:
                item.setForeground(
                    3, Qt.GlobalColor.red if e.priority is AlarmPriority.HIGH else Qt.GlobalColor.darkYellow
                )
            self.addTopLevelItem(item)
        self.scrollToBottom()
