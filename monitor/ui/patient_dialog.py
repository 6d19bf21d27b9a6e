"""PatientDialog: find or add the patient, pick or start their course, and put this session in it.
CourseView: any patient's course, sessions side by side -- pain before and after (plot), PHQ-9 totals (plot
beneath, same session axis), dose, side effects.

GUI thread. Writes go through the CourseService (the writer thread); the dialog waits for their futures through
the facade, so the GUI never blocks on the disk. With a clinic database the search also asks it (the service's
own thread, bounded by its timeout; an unreachable one is said, and the desk's own list stays usable): other desks'
patients and courses are listed beside this desk's, and conflicting registrations of an MRN are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
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

from monitor.app.access import RecordAccess, log_course_access
from monitor.app.clinic_patients import ClinicCourse, ClinicPatient, ClinicSearch, ClinicUnreachableError, MrnConflict
from monitor.app.courses import CourseService, Patient, SessionSummary, course_summary
from monitor.app.desk import NotSignedIn
from monitor.app.hl7.registrations import EhrPatient, differences, offer_text, read_ehr_patients
from monitor.clinical.errors import EntryError
from monitor.clinical.phq9 import BAND_FLOORS, MAX_TOTAL
from monitor.clinical.phq9 import band as phq9_band
from monitor.timefmt import date_text
from monitor.ui import theme
from monitor.ui.background import BackgroundJob
from monitor.ui.dose_history import DoseHistory
from monitor.ui.facade import SessionFacade
from monitor.ui.fit import fitted_width, show_message, tree_width
from monitor.ui.text import plain

CHOICE = 256  # item data: a local id (int), a ClinicPatient / ClinicCourse from the clinic database, an EhrPatient
MRN = 257
CONFLICT_MARK = "⚠ MRN registered more than once · "  # first: a long line is not cut before it


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
        self.patient_list.setWordWrap(True)  # a whole line per patient, never cut at the edge
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
        self.clinic_status = plain(QLabel(""))  # what the clinic database answered, or that it did not
        self.clinic_status.setObjectName("clinic_status")
        self.clinic_status.setWordWrap(True)
        self.clinic_status.setVisible(courses.clinic is not None)
        self.conflicts_label = plain(QLabel(""))
        self.conflicts_label.setObjectName("patient_conflicts")
        self.conflicts_label.setWordWrap(True)
        self.conflicts_label.setStyleSheet(theme.message_style(True, bold_error=True))
        self.conflicts_label.hide()
        self.conflicts: list[MrnConflict] = []
        self._local: dict[int, Patient] = {}
        self._patient_search = self._course_search = 0  # answers to an older search are dropped
        self._clearing = False
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
        left.addWidget(self.clinic_status)
        left.addWidget(self.conflicts_label)
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
        done = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.done_button = done.button(QDialogButtonBox.StandardButton.Close)
        self.done_button.setText("Done")
        self.done_button.setIcon(QIcon())  # not Close's cross: nothing is cancelled
        self.done_button.setObjectName("patient_done")
        done.rejected.connect(self.accept)  # nothing to confirm: every step was saved when taken
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.message)
        layout.addWidget(done)
        self._fill_patients()
        self.resize(820, 520)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(theme.message_style(error))
        show_message(self.message, text)

    def _fill_patients(self, *_: object, select: int | str | None = None) -> None:
        """This desk's patients matching the search at once; the clinic's others when its answer comes.
        `select`: a local id, or a clinic-wide uid."""
        needle = self.search.text().strip().lower()
        self._clearing = True  # clear() makes each next row current on its way: none of them is picked
        self.patient_list.clear()
        self._clearing = False
        self._local = {p.id: p for p in self.courses.patients()}
        ehr = {e.mrn: e for e in read_ehr_patients(self.courses.writer.db_path)}  # from --hl7-in (app.hl7.listener)
        for p in self._local.values():
            if needle and needle not in p.name.lower() and needle not in p.mrn.lower():
                continue
            said = differences(p, ehr[p.mrn]) if p.mrn in ehr else ""
            extra = (f" · allergies: {p.allergies}" if p.allergies else "") + (f" · ⚠ {said}" if said else "")
            item = self._patient_item(p.label + extra, p.id, p.mrn)
            if said:
                item.setForeground(Qt.GlobalColor.darkRed)
            if select in (p.id, p.uid):
                self.patient_list.setCurrentItem(item)
        local_mrns = {p.mrn for p in self._local.values()}
        for e in ehr.values():  # the EHR's registrations the nurse has not completed here yet (no weight)
            if e.mrn not in local_mrns and (not needle or needle in e.name.lower() or needle in e.mrn.lower()):
                self._patient_item(offer_text(e), e, e.mrn)
        self._patient_search += 1
        if self.courses.clinic is not None:
            asked = self._patient_search
            future = self.courses.clinic.search(needle)
            self.facade.deliver(future, lambda f: self._clinic_patients(asked, f, select))

    def _patient_item(self, text: str, choice: int | ClinicPatient, mrn: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setData(CHOICE, choice)
        item.setData(MRN, mrn)
        self.patient_list.addItem(item)
        return item

    def _clinic_patients(self, asked: int, future: Future[ClinicSearch], select: int | str | None) -> None:
        if asked != self._patient_search or future.cancelled():
            return  # the search changed meanwhile (a newer one, here or in another dialog, cancelled it)
        error = future.exception()
        if error is not None:
            self._clinic_failed(error, "patients")
            return
        found = future.result()
        local_uids = {p.uid for p in self._local.values()}
        others = [p for p in found.patients if p.uid not in local_uids]
        for p in others:
            mark = "" if p.clinic else CONFLICT_MARK  # a later registration of its MRN
            allergies = f" · allergies: {p.allergies}" if p.allergies else ""
            item = self._patient_item(f"{mark}desk {p.desk}: {p.label}{allergies}", p, p.mrn)
            if not p.clinic:
                item.setForeground(Qt.GlobalColor.darkRed)
            if select == p.uid:
                self.patient_list.setCurrentItem(item)
        self.conflicts = found.conflicts
        conflicting = {c.mrn for c in self.conflicts}
        for row in range(self.patient_list.count()):
            item = self.patient_list.item(row)
            if item.data(MRN) in conflicting and not item.text().startswith(CONFLICT_MARK):
                item.setText(CONFLICT_MARK + item.text())
        said = (
            f"Clinic database: {len(others)} more from other desks"
            if others
            else ("Clinic database: no other desk has a matching patient")
        )
        more = f" (the first {len(found.patients)} found: type more of the name or MRN)" if found.limited else ""
        self._clinic_said(said + more, False)
        self._show_conflicts()

    def _clinic_said(self, text: str, error: bool, detail: str = "") -> None:
        self.clinic_status.setStyleSheet(theme.message_style(error))
        self.clinic_status.setText(text)
        self.clinic_status.setToolTip(detail)

    def _clinic_failed(self, error: BaseException, what: str) -> None:
        """The nurse's line for a failed clinic query; the server's own words go in the tooltip."""
        if not isinstance(error, ClinicUnreachableError):
            self._clinic_said(f"Clinic database error: {error} — showing this desk's {what} only", True)
            return
        self._clinic_said(
            f"Clinic database unreachable — showing this desk's {what} only; a patient added now is compared with "
            "the clinic's list once it is back",
            True,
            str(error),
        )

    def _show_conflicts(self) -> None:
        item = self.patient_list.currentItem()
        mrn = item.data(MRN) if item else None
        texts = [c.text for c in self.conflicts if c.mrn == mrn]
        self.conflicts_label.setText("\n".join(texts))
        self.conflicts_label.setVisible(bool(texts))

    def selected_patient(self) -> int | ClinicPatient | EhrPatient | None:
        """The local id of the selected patient, the clinic registration picked from another desk, or the EHR's
        registration not yet completed here."""
        item = self.patient_list.currentItem()
        return item.data(CHOICE) if item else None

    def _fill_courses(self, *_: object, select: int | None = None) -> None:
        self.course_list.clear()
        self._course_search += 1
        self._show_conflicts()
        choice = self.selected_patient()
        if choice is None:
            return
        if isinstance(choice, EhrPatient):
            if not self._clearing:
                self._offer_ehr(choice)
            return
        local = self.courses.courses(choice) if isinstance(choice, int) else []
        for c in local:
            item = QListWidgetItem(f"{c.title} (since {date_text(c.created_at)})")
            item.setData(CHOICE, c.id)
            self.course_list.addItem(item)
            if c.id == select or select is None:
                self.course_list.setCurrentItem(item)
        uid = self._local[choice].uid if isinstance(choice, int) else choice.uid
        if self.courses.clinic is not None and uid:
            asked, local_uids = self._course_search, {c.uid for c in local}
            future = self.courses.clinic.courses_of(uid)
            self.facade.deliver(future, lambda f: self._clinic_courses(asked, f, local_uids))

    def _offer_ehr(self, ehr: EhrPatient) -> None:
        """The EHR's registration in the form, to be completed: its name, MRN and date of birth; the weight and
        allergies are the nurse's to enter (never pre-filled)."""
        for key, text in (("name", ehr.name), ("mrn", ehr.mrn), ("dob", ehr.dob), ("weight", ""), ("allergies", "")):
            self.fields[key].setText(text)
        self.fields["weight"].setFocus()
        self._say(
            f"From the EHR ({ehr.sender or 'sender not given'}): check the details, enter the weight and allergies, "
            "then Add patient"
        )

    def _clinic_courses(self, asked: int, future: Future[list[ClinicCourse]], local_uids: set[str]) -> None:
        if asked != self._course_search or future.cancelled():
            return
        if future.exception() is not None:
            self._clinic_failed(future.exception(), "courses")
            return
        for c in future.result():
            if c.uid in local_uids:
                continue
            item = QListWidgetItem(f"{c.title} (since {date_text(c.created_at)}) — clinic course, desk {c.desk}")
            item.setData(CHOICE, c)
            self.course_list.addItem(item)
            if self.course_list.currentItem() is None:
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
            for field in self.fields.values():  # ready for the next one: nothing of this patient left over
                field.clear()
            self._fill_patients(select=pid)
            self._say("Patient added")

        self._wait(future, added)

    def add_course(self) -> None:
        pid = self.selected_patient()
        if pid is None:
            self._say("Select the patient first", True)
            return
        if isinstance(pid, EhrPatient):
            self._say("Register the EHR's patient here first: enter the weight, then Add patient", True)
            return
        try:
            future = self.courses.add_course(pid, self.course_title.text())
        except EntryError as exc:
            self._say(str(exc), True)
            return

        def started(cid: int) -> None:
            if isinstance(pid, ClinicPatient):  # its local copy was made with the course
                self._fill_patients(select=pid.uid)
            self._fill_courses(select=cid)
            self._say("Course started")

        self._wait(future, started)

    def assign(self) -> None:
        item = self.course_list.currentItem()
        if item is None:
            self._say("Select or start a course first", True)
            return

        choice, patient = item.data(CHOICE), self.selected_patient()

        def assigned(_result: object) -> None:
            if isinstance(choice, ClinicCourse):  # this desk has its copy now: list it as this desk's
                uid = patient.uid if isinstance(patient, ClinicPatient) else None
                self._fill_patients(select=uid if uid else patient)
            self._say("This session is now part of the course")
            self.sigAssigned.emit()

        if isinstance(choice, ClinicCourse) and patient is not None:
            future = self.courses.assign_clinic_course(self.session_id, patient, choice)
        else:
            future = self.courses.assign(self.session_id, int(choice))
        self._wait(future, assigned)


