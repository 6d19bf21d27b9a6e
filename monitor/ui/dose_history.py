"""DoseHistory: the dose each session of a course gave (date, total mg, mg/kg, infusion time, days since the
previous session), beside the tests prompt it informs: liver function tests are to be considered for patients
receiving high doses at frequent intervals [ASRA-2018]. Information for the clinician, not a rule: clinical.md
sets no number for "high" or "frequent", so the program draws no line.

GUI thread; filled from the course's SessionSummary list (app.courses) the course view already reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGroupBox, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from monitor.app.courses import SessionSummary
from monitor.clinical.screening import SHORT_NAME, Investigation
from monitor.timefmt import date_text, minutes_text
from monitor.ui.text import plain

LFT_PROMPT = (
    f"Tests prompt [ASRA-2018]: {SHORT_NAME[Investigation.LFT]} to be considered for patients receiving high doses "
    "at frequent intervals (also with liver dysfunction or at risk: alcohol, chronic hepatitis). The course's doses:"
)
HEADERS = ("#", "Date", "Total dose", "mg/kg", "Infusion time", "Days since previous")


def dose_rows(summary: Sequence[SessionSummary]) -> list[tuple[str, ...]]:
    """One row per session, in course order (numbered as the course view numbers them)."""
    rows = []
    previous: float | None = None
    for i, s in enumerate(summary, start=1):
        gap = "—" if previous is None else f"{(s.started_at - previous) / 86400:.0f}"
        duration = minutes_text(s.infused_s) if s.infused_s > 0 else "—"
        rows.append((str(i), date_text(s.started_at), f"{s.total_mg:.0f} mg", f"{s.total_mg_kg:.2f}", duration, gap))
        previous = s.started_at
    return rows


class DoseHistory(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Dose history across the course", parent)
        self.setObjectName("course_dose_history")
        self.prompt = plain(QLabel(LFT_PROMPT))
        self.prompt.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setObjectName("course_doses")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(HEADERS)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.table)

    def show_course(self, summary: Sequence[SessionSummary]) -> None:
        self.table.clear()
        for row in dose_rows(summary):
            self.table.addTopLevelItem(QTreeWidgetItem(list(row)))
        for column in range(self.table.columnCount()):
            self.table.resizeColumnToContents(column)
