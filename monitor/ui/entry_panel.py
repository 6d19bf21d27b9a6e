"""ObservationPanel: side effects with one click, and the structured scores.

The scores (`scores`) and the side-effect review (`review_none`) are what a scheduled check takes: the workspace
lays them out in its *Check* group, always in view; the side-effect buttons stay on the panel. The side effect
"Dissociation (side effect)" and the check's "Dissociation rating" are named apart (issue 16).

GUI thread. Each button records at once through the EntryRecorder with the chosen severity (none is preselected,
and none is kept after recording) and the optional note; shortcuts (shown in each tooltip) reach the common
entries without the mouse.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from monitor.clinical.entries import EntryKind
from monitor.clinical.scales import MOAAS, PAIN_NRS, RASS, DissociationLevel, Scale, Severity, SideEffect
from monitor.ui.recorder import EntryRecorder

NO_PAIN_SCORE = -1  # the pain box's "—": no number chosen

# Alt+letter for each side effect (unique, and mostly the word's first letter).
SIDE_EFFECT_KEYS = {
    SideEffect.DISSOCIATION: "D",
    SideEffect.HALLUCINATIONS: "H",
    SideEffect.SEDATION: "S",
    SideEffect.NAUSEA: "N",
    SideEffect.VOMITING: "V",
    SideEffect.DIZZINESS: "Z",
    SideEffect.HEADACHE: "E",
    SideEffect.ANXIETY: "A",
    SideEffect.VISION: "B",
    SideEffect.NYSTAGMUS: "Y",
    SideEffect.HYPERSALIVATION: "L",
    SideEffect.PALPITATIONS: "P",
    SideEffect.OTHER: "O",
}
SHORT_LABEL = {
    SideEffect.DISSOCIATION: "Dissociation\n(side effect)",
    SideEffect.HALLUCINATIONS: "Hallucinations /\nperception",
    SideEffect.ANXIETY: "Anxiety /\nagitation",
    SideEffect.VISION: "Blurred /\ndouble vision",
}


class ObservationPanel(QWidget):
    def __init__(self, recorder: EntryRecorder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recorder = recorder
        # Key sequence -> action. The window installs them on itself (MainWindow): a shortcut owned by this panel
        # would be dead whenever another tab hides it (seen: Ctrl+P on the Recovery tab).
        self.shortcuts: dict[str, Callable[[], None]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._side_effects_box())
        self.scores = self._scores_box()  # laid out by the workspace in its Check group
        layout.addStretch(1)

    # --- side effects ---------------------------------------------------------------------------------------

    def _side_effects_box(self) -> QGroupBox:
        box = QGroupBox("Side effects")
        self.severity = QButtonGroup(self)
        severity_row = QHBoxLayout()
        severity_row.addWidget(QLabel("Severity:"))
        self.severity_buttons: dict[Severity, QPushButton] = {}
        for i, sev in enumerate(Severity, start=1):
            button = QPushButton(sev.value.capitalize())
            button.setObjectName(f"severity_{sev.value}")
            button.setCheckable(True)
            self.shortcuts[f"Ctrl+{i}"] = button.click
            button.setToolTip(f"Ctrl+{i}")
            self.severity.addButton(button)
            self.severity_buttons[sev] = button
            severity_row.addWidget(button)
        # No severity preselected: one click on a side effect must not record "mild" that nobody chose.
        self.note = QLineEdit()
        self.note.setObjectName("observation_note")
        self.note.setPlaceholderText("Optional note (Ctrl+L)")
        self.note.setMaxLength(500)
        self.shortcuts["Ctrl+L"] = self._focus(self.note)
        grid = QGridLayout()
        self.effect_buttons: dict[SideEffect, QPushButton] = {}
        for i, effect in enumerate(SideEffect):
            key = SIDE_EFFECT_KEYS[effect]
            button = QPushButton(SHORT_LABEL.get(effect, effect.value.capitalize()))
            button.setObjectName(f"effect_{effect.name.lower()}")
            button.setMinimumHeight(44)
            self.shortcuts[f"Alt+{key}"] = button.click
            button.setToolTip(f"Record {effect.value} with the chosen severity (Alt+{key})")
            button.clicked.connect(lambda _=False, e=effect: self.record_side_effect(e))
            grid.addWidget(button, i // 3, i % 3)
            self.effect_buttons[effect] = button
        self.review_none = QPushButton("Reviewed: no side effects")
        self.review_none.setObjectName("review_none")
        self.review_none.setToolTip("The scheduled side-effect review found nothing (Alt+R)")
        self.shortcuts["Alt+R"] = self.review_none.click
        self.review_none.clicked.connect(lambda: self.recorder.record(EntryKind.CHECK, {}))
        layout = QVBoxLayout(box)
        layout.addLayout(severity_row)
        layout.addWidget(self.note)
        layout.addLayout(grid)
        return box

    def chosen_severity(self) -> Severity | None:
        return next((sev for sev, b in self.severity_buttons.items() if b.isChecked()), None)

    def record_side_effect(self, effect: SideEffect) -> None:
        severity = self.chosen_severity()
        if severity is None:
            self.recorder.sigMessage.emit(
                f"Choose the severity of {effect.value} first (Ctrl+1 mild, Ctrl+2 moderate, Ctrl+3 severe)", True
            )
            return
        payload = {"effect": effect.value, "severity": severity.value, "note": self.note.text()}
        if self.recorder.record(EntryKind.SIDE_EFFECT, payload):
            self.note.clear()
            self.severity.setExclusive(False)  # an exclusive group cannot be left with none checked otherwise
            for button in self.severity_buttons.values():
                button.setChecked(False)
            self.severity.setExclusive(True)

    # --- scores ---------------------------------------------------------------------------------------------

    def _scores_box(self) -> QWidget:
        box = QWidget()
        box.setObjectName("scores")
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.pain = QSpinBox()
        self.pain.setObjectName("pain_score")
        self.pain.setRange(NO_PAIN_SCORE, 10)  # below 0: not chosen yet, shown "—"; the nurse picks every score
        self.pain.setSpecialValueText("—")
        self.pain.setValue(NO_PAIN_SCORE)
        self.pain.setToolTip("Pain NRS: 0 no pain, 10 worst imaginable (Ctrl+P, then Enter)")
        pain_button = self._record_button("Record pain", "record_pain", self.record_pain)
        self.pain.lineEdit().returnPressed.connect(self.record_pain)
        self.shortcuts["Ctrl+P"] = self._focus(self.pain)
        grid.addWidget(QLabel("Pain NRS 0–10"), 0, 0)
        grid.addWidget(self.pain, 0, 1)
        grid.addWidget(pain_button, 0, 2)

        self.rass = self._scale_combo(RASS, "rass_score")
        self.moaas = self._scale_combo(MOAAS, "moaas_score")
        for row, (combo, scale, key) in enumerate(((self.rass, RASS, "R"), (self.moaas, MOAAS, "M")), start=1):
            button = self._record_button(
                f"Record {scale.name}", f"record_{scale.key}", lambda _=False, c=combo, s=scale: self.record_scale(s, c)
            )
            self.shortcuts[f"Ctrl+{key}"] = self._focus(combo)
            enter = QShortcut(QKeySequence(Qt.Key.Key_Return), combo, context=Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(button.click)
            combo.setToolTip(f"Ctrl+{key}, choose, then Enter")
            grid.addWidget(QLabel(scale.name), row, 0)
            grid.addWidget(combo, row, 1)
            grid.addWidget(button, row, 2)

        rating = QLabel("Dissociation rating")
        rating.setToolTip("Quick dissociation severity at this check [CADSS]; not the side effect")
        grid.addWidget(rating, 3, 0)
        row = QHBoxLayout()
        self.dissociation_buttons: dict[DissociationLevel, QPushButton] = {}
        for level in DissociationLevel:
            button = QPushButton(level.value.capitalize())
            button.setObjectName(f"dissociation_{level.value}")
            button.setToolTip("Quick dissociation severity at this check [CADSS]")
            button.clicked.connect(
                lambda _=False, lv=level: self.recorder.record(EntryKind.DISSOCIATION, {"level": lv.value})
            )
            row.addWidget(button)
            self.dissociation_buttons[level] = button
        grid.addLayout(row, 3, 1, 1, 2)
        return box

    @staticmethod
    def _focus(widget: QWidget):
        return lambda: widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @staticmethod
    def _record_button(text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    @staticmethod
    def _scale_combo(scale: Scale, name: str) -> QComboBox:
        """No level preselected, and none kept after recording: every score is a choice the nurse made then."""
        combo = QComboBox()
        combo.setObjectName(name)
        # The longest MOAA/S wording would otherwise set the panel's width; the full text shows when open.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(16)
        combo.addItem(f"— choose the {scale.name} level —", None)
        for level in scale.levels:
            combo.addItem(scale.label(level.score), level.score)
        return combo

    def record_pain(self) -> None:
        if self.pain.value() == NO_PAIN_SCORE:
            self.recorder.sigMessage.emit("Choose the pain score (0–10) first, then record it", True)
            return
        if self.recorder.record(EntryKind.SCORE, {"scale": PAIN_NRS.key, "score": self.pain.value()}):
            self.pain.setValue(NO_PAIN_SCORE)  # nothing left over for the next score

    def record_scale(self, scale: Scale, combo: QComboBox) -> None:
        if combo.currentData() is None:
            self.recorder.sigMessage.emit(f"Choose the {scale.name} level first, then record it", True)
            return
        # A score at the stop threshold (clinical.md "Sedation scales") raises the high-priority sedation alarm
        # (AlarmService.watch_entries): the alarm bar, the sound and the record say it, not a label here.
        if self.recorder.record(EntryKind.SCORE, {"scale": scale.key, "score": int(combo.currentData())}):
            combo.setCurrentIndex(0)
