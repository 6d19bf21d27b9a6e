"""The chair's other values: every numeric the monitor sends that no tile shows (issue 21 point 2).

GUI thread only. One row per value the monitor sent under an id no canonical parameter maps (an IntelliVue's
perfusion index, PVC count, ...): its label, the number, its unit and its age, by the tiles' rule
(monitor.clinical.currency through LatestValues.others): a flagged value (invalid, questionable, demo data, ...) is
"--" with the reason at once, an old one grey with its age, a current one bright. Never alarmed on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from monitor.app.latest_values import ShownOther
from monitor.clinical.currency import Currency
from monitor.timefmt import age_text
from monitor.ui import theme

COLUMNS = ("Measurement", "Value", "Unit", "Age")
LABEL, VALUE, UNIT, AGE = range(4)


def row_texts(other: ShownOther) -> tuple[str, str, str, str]:
    """What one row says: label, number (or "--"), unit, and the age, or why the number is not shown."""
    shown = other.shown
    if shown.currency in (Currency.INVALID, Currency.NONE):
        last = shown.note or "no value yet"
    else:
        last = age_text(shown.age_s) if shown.age_s is not None and shown.age_s >= 5 else "now"
    return other.label, other.text, other.unit, last


class OtherValuesList(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("other_values")
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setColumnWidth(LABEL, 320)
        self.setColumnWidth(VALUE, 90)
        self.setColumnWidth(UNIT, 90)
        self._codes: list[int] = []  # the rows' codes, in order

    def show_values(self, values: list[ShownOther]) -> None:
        """The list as `values` say (LiveChair.others: sorted by label); rows are rewritten only where they changed."""
        codes = [v.code for v in values]
        if codes != self._codes:
            self.clear()
            self.addTopLevelItems([QTreeWidgetItem(list(row_texts(v))) for v in values])
            self._codes = codes
        for row, other in enumerate(values):
            item = self.topLevelItem(row)
            for column, text in enumerate(row_texts(other)):
                if item.text(column) != text:
                    item.setText(column, text)
            dim = not other.shown.current
            if dim != self._is_dim(item):
                grey = QBrush(QColor(theme.NOT_CURRENT)) if dim else None  # None: the list's own text colour
                for column in range(len(COLUMNS)):
                    item.setData(column, Qt.ItemDataRole.ForegroundRole, grey)

    def row(self, code: int) -> tuple[str, ...] | None:
        """The texts of the row of `code` (None when there is none): what the nurse reads there."""
        if code not in self._codes:
            return None
        item = self.topLevelItem(self._codes.index(code))
        return tuple(item.text(c) for c in range(len(COLUMNS)))

    def dimmed(self, code: int) -> bool:
        """The row of `code` is grey: its number is not current."""
        return self._is_dim(self.topLevelItem(self._codes.index(code)))

    @staticmethod
    def _is_dim(item: QTreeWidgetItem) -> bool:
        return item.data(VALUE, Qt.ItemDataRole.ForegroundRole) is not None
