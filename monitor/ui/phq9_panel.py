"""Phq9Panel: the PHQ-9 questionnaire, an optional pre-infusion measure (wording and its source: clinical/phq9.py).

Every answer is a radio button the nurse (or the patient) clicks: nothing is pre-selected and the mouse wheel
changes nothing. The total and its band show as the answers come in; item 9 answered above "Not at all" shows a
notice for the clinician at once (a visible notice, not an alarm sound: see clinical/phq9.py). Recorded through the
EntryRecorder like every other entry; the form is cleared once recorded. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from monitor.clinical.entries import EntryKind
from monitor.clinical.phq9 import (
    ANSWERS,
    DIFFICULTIES,
    DIFFICULTY_QUESTION,
    ITEMS,
    MAX_TOTAL,
    SELF_HARM_ITEM,
    SELF_HARM_NOTICE,
    STEM,
    band,
)
from monitor.ui import theme
from monitor.ui.recorder import EntryRecorder

ANSWER_COLUMN_PX = 64  # "More than half the days (2)" wraps to three lines
SOURCE = (
    "PHQ-9: developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc.; no permission required to reproduce. Bands: Kroenke 2001."
)


def _group(parent: QWidget, name: str, count: int) -> tuple[QButtonGroup, list[QRadioButton]]:
    group = QButtonGroup(parent)
    buttons = []
    for value in range(count):
        button = QRadioButton()
        button.setObjectName(f"{name}_{value}")
        group.addButton(button, value)
        buttons.append(button)
    return group, buttons


def _chosen(group: QButtonGroup) -> int | None:
    value = group.checkedId()
    return None if value < 0 else value


class Phq9Panel(QWidget):
    def __init__(self, recorder: EntryRecorder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recorder = recorder
        box = QGroupBox("PHQ-9 before the infusion (optional)")
        grid = QGridLayout(box)
        grid.setColumnStretch(0, 1)  # the question takes the width and wraps; its answers stay beside it
        stem = QLabel(STEM)
        stem.setWordWrap(True)
        grid.addWidget(stem, 0, 0, 1, len(ANSWERS) + 1)
        for column, text in enumerate(ANSWERS, start=1):
            head = QLabel(f"{text} ({column - 1})")
            head.setWordWrap(True)  # the form's columns, narrow: the panel is a side panel
            head.setFixedWidth(ANSWER_COLUMN_PX)
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(head, 1, column)
        self.items: list[QButtonGroup] = []
        for row, text in enumerate(ITEMS, start=1):
            label = QLabel(f"{row}. {text}")
            label.setWordWrap(True)
            grid.addWidget(label, row + 1, 0)
            group, buttons = _group(self, f"phq9_item{row}", len(ANSWERS))
            for column, button in enumerate(buttons, start=1):
                button.setToolTip(f"{ANSWERS[column - 1]} ({column - 1})")
                grid.addWidget(button, row + 1, column, Qt.AlignmentFlag.AlignCenter)
            group.idClicked.connect(self._show_score)
            self.items.append(group)
        difficulty = QGroupBox()
        difficulty.setObjectName("phq9_difficulty_box")
        row_layout = QGridLayout(difficulty)
        question = QLabel(DIFFICULTY_QUESTION)  # a group box title would not wrap
        question.setWordWrap(True)
        row_layout.addWidget(question, 0, 0, 1, 2)
        self.difficulty, buttons = _group(self, "phq9_difficulty", len(DIFFICULTIES))
        for n, (button, text) in enumerate(zip(buttons, DIFFICULTIES, strict=True)):
            button.setText(text)
            row_layout.addWidget(button, 1 + n // 2, n % 2)  # two by two: fits the side panel
        self.score = QLabel("")
        self.score.setObjectName("phq9_score")
        self.notice = QLabel(SELF_HARM_NOTICE)
        self.notice.setObjectName("phq9_self_harm")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(theme.message_style(True, bold_error=True))
        self.notice.hide()
        self.flag_recorded = ""  # the notice of a recorded questionnaire's item 9, kept until the next one
        self.record = QPushButton("Record PHQ-9")
        self.record.setObjectName("record_phq9")
        self.record.clicked.connect(self.submit)
        source = QLabel(SOURCE)
        source.setWordWrap(True)
        source.setStyleSheet(theme.NOT_CURRENT_STYLE)  # quiet: a credit, not a value
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(difficulty)
        layout.addWidget(self.score)
        layout.addWidget(self.notice)
        layout.addWidget(self.record)
        layout.addWidget(source)
        layout.addStretch(1)
        self._show_score()

    def answers(self) -> list[int | None]:
        return [_chosen(group) for group in self.items]

    def _show_score(self, *_: object) -> None:
        answers = self.answers()
        answered = [a for a in answers if a is not None]
        if len(answered) < len(ITEMS):
            total = f"{sum(answered)} so far" if answered else "—"
            self.score.setText(f"Total {total} ({len(answered)} of {len(ITEMS)} answered)")
        else:
            total_value = sum(answered)
            self.score.setText(f"Total {total_value}/{MAX_TOTAL}: {band(total_value).value} (Kroenke 2001)")
        flagged = (answers[SELF_HARM_ITEM - 1] or 0) > 0  # at once, on the click, before anything is recorded
        self.notice.setText(SELF_HARM_NOTICE if flagged else self.flag_recorded)
        self.notice.setVisible(flagged or bool(self.flag_recorded))

    def submit(self) -> bool:
        payload = {"items": self.answers(), "difficulty": _chosen(self.difficulty)}
        flagged = (payload["items"][SELF_HARM_ITEM - 1] or 0) > 0
        if not self.recorder.record(EntryKind.PHQ9, payload):
            return False
        self.flag_recorded = f"Recorded — {SELF_HARM_NOTICE}" if flagged else ""
        self.clear()
        return True

    def clear(self) -> None:
        """Nothing of this questionnaire's answers left over for the next; a recorded item-9 flag stays shown (and on
        the timeline's entry) until the next questionnaire is recorded."""
        for group in (*self.items, self.difficulty):
            group.setExclusive(False)  # an exclusive group cannot uncheck its checked button
            for button in group.buttons():
                button.setChecked(False)
            group.setExclusive(True)
        self._show_score()
