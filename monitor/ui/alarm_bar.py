"""The alarm bar (current alarms, acknowledge, audio pause with its countdown, limits) and the alarm history.

GUI thread; it presents the AlarmService and sends the nurse's actions to it. Colours and flash rates after
IEC 60601-1-8 as in shared/clinical.md: high red flashing at ~2 Hz (1.4-2.8 Hz), medium yellow flashing at
~0.6 Hz (0.4-0.8 Hz), low cyan steady; technical alarms are marked as such. Standing conditions (no alarm sound)
have the first row, as large as an alarm row, steady, shown while true: no button changes it.
The bar is always ROWS rows high, whatever is in it (issue 16: it grew from 1 to 3 rows and a click meant for
Pause hit empty space): the highest-priority alarm keeps the first alarm row, and when there are more alarms than
rows the last row rotates through the rest. A long text is elided in its middle (the time and what, then the
instruction, stay), never widening the window; the whole text is the row's tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from monitor.app.alarm_service import AlarmService
from monitor.app.desk import Desk
from monitor.clinical.alarm_history import AlarmRepeats
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import Alarm, AlarmAction, AlarmCategory, AlarmEvent, AlarmStatus
from monitor.clinical.cosign import Safeguard
from monitor.clinical.errors import EntryError, parse_number
from monitor.clinical.limit_standing import standing_text
from monitor.params import PARAMS
from monitor.timefmt import clock_text, hm_text, ms
from monitor.ui import theme
from monitor.ui.fit import show_message, whole_placeholder
from monitor.ui.text import plain

COLOURS = theme.ALARM  # where the station card and the trends find them
TEXT_ON = theme.TEXT_ON_ALARM
FLASH_HALF_PERIOD_MS = {AlarmPriority.HIGH: 250, AlarmPriority.MEDIUM: 800}  # 2 Hz and 0.625 Hz
ROWS = 3  # the bar's fixed height in rows; a standing condition takes the first, alarms the others
ROW_HEIGHT = 26  # one row of 18 px bold text with its padding
ROTATE_MS = 3000  # the last row's turn per alarm, when more alarms than rows


class RowLabel(QLabel):
    """A row of fixed height whose text never widens the window: elided in the middle to the row's width."""

    def __init__(self, tip: bool = True) -> None:
        """`tip`: the whole text is the tooltip (the standing row's tooltip says why, for IT, instead)."""
        super().__init__("")
        plain(self)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(ROW_HEIGHT)
        self._full = ""
        self._parts: list[str] = []  # several conditions in one row: each elided in its own share of the width
        self._tip = tip

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self._parts = []
            if self._tip:
                self.setToolTip(text)
            self._fit()

    def set_parts(self, parts: list[str], separator: str) -> None:
        """Several texts in one row, each kept readable from its start: elided at its end within an equal share
        of the width (a long one does not hide the next one's head, as eliding the whole row in the middle would)."""
        self.set_full_text(separator.join(parts))
        self._parts = parts if len(parts) > 1 else []
        self._separator = separator
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width() - 12  # the stylesheet's padding
        metrics = self.fontMetrics()
        if self._parts:
            share = (room - metrics.horizontalAdvance(self._separator) * (len(self._parts) - 1)) // len(self._parts)
            elided = [metrics.elidedText(p, Qt.TextElideMode.ElideRight, max(share, 0)) for p in self._parts]
            shown = self._separator.join(elided)
        else:
            shown = metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(room, 0))
        if shown != self.text():
            self.setText(shown)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()


