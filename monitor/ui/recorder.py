"""EntryRecorder: the forms' one way to record, amend and strike, with the time a nurse chose.

GUI thread. Validation errors come back at once as a message; the confirmation comes only when the entry is
on disk (the service's future, delivered to the GUI thread by the facade), so the GUI never waits for I/O and
never says "saved" before it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, QTime, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QMessageBox, QTimeEdit, QWidget

from monitor.clinical.entries import Entry, EntryAction, EntryKind, describe
from monitor.clinical.errors import EntryError
from monitor.clinical.screening import evaluate as evaluate_screening
from monitor.timefmt import clock_text, hm_text, latest_at
from monitor.ui.facade import SessionFacade

SLOW_SAVE_MS = 700  # an fsync takes milliseconds; longer means the disk is refusing writes

Question = Callable[[Entry], str]  # what a confirmation asks, from the entry exactly as it would be recorded


def ask(parent: QWidget | None, text: str) -> bool:
    """Yes or No to an irreversible entry; No (the default button) records nothing."""
    box = QMessageBox(QMessageBox.Icon.Question, "Confirm", text, parent=parent)
    box.setObjectName("confirm_entry")
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


class EntryTimeControl(QWidget):
    """'Now', or an earlier time of day the nurse sets (back-dating within the session)."""

    def __init__(self, now: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self.earlier = QCheckBox("Earlier time")
        self.earlier.setObjectName("earlier_time")
        self.earlier.setToolTip("Record at an earlier time within the session instead of now")
        self.time_edit = QTimeEdit()
        self.time_edit.setObjectName("entry_time")
        self.time_edit.setDisplayFormat("HH:mm")
        self.time_edit.setEnabled(False)
        self.earlier.toggled.connect(self._on_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.earlier)
        layout.addWidget(self.time_edit)
        layout.addStretch(1)

    def _on_toggled(self, on: bool) -> None:
        self.time_edit.setEnabled(on)
        if on:
            t = QTime.fromString(hm_text(self._now()), "HH:mm")
            self.time_edit.setTime(t)

    def chosen(self) -> float | None:
        if not self.earlier.isChecked():
            return None
        t = self.time_edit.time()
        return latest_at(t.hour(), t.minute(), self._now())

    def reset(self) -> None:
        self.earlier.setChecked(False)


class EntryRecorder(QObject):
    sigMessage = Signal(str, bool)  # text for the nurse, is it an error

    def __init__(self, facade: SessionFacade, time_control: EntryTimeControl, parent: QObject | None = None) -> None:
        super().__init__(parent)
        assert facade.service is not None, "recording needs a session service"
        self.facade = facade
        self.service = facade.service
        self.time_control = time_control
        self.in_flight = 0
        parent = self.parent()
        # How the nurse is asked (a modal box on the window); replaceable, e.g. by tests that answer it.
        self.confirm: Callable[[str], bool] = lambda text: ask(parent if isinstance(parent, QWidget) else None, text)

    def record(self, kind: EntryKind, payload: Mapping[str, Any], question: Question | None = None) -> bool:
        """Submit an entry; False (with the message shown) when it is refused. With `question`, the entry is
        checked first, the nurse is asked to confirm exactly what will be recorded, and No records nothing."""
        t = self.time_control.chosen()
        if question is not None:
            try:
                entry = self.service.check(kind, payload, t)
            except EntryError as exc:
                self.sigMessage.emit(str(exc), True)
                return False
            if not self.confirm(question(entry)):
                self.sigMessage.emit(f"Not recorded: {describe(entry.kind, entry.payload)}", False)
                return False
            t = entry.t  # recorded at the time the question showed
        return self._submit(lambda: self.service.record(kind, payload, t=t))

    def amend(self, entry_id: int, payload: Mapping[str, Any], reason: str, t: float | None) -> bool:
        return self._submit(lambda: self.service.amend(entry_id, payload, reason, t=t))

    def strike(self, entry_id: int, reason: str) -> bool:
        return self._submit(lambda: self.service.strike(entry_id, reason))

    def _submit(self, make: Callable[[], Future[Entry]]) -> bool:
        try:
            future = make()
        except EntryError as exc:
            self.sigMessage.emit(str(exc), True)
            return False
        self.in_flight += 1
        self.time_control.reset()
        self.facade.deliver(future, self._on_done)
        QTimer.singleShot(SLOW_SAVE_MS, lambda: self._warn_if_waiting(future))
        return True

    def _warn_if_waiting(self, future: Future[Entry]) -> None:
        if not future.done():
            self.sigMessage.emit(
                "Saving… the database is not taking writes yet: the entry is kept in memory and will be "
                "confirmed here once it is on disk.",
                True,
            )

    def _on_done(self, future: Future[Entry]) -> None:
        self.in_flight -= 1
        error = future.exception()
        if error is not None:
            self.sigMessage.emit(str(error), True)
            return
        entry = future.result()
        verb = {"create": "Saved", "amend": "Amended", "strike": "Struck through"}[entry.action.value]
        blocked = self._blocks(entry)
        if blocked:  # on the record, but what it says stops the workflow: announced as such, in red
            self.sigMessage.emit(f"{verb} at {clock_text(entry.t)} — {blocked}", True)
        else:
            self.sigMessage.emit(f"{verb} at {clock_text(entry.t)}: {describe(entry.kind, entry.payload)}", False)
        # What the entry changes on screen comes by its one route: the facade's sigEntryStored.

    def _blocks(self, entry: Entry) -> str:
        """What a stored entry stops, when it stops something: a screening that does not allow the start."""
        if entry.kind is not EntryKind.SCREENING or entry.action is EntryAction.STRIKE:
            return ""
        result = evaluate_screening(entry.payload, self.service.protocol.bp_gate)
        return f"screening BLOCKS the start. {result.refusal()}" if not result.may_start else ""
