"""PatientDialog: find or add the patient, pick or start their course, and put this session in it.
CourseView: the course's sessions side by side -- pain before and after (plot), dose, side effects.

GUI thread. Writes go through the CourseService (the writer thread); the dialog waits for their futures through
the facade, so the GUI never blocks on the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from monitor.app.courses import CourseService, SessionSummary
from monitor.clinical.errors import EntryError
from monitor.timefmt import date_text
from monitor.ui import theme
from monitor.ui.facade import SessionFacade
from monitor.ui.text import plain


class PatientDialog(QDialog):
    sigAssigned = Signal()

    def __init__(self, courses: CourseService, facade: SessionFacade, session_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Patient and course")
        self.courses, self.facade, self.session_id = courses, facade, session_id
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name or MRN")
        self.search.textChanged.connect(self._fill_patients)
        self.patient_list = QListWidget()
        self.patient_list.setObjectName("patient_list")
        self.patient_list.currentItemChanged.connect(self._fill_courses)
        self.course_list = QListWidget()
        self.course_list.setObjectName("course_list")
        self.fields = {k: QLineEdit() for k in ("name", "mrn", "dob", "weight", "allergies")}
        for key, field in self.fields.items():
            field.setObjectName(f"patient_{key}")
        self.fields["dob"].setPlaceholderText("YYYY-MM-DD")
        add_patient = QPushButton("Add patient")
        add_patient.setObjectName("add_patient")
        add_patient.clicked.connect(self.add_patient)
        self.course_title = QLineEdit()
        self.course_title.setObjectName("course_title")
        self.course_title.setPlaceholderText("New course, e.g. 'Spring 2026, 6 infusions'")
        add_course = QPushButton("Start a new course")
        add_course.setObjectName("add_course")
        add_course.clicked.connect(self.add_course)
        self.assign_button = QPushButton("Put this session in the selected course")
        self.assign_button.setObjectName("assign_course")
        self.assign_button.clicked.connect(self.assign)
        self.message = plain(QLabel(""))
        self.message.setObjectName("patient_message")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.fields["name"])
        form.addRow("MRN", self.fields["mrn"])
        form.addRow("Date of birth", self.fields["dob"])
        form.addRow("Weight (kg)", self.fields["weight"])
        form.addRow("Allergies", self.fields["allergies"])
        form.addRow(add_patient)
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.patient_list)
        left.addLayout(form)
        right = QVBoxLayout()
        right.addWidget(QLabel("Courses of the selected patient"))
        right.addWidget(self.course_list)
        right.addWidget(self.course_title)
        right.addWidget(add_course)
        right.addWidget(self.assign_button)
        columns = QHBoxLayout()
        columns.addLayout(left)
        columns.addLayout(right)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.message)
        self._fill_patients()
        self.resize(820, 520)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(theme.message_style(error))

    def _fill_patients(self, *_: object, select: int | None = None) -> None:
        needle = self.search.text().strip().lower()
        self.patient_list.clear()
        for p in self.courses.patients():
            if needle and needle not in p.name.lower() and needle not in p.mrn.lower():
                continue
            item = QListWidgetItem(p.label + (f" · allergies: {p.allergies}" if p.allergies else ""))
            item.setData(256, p.id)
            self.patient_list.addItem(item)
            if p.id == select:
                self.patient_list.setCurrentItem(item)

    def selected_patient(self) -> int | None:
        item = self.patient_list.currentItem()
        return int(item.data(256)) if item else None

    def _fill_courses(self, *_: object, select: int | None = None) -> None:
        self.course_list.clear()
        pid = self.selected_patient()
        if pid is None:
            return
        for c in self.courses.courses(pid):
            item = QListWidgetItem(f"{c.title} (since {date_text(c.created_at)})")
            item.setData(256, c.id)
            self.course_list.addItem(item)
            if c.id == select or select is None:
                self.course_list.setCurrentItem(item)

    def _wait(self, future: Future[Any], done: Callable[[Any], None]) -> None:
        """Run `done(result)` on the GUI thread when the write is on disk; show its error otherwise."""

        def finish(f: Future[Any]) -> None:
            error = f.exception()
            if error is not None:
                self._say(str(error), True)
            else:
                done(f.result())

        self.facade.deliver(future, finish)

    def add_patient(self) -> None:
        f = self.fields
        try:
            future = self.courses.add_patient(
                f["name"].text(), f["mrn"].text(), f["dob"].text(), f["weight"].text(), f["allergies"].text()
            )
        except EntryError as exc:
            self._say(str(exc), True)
            return

        def added(pid: int) -> None:
            self._fill_patients(select=pid)
            self._say("Patient added")

        self._wait(future, added)

    def add_course(self) -> None:
        pid = self.selected_patient()
        if pid is None:
            self._say("Select the patient first", True)
            return
        try:
            future = self.courses.add_course(pid, self.course_title.text())
        except EntryError as exc:
            self._say(str(exc), True)
            return

        def started(cid: int) -> None:
            self._fill_courses(select=cid)
            self._say("Course started")

        self._wait(future, started)

    def assign(self) -> None:
        item = self.course_list.currentItem()
        if item is None:
            self._say("Select or start a course first", True)
            return

        def assigned(_result: None) -> None:
            self._say("This session is now part of the course")
            self.sigAssigned.emit()

        self._wait(self.courses.assign(self.session_id, int(item.data(256))), assigned)


class CourseView(QDialog):
    def __init__(self, title: str, summary: list[SessionSummary], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Course: {title}")
        self.summary = summary
        plot = pg.PlotWidget(background="w")
        plot.setObjectName("course_plot")
        plot.setLabel("left", "Pain NRS")
        plot.setLabel("bottom", "Session")
        plot.setYRange(0, 10, padding=0.05)
        plot.addLegend()
        for label, colour, symbol, values in (
            ("before", "#c62828", "o", [s.baseline_pain for s in summary]),
            ("after", "#1565c0", "s", [s.end_pain for s in summary]),
        ):
            points = [(i, v) for i, v in enumerate(values, start=1) if v is not None]  # a missing score: no point
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            plot.plot(xs, ys, pen=pg.mkPen(colour, width=2), symbol=symbol, symbolBrush=colour, name=label)
        self.table = QTreeWidget()
        self.table.setObjectName("course_table")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(("#", "Date", "Pain before → after", "Change vs first", "Dose", "Side effects"))
        for i, s in enumerate(summary, start=1):
            change = f"{s.pain_change_pct:+.0f} %" if s.pain_change_pct is not None else "—"
            pain = f"{_n(s.baseline_pain)} → {_n(s.end_pain)}"
            dose = f"{s.total_mg:.0f} mg ({s.total_mg_kg:.2f} mg/kg)"
            when = date_text(s.started_at)
            self.table.addTopLevelItem(QTreeWidgetItem([str(i), when, pain, change, dose, str(s.side_effects)]))
        layout = QVBoxLayout(self)
        layout.addWidget(plot, 1)
        layout.addWidget(self.table)
        self.resize(760, 560)


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)