class CourseView(QDialog):
    """Any patient's course, chosen here (the current session's is chosen first when it has one): its sessions
    numbered 1, 2, 3 on the plot's axis and in the table, every column whole. With a clinic database (and the
    facade to hear its answer on) a conflicting registration of the patient's MRN is shown above the plot, and the
    course's sessions at every desk (by its clinic-wide uid) replace this desk's when the clinic answers."""

    def __init__(
        self,
        courses: CourseService,
        course_id: int | None = None,
        parent: QWidget | None = None,
        facade: SessionFacade | None = None,
        access: RecordAccess | None = None,
    ) -> None:
        """`access`: each patient's course shown leaves an access-log row, once per opening of the view (None only
        without a desk, in tests)."""
        super().__init__(parent)
        self.setWindowTitle("Course view")
        self.courses, self.facade, self.access = courses, facade, access
        self.logged: set[tuple[int, int | None]] = set()  # (patient, course) shown, and logged, in this view
        self.jobs: list[BackgroundJob] = []
        self.conflicts_label = plain(QLabel(""))
        self.conflicts_label.setObjectName("course_conflicts")
        self.conflicts_label.setWordWrap(True)
        self.conflicts_label.setStyleSheet(theme.message_style(True, bold_error=True))
        self.conflicts_label.hide()
        self.course_source = plain(QLabel(""))  # whose sessions the course shows: this desk's, or every desk's
        self.course_source.setObjectName("course_source")
        self.course_source.setWordWrap(True)
        self._mrn: dict[int, str] = {}
        self.summary: list[SessionSummary] = []
        self.patient = QComboBox()
        self.patient.setObjectName("course_patient")
        self.course = QComboBox()
        self.course.setObjectName("course_choice")
        choose = QFormLayout()
        choose.addRow("Patient", self.patient)
        choose.addRow("Course", self.course)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("course_plot")
        self.plot.setLabel("left", "Pain NRS")
        self.plot.setLabel("bottom", "Session")
        self.plot.setYRange(0, 10, padding=0.05)
        self.plot.addLegend()
        self.phq9_plot = phq9_course_plot(self.plot)
        self.table = QTreeWidget()
        self.table.setObjectName("course_table")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(
            ("#", "Date", "Pain before → after", "Change vs first", "PHQ-9", "Dose", "Side effects")
        )
        layout = QVBoxLayout(self)
        layout.addLayout(choose)
        layout.addWidget(self.conflicts_label)
        layout.addWidget(self.course_source)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.phq9_plot, 1)
        layout.addWidget(self.table)
        self.doses = DoseHistory()  # beside the LFT prompt [ASRA-2018]: high doses at frequent intervals
        layout.addWidget(self.doses)
        patients = courses.patients()
        chosen = next((p.id for p in patients for c in courses.courses(p.id) if c.id == course_id), None)
        for p in patients:
            self.patient.addItem(p.label, p.id)
            self._mrn[p.id] = p.mrn
        self.patient.currentIndexChanged.connect(lambda _i: self._fill_courses(None))
        self.course.currentIndexChanged.connect(lambda _i: self._show_course())
        self.patient.setCurrentIndex(max(0, self.patient.findData(chosen)))
        self._fill_courses(course_id)
        self.resize(fitted_width(self, tree_width(self.table), 760), 680)

    def choose(self, patient_id: int, course_id: int | None = None) -> None:
        """Show `patient_id`'s course (`course_id`, or their first)."""
        self.patient.setCurrentIndex(self.patient.findData(patient_id))
        self._fill_courses(course_id)

    def _fill_courses(self, course_id: int | None) -> None:
        self.course.blockSignals(True)  # one redraw, once the list is complete
        self.course.clear()
        patient_id = self.patient.currentData()
        for c in self.courses.courses(patient_id) if patient_id is not None else []:
            self.course.addItem(f"{c.title} (since {date_text(c.created_at)})", c.id)
        self.course.setCurrentIndex(max(0, self.course.findData(course_id)))
        self.course.blockSignals(False)
        self._show_course()
        self._ask_conflicts(self._mrn.get(patient_id))

    def _ask_conflicts(self, mrn: str | None) -> None:
        self.conflicts_label.hide()
        if mrn is None or self.courses.clinic is None or self.facade is None:
            return
        self.facade.deliver(self.courses.clinic.conflicts_of(mrn), lambda f: self._show_conflicts(mrn, f))

    def _show_conflicts(self, mrn: str, future: Future[list[MrnConflict]]) -> None:
        if self._mrn.get(self.patient.currentData()) != mrn or future.cancelled():
            return  # another patient is shown now, or the program is closing
        error = future.exception()
        texts = (
            [f"Clinic database not answering: registrations of MRN {mrn} not checked"]
            if error
            else [c.text for c in future.result()]
        )
        self.conflicts_label.setToolTip(str(error) if error else "")  # the server's own words
        self.conflicts_label.setText("\n".join(texts))
        self.conflicts_label.setVisible(bool(texts))

    def _show_course(self) -> None:
        course_id = self.course.currentData()
        if not self._log_access(self.patient.currentData(), course_id):
            return
        self._draw(course_summary(self.courses.writer.db_path, course_id) if course_id is not None else [])
        self._ask_clinic_course(course_id)

    def _log_access(self, patient_id: int | None, course_id: int | None) -> bool:
        """One access-log row per patient/course this view shows, written on a worker thread (app.access; a failure
        is shown by the job). False, with the refusal shown in place of the course, when nobody is signed in."""
        access = self.access
        if access is None or patient_id is None or (patient_id, course_id) in self.logged:
            return True
        try:
            who = access.who("view a patient's course")
        except NotSignedIn as exc:
            self._draw([])
            self.course_source.setText(str(exc))
            self.course_source.show()
            return False
        self.logged.add((patient_id, course_id))

        def work(_progress: object, _cancel: object) -> None:
            log_course_access(access.db_path, who, patient_id, course_id)

        self.jobs.append(BackgroundJob("Recording who viewed the course", work, self).start())
        return True

    def _ask_clinic_course(self, course_id: int | None) -> None:
        """With a clinic database: the course's sessions at every desk, drawn when the clinic answers."""
        clinic, patient_id = self.courses.clinic, self.patient.currentData()
        self.course_source.setVisible(clinic is not None and course_id is not None)
        if clinic is None or self.facade is None or course_id is None or patient_id is None:
            return
        uid = next((c.uid for c in self.courses.courses(patient_id) if c.id == course_id), "")
        if not uid:
            return
        self.course_source.setText("This desk's sessions of the course; asking the clinic database for every desk's…")
        self.facade.deliver(clinic.course_summary(uid), lambda f: self._show_clinic_course(course_id, f))

    def _show_clinic_course(self, course_id: int, future: Future[list[SessionSummary]]) -> None:
        if self.course.currentData() != course_id or future.cancelled():
            return  # another course is shown now, or the program is closing
        error = future.exception()
        self.course_source.setToolTip(str(error) if error else "")  # the server's own words
        if error is not None:
            self.course_source.setText("Clinic database not answering: this desk's sessions of the course only")
            return
        desks = sorted({s.desk for s in future.result()})
        self.course_source.setText(f"Sessions of this course at every desk (clinic database): {', '.join(desks)}")
        self._draw(future.result())

    def _draw(self, summary: list[SessionSummary]) -> None:
        self.summary = summary
        self.plot.clear()
        for label, colour, symbol, values in (
            ("before", "#c62828", "o", [s.baseline_pain for s in summary]),
            ("after", "#1565c0", "s", [s.end_pain for s in summary]),
        ):
            points = [(i, v) for i, v in enumerate(values, start=1) if v is not None]  # a missing score: no point
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            self.plot.plot(xs, ys, pen=pg.mkPen(colour, width=2), symbol=symbol, symbolBrush=colour, name=label)
        draw_phq9(self.phq9_plot, summary)
        numbers = range(1, len(summary) + 1)
        for plot in (self.plot, self.phq9_plot):  # sessions are counted, not halved
            plot.getAxis("bottom").setTicks([[(i, str(i)) for i in numbers]])
        self.plot.setXRange(0.5, max(1, len(summary)) + 0.5, padding=0)
        self.table.clear()
        for i, s in enumerate(summary, start=1):
            change = f"{s.pain_change_pct:+.0f} %" if s.pain_change_pct is not None else "—"
            pain = f"{_n(s.baseline_pain)} → {_n(s.end_pain)}"
            dose = f"{s.total_mg:.0f} mg ({s.total_mg_kg:.2f} mg/kg)"
            when = date_text(s.started_at) + (f" · desk {s.desk}" if s.desk else "")
            row = [str(i), when, pain, change, phq9_text(s), dose, str(s.side_effects)]
            self.table.addTopLevelItem(QTreeWidgetItem(row))
        for column in range(self.table.columnCount()):
            self.table.resizeColumnToContents(column)
        self.doses.show_course(summary)


