"""MainWindow: the thin window around one chair's workspace (monitor.ui.workspace.ChairWorkspace): the title, the
menus (next patient, monitor port, review, replay, backup, course view), the status bar and the close question.

GUI thread only. The single chair's window; the station shows each chair's as a page of its stack.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from monitor.app.access import RecordAccess, who_at
from monitor.app.courses import CourseService
from monitor.app.desk import NotSignedIn
from monitor.app.device_door import line_settings
from monitor.app.lifecycle import close_question, ends_on_close, unfinished
from monitor.app.storage_door import backup_database, backup_path, captures_dir
from monitor.timefmt import hm_text
from monitor.ui.accounts_dialog import StaffAccountsAction
from monitor.ui.background import BackgroundJob
from monitor.ui.facade import SessionFacade
from monitor.ui.patient_dialog import CourseView
from monitor.ui.port_picker import PortPickerDialog
from monitor.ui.review_window import ReviewWindow, SessionListDialog, open_review, open_session_list, replay_job
from monitor.ui.workspace import ChairWorkspace

DEFAULT_SIZE = QSize(1600, 980)  # the window's size where the screen has room for it


def opening_geometry(available: QRect, size: QSize = DEFAULT_SIZE) -> tuple[QRect, bool]:
    """Where a window opens on a screen's available area, and whether maximised: its default size centred where
    it fits; else the whole available area, maximised (issue 16: at 1366x768 it opened at 1600x980 with
    *Audio pause*, *Limits…* and the right panel off screen)."""
    if size.width() <= available.width() and size.height() <= available.height():
        rect = QRect(0, 0, size.width(), size.height())
        rect.moveCenter(available.center())
        return rect, False
    return QRect(available), True


def open_on_screen(window: QWidget) -> None:
    """Show a top-level window within its screen's available area (opening_geometry)."""
    screen = window.screen()
    rect, maximised = opening_geometry(screen.availableGeometry(), window.size())
    window.setGeometry(rect)
    if maximised:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    window.show()


