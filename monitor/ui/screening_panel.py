"""ScreeningPanel: the pre-infusion screening form. Every question needs an explicit answer; the verdict (may
start, blocked, cautions) is shown after recording, and an override needs its reason typed in. The form is
cleared once recorded: a later screening (e.g. with an override) is answered afresh.

GUI thread; records through the EntryRecorder like every other entry (validated, audited, durable).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from monitor.clinical.cosign import COSIGNED_BY, Safeguard, screening_override
from monitor.clinical.entries import EntryKind
from monitor.clinical.errors import EntryError
from monitor.clinical.screening import (
    BP_GATE_DIA,
    BP_GATE_SYS,
    Contraindication,
    ScreeningResult,
    evaluate,
    validate_screening,
)
from monitor.ui import theme
from monitor.ui.recorder import EntryRecorder

UNANSWERED, NO, YES = "—", "No", "Yes"


def _yes_no(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItems([UNANSWERED, NO, YES])
    return combo


def _answer(combo: QComboBox) -> bool | None:
    return {NO: False, YES: True}.get(combo.currentText())


class ScreeningPanel(QWidget):
    def __init__(
        self,
        recorder: EntryRecorder,
        latest: Callable[[str], float | None],
        parent: QWidget | None = None,
        cosigner: Callable[[Safeguard], str | None] | None = None,
    ) -> None:
        """`cosigner`: asks a second person for an override of a block (cosign_dialog.obtain_cosigner bound to
        the signed-in account): their initials, "" acting alone, None cancelled (nothing recorded)."""
        super().__init__(parent)
        self.recorder = recorder
        self._cosigner = cosigner
        self._latest = latest  # the monitor's latest value of a parameter, for "take baseline from monitor"
        self.items = {item: _yes_no(f"screen_{item.name.lower()}") for item in Contraindication}
        contra = QGroupBox("Contraindications and cautions (answer every one)")
        grid = QGridLayout(contra)
        grid.setColumnStretch(0, 1)  # the item's text takes the width; a long one wraps, never hides its answer
        for row, (item, combo) in enumerate(self.items.items()):
            label = QLabel(item.value.capitalize())
            label.setWordWrap(True)
            combo.setFixedWidth(90)  # "—", "No", "Yes"
            grid.addWidget(label, row, 0)
            grid.addWidget(combo, row, 1)
        self.consent, self.fasting, self.escort = (
            _yes_no(n) for n in ("screen_consent", "screen_fasting", "screen_escort")
        )
        self.medications = QLineEdit()
        self.medications.setPlaceholderText("benzodiazepines, opioids, MAOIs, stimulants…")
        self.baseline = {key: QLineEdit() for key in ("sys", "dia", "hr", "spo2")}
        for key, field in self.baseline.items():
            field.setObjectName(f"baseline_{key}")
        self.pain = QSpinBox()
        self.pain.setObjectName("baseline_pain")
        self.pain.setRange(-1, 10)
        self.pain.setSpecialValueText("—")
        self.pain.setValue(-1)
        take = QPushButton("Take vitals from the monitor")
        take.clicked.connect(self.take_from_monitor)
        self.override = QLineEdit()
        self.override.setObjectName("screen_override")
        self.override.setPlaceholderText("Only to start despite a block: the reason (recorded)")
        self.record = QPushButton("Record screening")
        self.record.setObjectName("record_screening")
        self.record.clicked.connect(self.submit)
        self.verdict = QLabel("Not screened yet: the infusion cannot start.")
        self.verdict.setObjectName("screening_verdict")
        self.verdict.setWordWrap(True)
        other = QGroupBox("Before starting")
        f2 = QFormLayout(other)
        f2.addRow("Consent given", self.consent)
        f2.addRow("Fasting confirmed", self.fasting)
        f2.addRow("Escort arranged for discharge", self.escort)
        f2.addRow("Current medications", self.medications)
        f2.addRow(f"Baseline systolic, mmHg (gate {BP_GATE_SYS})", self.baseline["sys"])
        f2.addRow(f"Baseline diastolic, mmHg (gate {BP_GATE_DIA})", self.baseline["dia"])
        f2.addRow("Baseline heart rate, /min", self.baseline["hr"])
        f2.addRow("Baseline SpO₂, %", self.baseline["spo2"])
        f2.addRow(take)
        f2.addRow("Baseline pain NRS", self.pain)
        f2.addRow("Override reason", self.override)
        layout = QVBoxLayout(self)
        layout.addWidget(contra)
        layout.addWidget(other)
        layout.addWidget(self.record)
        layout.addWidget(self.verdict)
        layout.addStretch(1)

    def take_from_monitor(self) -> None:
        for key, param in (("sys", "NIBP_SYS"), ("dia", "NIBP_DIA"), ("hr", "HR"), ("spo2", "SPO2")):
            value = self._latest(param)
            if value is not None:
                self.baseline[key].setText(f"{value:g}")

    def submit(self) -> bool:
        payload = {
            "answers": {item.name.lower(): _answer(combo) for item, combo in self.items.items()},
            "consent": _answer(self.consent),
            "fasting": _answer(self.fasting),
            "escort": _answer(self.escort),
            "baseline": {key: field.text() for key, field in self.baseline.items()},
            "baseline_pain": self.pain.value() if self.pain.value() >= 0 else None,
            "medications": self.medications.text(),
            "override_reason": self.override.text(),
        }
        if self._cosigner is not None and self._overrides_a_block(payload):
            cosigned_by = self._cosigner(Safeguard.SCREENING_OVERRIDE)
            if cosigned_by is None:
                self.verdict.setText("Not recorded: the co-signature was cancelled.")
                self.verdict.setStyleSheet(f"color: {theme.ERROR}; font-weight: bold;")
                return False
            if cosigned_by:
                payload[COSIGNED_BY] = cosigned_by
        if not self.recorder.record(EntryKind.SCREENING, payload):
            return False
        self.clear()  # recorded: a new screening is answered afresh, nothing left over
        return True

    @staticmethod
    def _overrides_a_block(payload: dict) -> bool:
        try:
            clean = validate_screening(payload)
        except EntryError:
            return False  # the recorder shows what is wrong; nothing to co-sign yet
        return screening_override(clean, evaluate(clean).blocks)

    def clear(self) -> None:
        for combo in (*self.items.values(), self.consent, self.fasting, self.escort):
            combo.setCurrentIndex(0)
        for field in (self.medications, self.override, *self.baseline.values()):
            field.clear()
        self.pain.setValue(-1)

    def show_result(self, result: ScreeningResult | None) -> None:
        if result is None:
            return
        if not result.may_start:
            text, colour = result.refusal(), theme.ERROR
        elif result.blocks:
            text, colour = "May start on the recorded override: " + "; ".join(result.blocks), theme.CAUTION
        else:
            text, colour = "Screening complete: the infusion may start.", theme.OK
        if result.cautions:
            text += " Cautions: " + "; ".join(result.cautions) + "."
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {colour}; font-weight: bold;")
