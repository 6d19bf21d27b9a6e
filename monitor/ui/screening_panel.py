"""ScreeningPanel: the pre-infusion screening form. Every question needs an explicit answer; the verdict (may
start, blocked, cautions) is shown after recording, and an override needs its reason typed in. The form is
cleared once recorded: a later screening (e.g. with an override) is answered afresh.

Three groups, as clinical.md sorts them: the relative contraindications [ASRA-2018] (a yes blocks the start unless
overridden), the cautions to weigh (recorded, never blocking), and the tests prompts [ASRA-2018] (answered, never
blocking). The pre-dose MOAA/S (its wording from clinical.scales.MOAAS) starts unchosen, as every answer does.

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
from monitor.clinical.scales import MOAAS
from monitor.clinical.screening import (
    BP_GATE_DIA,
    BP_GATE_SYS,
    PRE_DOSE_MOAAS,
    Caution,
    Contraindication,
    Investigation,
    InvestigationAnswer,
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


def _choice(name: str, choices: list[tuple[str, object]]) -> QComboBox:
    """A combo that starts unanswered ("—", data None): nothing pre-chosen."""
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItem(UNANSWERED, None)
    for text, data in choices:
        combo.addItem(text, data)
    return combo


def _group(title: str, explained: str, rows: list[tuple[str, QComboBox]], answer_width: int) -> QGroupBox:
    """A short title (a group box's title never wraps: a long one would widen the panel past the desk's screen) and
    what the group means on a wrapped line under it."""
    box = QGroupBox(title)
    grid = QGridLayout(box)
    grid.setColumnStretch(0, 1)  # the item's text takes the width; a long one wraps, never hides its answer
    meaning = QLabel(explained)
    meaning.setWordWrap(True)
    meaning.setStyleSheet("font-style: italic;")
    grid.addWidget(meaning, 0, 0, 1, 2)
    for row, (text, combo) in enumerate(rows, start=1):
        label = QLabel(text[0].upper() + text[1:])
        label.setWordWrap(True)
        combo.setFixedWidth(answer_width)
        grid.addWidget(label, row, 0)
        grid.addWidget(combo, row, 1)
    return box


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
        # The yes/no items: the relative contraindications [ASRA-2018] (blocks), then the cautions (recorded).
        self.items: dict[Contraindication | Caution, QComboBox] = {
            item: _yes_no(f"screen_{item.name.lower()}") for item in (*Contraindication, *Caution)
        }
        contra = _group(
            "Relative contraindications [ASRA-2018]",
            "A yes blocks the start unless an override is recorded with its reason.",
            [(item.value, self.items[item]) for item in Contraindication],
            90,  # "—", "No", "Yes"
        )
        cautions = _group(
            "Cautions to weigh",
            "Recorded with the screening and shown; they do not block the start.",
            [(item.value, self.items[item]) for item in Caution],
            90,
        )
        self.tests = {
            prompt: _choice(
                f"screen_test_{prompt.name.lower()}", [(a.value.capitalize(), a.value) for a in InvestigationAnswer]
            )
            for prompt in Investigation
        }
        tests = _group(
            "Tests to consider [ASRA-2018]",
            "None needed for healthy patients. Prompts: answered and recorded, they do not block the start.",
            [(prompt.value, self.tests[prompt]) for prompt in Investigation],
            210,  # "Indicated: done or arranged"
        )
        # [MOAA/S] wording; [PI]: a fall from the pre-dose score is sedation. Chosen, never pre-filled.
        self.pre_dose_moaas = _choice(
            "screen_pre_dose_moaas", [(MOAAS.label(lv.score), lv.score) for lv in MOAAS.levels]
        )
        # Its long wording must not widen the panel: the closed box may elide, the opened list shows it whole.
        self.pre_dose_moaas.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.pre_dose_moaas.setMinimumContentsLength(16)
        self.pre_dose_moaas.view().setMinimumWidth(self.pre_dose_moaas.view().sizeHintForColumn(0) + 24)
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
        f2.addRow("Pre-dose MOAA/S", self.pre_dose_moaas)
        f2.addRow("Consent given", self.consent)
        f2.addRow("Fasting confirmed", self.fasting)
        f2.addRow("Escort arranged for discharge", self.escort)
        f2.addRow("Current medications", self.medications)
        # The gate the session's screening is judged by: the clinic's (clinic.json), shown as it is (seen: the
        # labels said 160/100 while a clinic's 150/95 refused the start).
        gate_sys, gate_dia = (f"{v:g}" for v in recorder.service.protocol.bp_gate)
        standing = (
            "a clinic default (clinic.json may change it)"
            if recorder.service.protocol.bp_gate == (BP_GATE_SYS, BP_GATE_DIA)
            else "this clinic's (clinic.json)"
        )
        gate = QLabel(f"The start gate {gate_sys}/{gate_dia} mmHg is {standing}.")
        gate.setObjectName("screening_gate")
        gate.setWordWrap(True)
        f2.addRow(gate)
        f2.addRow(f"Baseline systolic, mmHg (gate {gate_sys})", self.baseline["sys"])
        f2.addRow(f"Baseline diastolic, mmHg (gate {gate_dia})", self.baseline["dia"])
        f2.addRow("Baseline heart rate, /min", self.baseline["hr"])
        f2.addRow("Baseline SpO₂, %", self.baseline["spo2"])
        f2.addRow(take)
        f2.addRow("Baseline pain NRS", self.pain)
        f2.addRow("Override reason", self.override)
        layout = QVBoxLayout(self)
        for box in (contra, cautions, tests, other):
            layout.addWidget(box)
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
            "contraindications": {item.name.lower(): _answer(self.items[item]) for item in Contraindication},
            "cautions": {item.name.lower(): _answer(self.items[item]) for item in Caution},
            "tests": {prompt.name.lower(): combo.currentData() for prompt, combo in self.tests.items()},
            PRE_DOSE_MOAAS: self.pre_dose_moaas.currentData(),
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
        for combo in (
            *self.items.values(),
            *self.tests.values(),
            self.pre_dose_moaas,
            self.consent,
            self.fasting,
            self.escort,
        ):
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
        if result.tests:
            text += " Tests: " + "; ".join(result.tests) + "."
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {colour}; font-weight: bold;")