class MainWindow(QMainWindow):
    sigNextPatient = Signal()  # the nurse confirmed Session → Next patient (the ChairSeat does it)

    def __init__(
        self, facade: SessionFacade, source: str, demo: bool = False, courses: CourseService | None = None
    ) -> None:
        """`demo`: the monitor is the built-in simulator, so a clearly labelled demo patient may be used;
        `courses`: the chair's patient list (None: this desk's, from the facade's writer)."""
        super().__init__()
        self.workspace = ChairWorkspace(facade, demo, self, courses)
        self.setWindowTitle(f"Infusion Station Monitor — {source}")
        self.port_dialog: PortPickerDialog | None = None
        self.course_view: CourseView | None = None
        self.jobs: list[BackgroundJob] = []
        self.review_windows: list[ReviewWindow] = []
        # The doors to a record (review, course view, exports) as the desk's signed-in account (attached later).
        db = facade.acquisition.writer.db_path
        self.access = RecordAccess(db, lambda action: who_at(self.workspace.desk, action))
        self.setCentralWidget(self.workspace)
        self._menus(source)
        self.workspace.sigTick.connect(self._refresh_actions)
        self.workspace.sigLocked.connect(self._on_locked)
        self._refresh_actions()
        self.resize(DEFAULT_SIZE)  # shown by open_on_screen: within the screen, maximised where it is smaller

    def _refresh_actions(self) -> None:
        signed_in = self.workspace.desk is None or not self.workspace.desk.locked
        self.next_patient_action.setEnabled(signed_in and ends_on_close(self.workspace.service.entries()))
        self.sessions_menu.menuAction().setEnabled(signed_in)
        self.clinic_review_action.setVisible(self.workspace.courses.clinic is not None)
        self.accounts_action.refresh()  # an administrator's only

    @Slot(bool)
    def _on_locked(self, locked: bool) -> None:
        """Opening a record (review, course view) or exporting needs a signed-in user: locking closes what is open."""
        if locked:
            for window in [*self.review_windows, self.course_view, getattr(self, "session_dialog", None)]:
                if window is not None:
                    window.close()
            self.review_windows.clear()
        self._refresh_actions()

    def _menus(self, source: str) -> None:
        session = self.menuBar().addMenu("Session")
        self.next_patient_action = QAction("Next patient…", self)
        self.next_patient_action.setObjectName("next_patient")
        self.next_patient_action.triggered.connect(self.next_patient)
        session.addAction(self.next_patient_action)
        self.accounts_action = StaffAccountsAction(self, lambda: self.workspace.desk)
        session.addAction(self.accounts_action)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(lambda: self.window().close())  # the station's window when a chair's page
        session.addAction(quit_action)
        monitor = self.menuBar().addMenu("Monitor")
        connect = QAction("Connect to a monitor…", self)
        connect.triggered.connect(self.open_port_picker)
        monitor.addAction(connect)
        sessions = self.sessions_menu = self.menuBar().addMenu("Sessions")
        review = QAction("Review a session…", self)
        review.triggered.connect(self.open_session_list)
        sessions.addAction(review)
        self.clinic_review_action = QAction("Review a session of any desk (clinic database)…", self)
        self.clinic_review_action.setObjectName("clinic_review")
        self.clinic_review_action.triggered.connect(self.open_clinic_session_list)
        sessions.addAction(self.clinic_review_action)
        replay = QAction("Replay a capture…", self)
        replay.triggered.connect(self._choose_capture)
        sessions.addAction(replay)
        backup_now = QAction("Back up the database now", self)
        backup_now.triggered.connect(self.backup_database)
        sessions.addAction(backup_now)
        course = QAction("Course view…", self)
        course.triggered.connect(self.open_course_view)
        sessions.addAction(course)
        self.statusBar().showMessage(f"Recording from {source}")
        protocol = QLabel(self.workspace.service.protocol.headline())  # which protocol governs: always shown
        protocol.setObjectName("clinic_protocol")
        self.statusBar().addPermanentWidget(protocol)

    def open_course_view(self) -> CourseView | None:
        """Any patient's course; the current session's, when it is in one, is shown first. Needs a signed-in
        account (None after saying so); each course shown leaves an access-log row."""
        if not self._signed_in("view a patient's course"):
            return None
        found = self.workspace.courses.of_session(self.workspace.service.session_id)
        course_id = found[1].id if found else None
        self.course_view = CourseView(
            self.workspace.courses, course_id, self, facade=self.workspace.facade, access=self.access
        )
        self.course_view.open()
        return self.course_view

    def _signed_in(self, action: str) -> bool:
        """Whether someone is signed in to do `action`; if not, the refusal is shown in the message line."""
        try:
            self.access.who(action)
        except NotSignedIn as exc:
            self.workspace.show_message(str(exc), True)
            return False
        return True

    # --- the session's lifecycle (monitor.app.lifecycle) -----------------------------------------------------

    def unfinished(self) -> list[str]:
        """What closing now would leave unfinished; [] when the session can close without asking."""
        return unfinished(self.workspace.service.entries(), self.workspace.clock.now(), self.workspace.service.limits)

    def closeEvent(self, event: QCloseEvent) -> None:
        if confirm_close(self, self.unfinished()):
            event.accept()
        else:
            event.ignore()

    def next_patient(self) -> bool:
        """Session → Next patient: offered once the session is discharged (or has nothing in it); confirms what
        it will do, then the ChairSeat ends this session and opens the next one on the same monitor."""
        service = self.workspace.service
        if not ends_on_close(service.entries()):
            self.workspace.show_message(
                "Next patient: discharge this patient first (Recovery & discharge tab). To leave the session open "
                "for later, close the program: the next start offers to resume it.",
                True,
            )
            return False
        discharge = service.discharge()
        what = (
            f"discharged at {hm_text(discharge.t)} by {discharge.original.initials}"
            if discharge
            else "nothing recorded"
        )
        answer = QMessageBox.question(
            self,
            "Next patient?",
            f"End session {service.session_id} ({what}) and start a new session on this monitor for the next patient?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.next_patient_action.setEnabled(False)  # once: the seat replaces this window
        self.sigNextPatient.emit()
        return True

    def open_session_list(self) -> SessionListDialog | None:
        if not self._signed_in("open a record"):
            return None
        dialog = SessionListDialog(self.workspace.facade.acquisition.writer.db_path, self, access=self.access)
        self.session_dialog = dialog
        dialog.open()
        return dialog

    def open_clinic_session_list(self) -> BackgroundJob | None:
        """Every desk's sessions from the clinic database (read on a worker thread), to open one for review."""
        clinic = self.workspace.courses.clinic
        if clinic is None or not self._signed_in("open a record"):
            return None
        job = open_session_list(clinic.dsn, self, self.access)
        self.jobs.append(job)
        return job

    def backup_database(self) -> BackgroundJob:
        """One click: a consistent copy of the live database into the backups folder."""
        db = self.workspace.facade.acquisition.writer.db_path
        dest = backup_path(db)

        def work(_progress: object, _cancel: object) -> Path:
            return backup_database(db, dest)

        def report(path: Path | None) -> None:
            if path is not None:  # a failure was already shown by the job
                self.statusBar().showMessage(f"Database backed up to {path}", 15000)

        job = BackgroundJob("Database backup", work, self)
        job.sigFinished.connect(report)
        self.jobs.append(job)
        return job.start()

    def _choose_capture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Replay a raw capture", str(captures_dir()), "Raw captures (*.ismcap);;All files (*)"
        )
        if path:
            self.start_replay(Path(path))

    def start_replay(self, path: Path, speed: float | None = None) -> BackgroundJob:
        """Replay a capture into a new session on a worker thread; its review opens when it is done."""
        job = replay_job(path, self.workspace.facade.acquisition.writer.db_path, speed, self)
        job.sigFinished.connect(self.open_review)
        self.jobs.append(job)
        return job.start()

    @Slot(object)
    def open_review(self, session_id: int | None) -> BackgroundJob | None:
        """Open a session's review; it is read on a worker thread, the window appears when it is ready."""
        if session_id is None:
            return None
        db = self.workspace.facade.acquisition.writer.db_path
        job = open_review(db, session_id, self, self.review_windows, self.access)
        self.jobs.append(job)
        return job

    # --- monitor port ---------------------------------------------------------------------------------------

    def open_port_picker(self) -> PortPickerDialog:
        cfg = self.workspace.facade.acquisition.config
        dialog = PortPickerDialog(cfg.port, cfg.protocol, self, cfg.port_policy)
        dialog.accepted.connect(lambda: self._switch_port(*dialog.choice()))
        self.port_dialog = dialog
        dialog.open()
        return dialog

    def _switch_port(self, port: str, protocol: str) -> None:
        try:
            line_settings(protocol, None)
        except ValueError as exc:
            self.workspace.show_message(str(exc), True)
            return
        # Stopping the old link waits for its thread and sends the stop request: not on the GUI thread. A failure
        # is shown to the nurse by the job.
        job = BackgroundJob(
            f"Switching to {port}",
            lambda _progress, _cancel: self.workspace.facade.acquisition.switch_port(port, protocol),
            self,
        )
        self.jobs.append(job.start())
        self.setWindowTitle(f"Infusion Station Monitor — {port}")
        self.statusBar().showMessage(f"Recording from {port} ({protocol})")


def confirm_close(parent: QWidget, lines: list[str]) -> bool:
    """Ask before a close that leaves a session unfinished (it stays open, resumable); True: go on closing."""
    question = close_question(lines)
    if question is None:
        return True
    answer = QMessageBox.question(parent, "Close with a session unfinished?", question)
    return answer == QMessageBox.StandardButton.Yes