def phq9_course_plot(pain_plot: pg.PlotWidget) -> pg.PlotWidget:
    """The PHQ-9 totals under the pain plot, sharing its session axis; its severity bands' floors as dotted lines
    [Kroenke 2001]."""
    plot = pg.PlotWidget(background="w")
    plot.setObjectName("course_phq9_plot")
    plot.setLabel("left", "PHQ-9 total")
    plot.setLabel("bottom", "Session")
    plot.setYRange(0, MAX_TOTAL, padding=0.05)
    plot.setXLink(pain_plot)
    for floor, band in BAND_FLOORS:
        if floor:
            pen = pg.mkPen("#bdbdbd", style=Qt.PenStyle.DotLine)  # light: a guide, not data
            label = {"position": 0.02, "anchors": [(0, 1), (0, 1)], "color": "#616161"}  # its name above, at the left
            plot.addItem(pg.InfiniteLine(floor, angle=0, pen=pen, label=band.value, labelOpts=label))
    return plot


def draw_phq9(plot: pg.PlotWidget, summary: list[SessionSummary]) -> None:
    """One point per session that recorded a PHQ-9 (optional: a session without one has none); item 9 flagged red."""
    for item in plot.listDataItems():  # a copy: the previous course's points go
        plot.removeItem(item)
    points = [(i, s.phq9_total, s.phq9_self_harm) for i, s in enumerate(summary, start=1) if s.phq9_total is not None]
    brushes = ["#c62828" if flagged else "#6a1b9a" for _i, _v, flagged in points]
    plot.plot(
        [p[0] for p in points],
        [p[1] for p in points],
        pen=pg.mkPen("#6a1b9a", width=2),
        symbol="d",
        symbolBrush=brushes,
        symbolSize=11,
        name="PHQ-9",
    )


def phq9_text(s: SessionSummary) -> str:
    if s.phq9_total is None:
        return "—"
    return f"{s.phq9_total} {phq9_band(s.phq9_total).value}" + (" ⚠ item 9" if s.phq9_self_harm else "")


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)
