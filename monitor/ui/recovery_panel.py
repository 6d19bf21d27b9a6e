"""RecoveryPanel: the modified Aldrete score and the discharge checklist; Discharge is refused with what is
missing (minimum observation time, Aldrete >= 9, end pain score, checklist, a high-priority alarm). An Aldrete
score the monitor contradicts is refused by the service with the values (or, where the clinic allows it, kept
with the reason typed here). Items start unset and are unset again after recording. GUI thread."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from monitor.clinical.entries import Entry, EntryKind
from monitor.clinical.recovery import DISCHARGE_ALDRETE_AT_LEAST, DISCHARGE_CHECKLIST, aldrete_items
from monitor.timefmt import hm_text
from monitor.ui import theme
from monitor.ui.recorder import EntryRecorder
from monitor.ui.style import show


class RecoveryPanel(QWidget):
    def __init__(
        self, recorder: EntryRecorder, context: Callable[[], str] = lambda: "", parent: QWidget | None = None
    ) -> None:
        """`context`: what the nurse compares against for circulation and oxygenation (baseline and latest)."""
        super().__init__(parent)
        self.recorder = recorder
        self.service = recorder.service
        self._context = context
        aldrete = QGroupBox(f"Modified Aldrete (discharge at ≥ {DISCHARGE_ALDRETE_AT_LEAST})")
        form = QFormLayout(aldrete)
        self.context = QLabel("")
        self.context.setObjectName("aldrete_context")
        self.context.setWordWrap(True)
        form.addRow(self.context)
        self.items: dict[str, QComboBox] = {}
        for key, name, wording in aldrete_items(self.service.protocol.aldrete_circulation):
            combo = QComboBox()
            combo.setObjectName(f"aldrete_{key}")
            combo.addItem("—", None)
            for points, text in zip((2, 1, 0), wording, strict=True):
                combo.addItem(f"{points} {text}", points)
            self.items[key] = combo
            form.addRow(name, combo)
        self.override = QLineEdit()
        self.override.setObjectName("aldrete_override")
        self.override.setPlaceholderText("Only to keep a score the monitor contradicts: why (recorded)")
        if self.service.protocol.aldrete_override:  # the clinic's choice (clinic.json); refused otherwise
            form.addRow("Reason", self.override)
        else:
            self.override.hide()
        self.record_aldrete = QPushButton("Record Aldrete score")
        self.record_aldrete.setObjectName("record_aldrete")
        self.record_aldrete.clicked.connect(self.submit_aldrete)
        form.addRow(self.record_aldrete)
        checklist = QGroupBox("Discharge")
        box = QVBoxLayout(checklist)
        self.checks: dict[str, QCheckBox] = {}
        for key, label in DISCHARGE_CHECKLIST:
            check = QCheckBox(label)
            check.setObjectName(f"discharge_{key}")
            check.toggled.connect(self.refresh)
            self.checks[key] = check
            box.addWidget(check)
        box.addWidget(QLabel("Record the end-of-session pain score on the main tab."))
        self.discharge = QPushButton("Discharge and close the session")
        self.discharge.setObjectName("discharge")
        self.discharge.clicked.connect(self.submit_discharge)
        box.addWidget(self.discharge)
        self.status = QLabel("")
        self.status.setObjectName("discharge_status")
        self.status.setWordWrap(True)
        box.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addWidget(aldrete)
        layout.addWidget(checklist)
        layout.addStretch(1)

    def checklist(self) -> dict[str, bool]:
        return {key: box.isChecked() for key, box in self.checks.items()}

    def submit_aldrete(self) -> bool:
        payload = {key: combo.currentData() for key, combo in self.items.items()}
        if not self.recorder.record(EntryKind.ALDRETE, payload | {"override_reason": self.override.text()}):
            return False
        for combo in self.items.values():  # nothing left over for the next score
            combo.setCurrentIndex(0)
        self.override.clear()
        return True

    def submit_discharge(self) -> bool:
        return self.recorder.record(EntryKind.DISCHARGE, self.checklist(), self._question)

    def _question(self, entry: Entry) -> str:
        done = "; ".join(label for key, label in DISCHARGE_CHECKLIST if entry.payload.get(key))
        return (
            f"Discharge at {hm_text(entry.t)} and close the session? Recorded with it: {done}. "
            "Nothing can be added to this session afterwards."
        )

    def refresh(self) -> None:
        self.context.setText(self._context())
        if self.service.discharged():
            self.discharge.setEnabled(False)
            show(self.status, "Discharged: the session is closed.", theme.OK_BOLD_STYLE)
            return
        missing = self.service.discharge_refusals(self.checklist())
        ready = not missing
        show(
            self.status,
            "Ready to discharge." if ready else "Not yet: " + "; ".join(missing),
            f"color: {theme.OK if ready else theme.CAUTION};",
        )