class AlarmBar(QWidget):
    sigMessage = Signal(str, bool)

    def __init__(
        self, alarms: AlarmService, initials, parent: QWidget | None = None, cosigner: Cosigner | None = None
    ) -> None:
        """`cosigner`: for the limits dialog, asks a second person for a limit outside the clinic's defaults."""
        super().__init__(parent)
        self.service = alarms
        self._cosigner = cosigner
        self._initials = initials  # () -> the nurse's initials now
        self._limits_who = initials  # () -> who changes a limit (at a desk: its signed-in account, or NotSignedIn)
        self.lines = [RowLabel() for _ in range(ROWS)]
        for i, line in enumerate(self.lines):
            line.setObjectName(f"alarm_line_{i}")
        self.ack = QPushButton("Acknowledge (F9)")
        self.ack.setObjectName("alarm_ack")
        self.ack.setShortcut("F9")
        self.pause = QPushButton("Audio pause 2 min (F10)")
        self.pause.setObjectName("alarm_pause")
        self.pause.setShortcut("F10")
        self.limits = QPushButton("Limits…")
        self.limits.setObjectName("alarm_limits")
        self.standing = RowLabel(tip=False)  # the first row while this desk cannot sound an alarm
        self.standing.setObjectName("alarm_standing")
        self.standing.hide()
        self.ack.clicked.connect(self.acknowledge)
        self.pause.clicked.connect(self.pause_audio)
        self.limits.clicked.connect(self.open_limits)
        lines = QVBoxLayout()
        lines.setSpacing(1)
        lines.setContentsMargins(0, 0, 0, 0)
        lines.addWidget(self.standing)
        for line in self.lines:
            lines.addWidget(line)
        lines.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.ack)
        buttons.addWidget(self.pause)
        buttons.addWidget(self.limits)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(lines, 1)
        layout.addLayout(buttons)
        layout.setAlignment(buttons, Qt.AlignmentFlag.AlignTop)  # the buttons stay where the hand expects them
        self.setFixedHeight(ROWS * ROW_HEIGHT + (ROWS - 1) * lines.spacing())
        # "Audio paused 1:59" and "Audio pause 2 min (F10)" take the same room: the buttons never shift.
        self.pause.setMinimumWidth(self.pause.sizeHint().width())
        self.limits_dialog: LimitsDialog | None = None
        self._flash_on = True
        self._phase_ms = 0
        self._flash = QTimer(self)
        self._flash.setInterval(50)
        self._flash.timeout.connect(self._on_flash)
        self._flash.start()
        self.refresh()

    def use_desk(self, desk: Desk) -> None:
        """Acknowledge / Audio pause are answered by the signed-in account, or "from the locked screen"; a limit
        change needs a signed-in account."""
        self._initials = desk.alarm_who
        self._limits_who = lambda: desk.require("change an alarm limit").initials

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
        self.limits_dialog = LimitsDialog(self.service, self._limits_who, self, self._cosigner)
        self.limits_dialog.open()
        return self.limits_dialog

    def refresh(self) -> None:
        standing = self._paint_standing()
        rows = ROWS - standing
        shown = self.rows_shown(self.service.alarms(), rows, self._phase_ms // ROTATE_MS)
        for i, line in enumerate(self.lines):
            line.setVisible(i < rows)
            if i < rows:
                alarm, more = shown[i] if i < len(shown) else (None, "")
                self._paint_line(line, alarm, more, first=i == 0)
        until = self.service.paused_until()
        now = self.service.clock.now()
        if until is not None and until > now:
            left = int(until - now)
            self.pause.setText(f"Audio paused {ms(left)}")
        else:
            self.pause.setText("Audio pause 2 min (F10)")

    @staticmethod
    def rows_shown(alarms: list[Alarm], rows: int, turn: int) -> list[tuple[Alarm, str]]:
        """What each row shows, with a note of the rotation: the alarms in order (highest priority first) while
        they fit; else the first rows keep theirs and the last one takes the rest in turns."""
        if len(alarms) <= rows:
            return [(a, "") for a in alarms]
        rest = alarms[rows - 1 :]
        k = turn % len(rest)
        return [(a, "") for a in alarms[: rows - 1]] + [(rest[k], f"   ({k + 1} of {len(rest)} in turn)")]

    def _paint_line(self, line: RowLabel, alarm: Alarm | None, more: str, first: bool) -> None:
        text, style = self._look(alarm)
        if alarm is None and first:
            text, style = "No active alarms", f"color: {theme.NOT_CURRENT}; font-size: 15px; padding: 2px;"
        line.set_full_text(text + more)
        if line.styleSheet() != style:  # restyling is not free: only on a change (flash phase, new alarm)
            line.setStyleSheet(style)
        line.setProperty("priority", alarm.priority.name.lower() if alarm else "")

    def _paint_standing(self) -> int:
        """The standing conditions in the first row (no alarm sound; the clinic database's and the EHR interface's
        links), each readable from its start; how many rows it takes."""
        standing = self.service.standing()
        parts = [f"{hm_text(a.onset)} TECHNICAL · {a.message}" for a in standing]
        if self.standing.full_text() != " · ".join(parts):
            self.standing.set_parts(parts, " · ")
            priority = max((a.priority for a in standing), default=AlarmPriority.MEDIUM)
            self.standing.setStyleSheet(
                f"background: {COLOURS[priority]}; color: {TEXT_ON[priority]}; font-size: 18px; font-weight: bold;"
                " padding: 2px;"
            )
        self.standing.setVisible(bool(standing))
        return 1 if standing else 0

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
        if self.isVisible():  # a station's hidden workspaces repainted 8 bars 20 times a second (4 % of a core)
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()  # current the moment it is seen
        super().showEvent(event)


Cosigner = Callable[[Safeguard], "str | None"]  # the co-signer's initials, "" acting alone, None cancelled


class LimitsDialog(QDialog):
    """This session's alarm limits; a change needs the nurse's initials and a reason, and is recorded."""

    def __init__(
        self, alarms: AlarmService, initials, parent: QWidget | None = None, cosigner: Cosigner | None = None
    ) -> None:
        """`cosigner`: asks a second person for a limit outside the clinic's defaults (cosign_dialog.obtain_cosigner
        bound to the signed-in account): their initials, "" acting alone, None cancelled."""
        super().__init__(parent)
        self.service = alarms
        self._initials = initials
        self._cosigner = cosigner
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
        self.standing = plain(QLabel(""))  # which default number a source sets and which is a clinic default
        self.standing.setObjectName("limit_standing")
        self.standing.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("limit_reason")
        self.reason.setPlaceholderText("Why? (required, recorded with the change)")
        whole_placeholder(self.reason)
        self.error = plain(QLabel(""))
        self.error.setObjectName("limit_error")
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.error.setWordWrap(True)
        self.param.currentIndexChanged.connect(self._show_current)
        form = QFormLayout(self)
        form.addRow("Parameter", self.param)
        form.addRow("Low limit", self.low)
        form.addRow("High limit", self.high)
        form.addRow(self.standing)
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
        self.standing.setText(standing_text(limit.param))
        held = f" for {limit.clear_hold_s:g} s" if limit.clear_hold_s else " (one reading)"
        self.bounds.setText(
            f"Allowed (clinic default): {allowed}.\nAn alarm clears once the value is back inside by "
            f"{limit.clear_margin:g} {unit}"
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
            cosigned_by = ""
            if self._cosigner is not None and self.service.needs_cosign(param, low, high):
                cosigned_by = self._cosigner(Safeguard.LIMIT_OUTSIDE_DEFAULTS)
                if cosigned_by is None:
                    raise EntryError("Not changed: the co-signature was cancelled")
            self.service.set_limit(param, low, high, self._initials(), self.reason.text(), cosigned_by)
        except EntryError as exc:
            show_message(self.error, str(exc))
            return
        super().accept()


def alarm_marks(events: Iterable[AlarmEvent]) -> list[tuple[float, str, str]]:
    """The trends' alarm lane marks (TrendView.add_alarm_marks) of alarm events, live or recorded: onsets in their
    priority colour; limit changes (who and why) in grey, on the same lane."""
    return [
        (e.t, COLOURS[e.priority] if e.priority else theme.LIMIT_MARK, f"{e.message} {e.who}".strip())
        for e in events
        if (e.action in (AlarmAction.ONSET, AlarmAction.WORSENED) and e.priority is not None)
        or e.action is AlarmAction.LIMIT_CHANGED
    ]


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
