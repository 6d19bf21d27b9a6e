"""TimelineList: every entry of the session in time order, with corrections shown, and the correction dialog.

GUI thread. Struck entries stay in the list, struck through; amended ones say so and show the original in
their tooltip. Selecting a row asks the charts to scroll to it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from PySide6.QtCore import QTime, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTimeEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from monitor.clinical.entries import EntryKind, EntryView, describe
from monitor.clinical.scales import SCALES, DissociationLevel, Severity, SideEffect
from monitor.clinical.sedation import score_marks
from monitor.timefmt import clock_text, hm_text, latest_at
from monitor.ui import theme
from monitor.ui.fit import show_message, whole_placeholder
from monitor.ui.text import literal, plain


class TimelineList(QWidget):
    sigEntrySelected = Signal(int)
    sigAmendRequested = Signal(int)
    sigStrikeRequested = Signal(int)

    COLUMNS = ("Time", "Entry", "By", "Status")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setObjectName("timeline_list")
        self.tree.setHeaderLabels(self.COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 70)
        self.tree.setColumnWidth(2, 40)
        self.tree.setColumnWidth(3, 220)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the entry's text: the widest column
        self.tree.itemSelectionChanged.connect(self._on_selection)
        self.amend_button = QPushButton("Amend…")
        self.amend_button.setObjectName("amend")
        self.strike_button = QPushButton("Strike through…")
        self.strike_button.setObjectName("strike")
        self.amend_button.clicked.connect(lambda: self._request(self.sigAmendRequested))
        self.strike_button.clicked.connect(lambda: self._request(self.sigStrikeRequested))
        buttons = QHBoxLayout()
        buttons.addWidget(self.amend_button)
        buttons.addWidget(self.strike_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self._items: dict[int, QTreeWidgetItem] = {}
        self._on_selection()

    def set_entries(self, views: Iterable[EntryView]) -> None:
        selected = self.selected_id()
        self.tree.clear()
        self._items.clear()
        views = list(views)
        marks = score_marks(views)  # [PI] sedation began / resolved, loss of consciousness, the stop threshold
        for view in views:
            item = QTreeWidgetItem(self._row(view, marks.get(view.id, ())))
            item.setData(0, 256, view.id)  # Qt.UserRole
            if view.struck:
                font = item.font(1)
                font.setStrikeOut(True)
                for col in range(len(self.COLUMNS) - 1):
                    item.setFont(col, font)
                    item.setForeground(col, QBrush(QColor(theme.NOT_CURRENT)))
            item.setToolTip(1, literal(_history(view)))
            item.setToolTip(3, literal(item.text(3)))  # a status wider than its column is read whole here
            self.tree.addTopLevelItem(item)
            self._items[view.id] = item
        if selected in self._items:
            self._items[selected].setSelected(True)
        self.tree.scrollToBottom()

    @staticmethod
    def _row(view: EntryView, marks: Iterable[str] = ()) -> list[str]:
        if view.struck:
            status = f"struck: {view.struck_by.reason}" if view.struck_by else "struck"
        elif view.amended:
            status = f"amended: {view.current.reason}"
        else:
            status = ""
        status = "; ".join([*marks, status] if status else marks)
        return [hm_text(view.t), describe(view.kind, view.payload), view.current.initials, status]

    def select(self, entry_id: int) -> None:
        item = self._items.get(entry_id)
        if item is not None:
            self.tree.setCurrentItem(item)
            self.tree.scrollToItem(item)

    def selected_id(self) -> int | None:
        items = self.tree.selectedItems()
        return int(items[0].data(0, 256)) if items else None

    def _on_selection(self) -> None:
        eid = self.selected_id()
        self.amend_button.setEnabled(eid is not None)
        self.strike_button.setEnabled(eid is not None)
        if eid is not None:
            self.sigEntrySelected.emit(eid)

    def _request(self, signal: Signal) -> None:
        eid = self.selected_id()
        if eid is not None:
            signal.emit(eid)


def _history(view: EntryView) -> str:
    lines = [f"{clock_text(view.original.t)} {describe(view.kind, view.original.payload)} — {view.original.initials}"]
    for c in view.corrections:
        what = "amended to " + describe(view.kind, c.payload) if c.action.value == "amend" else "struck through"
        lines.append(f"{clock_text(c.recorded_at)} {what} by {c.initials}: {c.reason}")
    return "\n".join(lines)


# --- correcting an entry --------------------------------------------------------------------------------------

_CHOICES: dict[str, list[tuple[str, Any]]] = {
    "severity": [(s.value, s.value) for s in Severity],
    "effect": [(e.value, e.value) for e in SideEffect],
    "level": [(lv.value, lv.value) for lv in DissociationLevel],
}
_FIXED = ("action", "scale", "items", "difficulty")  # what an entry is (a PHQ-9's answers too) cannot be amended:
# strike it and record a new one


class CorrectionDialog(QDialog):
    """Amend (new content, time and a reason) or strike (a reason) one entry. Stays open while refused."""

    def __init__(
        self,
        view: EntryView,
        strike: bool,
        submit: Callable[[CorrectionDialog], bool],
        now: Callable[[], float],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.strike = strike
        self._submit = submit
        self._now = now
        self.setWindowTitle("Strike through entry" if strike else "Amend entry")
        form = QFormLayout(self)
        entry = QLabel(f"<b>{hm_text(view.t)} {html.escape(describe(view.kind, view.payload))}</b>")
        entry.setObjectName("correction_entry")
        form.addRow(entry)
        self.fields: dict[str, QWidget] = {}
        self.time_edit: QTimeEdit | None = None
        if not strike:
            self.time_edit = QTimeEdit(QTime.fromString(hm_text(view.t), "HH:mm"))
            self.time_edit.setDisplayFormat("HH:mm")
            self.time_edit.setObjectName("amend_time")
            form.addRow("Time", self.time_edit)
            for key, value in _editable(view.kind, view.payload).items():
                widget = self._editor(view, key, value)
                widget.setObjectName(f"amend_{key}")
                self.fields[key] = widget
                form.addRow(key.replace("_", " ").capitalize(), widget)
        self.reason = QLineEdit()
        self.reason.setObjectName("correction_reason")
        self.reason.setPlaceholderText("Why is this entry corrected? (required)")
        whole_placeholder(self.reason)
        form.addRow("Reason", self.reason)
        self.error = plain(QLabel(""))
        self.error.setObjectName("correction_error")
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @staticmethod
    def _editor(view: EntryView, key: str, value: Any) -> QWidget:
        choices = _CHOICES.get(key)
        if key == "score":
            scale = SCALES[view.payload["scale"]]
            choices = [(scale.label(lv.score), lv.score) for lv in scale.levels]
        if choices is None:
            return QLineEdit("" if value is None else f"{value:g}" if isinstance(value, float) else str(value))
        combo = QComboBox()
        for label, data in choices:
            combo.addItem(label, data)
        combo.setCurrentIndex(max(0, combo.findData(value)))
        return combo

    def payload(self) -> dict[str, Any]:
        out = {k: v for k, v in self.view.payload.items() if k in _FIXED}
        for key, widget in self.fields.items():
            out[key] = widget.currentData() if isinstance(widget, QComboBox) else widget.text()  # type: ignore[attr-defined]
        return out

    def chosen_time(self) -> float | None:
        if self.time_edit is None:
            return None
        t = self.time_edit.time()
        if t.toString("HH:mm") == hm_text(self.view.t):
            return self.view.t  # unchanged: keep the seconds
        return latest_at(t.hour(), t.minute(), self._now())

    def accept(self) -> None:
        if self._submit(self):
            super().accept()

    def show_error(self, message: str) -> None:
        show_message(self.error, message)


def _editable(kind: EntryKind, payload: Mapping[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in payload.items() if k not in _FIXED}
    fields.setdefault("note", "")
    if kind is EntryKind.NOTE:
        return {"note": payload.get("note", "")}
    return fields
