"""MainWindow: the live session workspace a nurse watches for hours.

GUI thread only; it talks to the session through the SessionFacade (signals in, the EntryRecorder out).
Layout: the link banner across the top; numerics tiles above the stacked trend charts and the timeline lane
(one time axis), the timeline list beneath; on the right the infusion controls and the observation forms.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from monitor.app.courses import DEMO_NAME, CourseService, course_summary
from monitor.app.device_door import DeviceCondition, DeviceStatus, LinkEvent, LinkState, Sample, line_settings
from monitor.app.latest_values import LatestValues
from monitor.app.lifecycle import close_question, ends_on_close, unfinished
from monitor.app.storage_door import Patient, backup_database, backup_path, captures_dir
from monitor.session.alarms import AlarmAction, AlarmEvent
from monitor.session.currency import ShownValue
from monitor.session.entries import Entry, EntryView
from monitor.session.errors import EntryError
from monitor.session.recovery import MonitorValues
from monitor.session.schedule import CheckStatus, missed, next_open
from monitor.timefmt import clock_text
from monitor.ui import theme
from monitor.ui.alarm_bar import COLOURS as ALARM_COLOURS
from monitor.ui.alarm_bar import AlarmBar, AlarmHistory
from monitor.ui.alarm_sound import AlarmSound
from monitor.ui.background import BackgroundJob
from monitor.ui.entry_panel import ObservationPanel
from monitor.ui.facade import SessionFacade
from monitor.ui.infusion_panel import InfusionPanel
from monitor.ui.patient_dialog import CourseView, PatientDialog
from monitor.ui.port_picker import PortPickerDialog
from monitor.ui.recorder import EntryRecorder, EntryTimeControl
from monitor.ui.recovery_panel import RecoveryPanel
from monitor.ui.review_window import ReviewWindow, SessionListDialog, open_review, replay_job
from monitor.ui.screening_panel import ScreeningPanel
from monitor.ui.style import show
from monitor.ui.text import literal, plain
from monitor.ui.tiles import TILES, AlarmLevel, NumericTile
from monitor.ui.timeline import CorrectionDialog, TimelineList
from monitor.ui.trends import TrendView
from monitor.ui.wheel_guard import install_wheel_guard

LIMIT_MARK_COLOUR = theme.LIMIT_MARK

_LINK_TEXT = {
    LinkState.CONNECTING: ("Connecting to monitor…", theme.LINK_IDLE),
    LinkState.RECEIVING: ("Receiving", theme.LINK_RECEIVING),
    LinkState.SILENT: ("Monitor silent", theme.LINK_SILENT),
    LinkState.DISCONNECTED: ("MONITOR DISCONNECTED", theme.BANNER_RED),
    LinkState.STOPPED: ("Stopped", theme.LINK_IDLE),
}
# How long a status message for the nurse stays (by: is it an error). An error needs time to be read and acted on.
MESSAGE_KEEP_S = {False: 15.0, True: 60.0}
# Why no value is current while the link is not receiving (the tiles' and the cards' reason).
_LINK_REASON = {
    LinkState.CONNECTING: "connecting to the monitor",
    LinkState.SILENT: "no data from the monitor",
    LinkState.DISCONNECTED: "monitor disconnected",
    LinkState.STOPPED: "monitor stopped",
}


class MainWindow(QMainWindow):
    sigNextPatient = Signal()  # the nurse confirmed Session → Next patient (the ChairSeat does it)

    def __init__(self, facade: SessionFacade, source: str, demo: bool = False) -> None:
        """`demo`: the monitor is the built-in simulator, so a clearly labelled demo patient may be used."""
        super().__init__()
        assert facade.service is not None
        install_wheel_guard()  # the wheel scrolls the forms, it never changes a clinical value
        self.setWindowTitle(f"Infusion Station Monitor — {source}")
        self.facade = facade
        self.service = facade.service
        self.clock = facade.clock
        self.values = LatestValues(self.clock.use_device_time)  # what the tiles, the card and recovery show
        self._link_event: LinkEvent | None = None
        self._device_status: DeviceStatus | None = None
        self._live = False  # the monitor is sending right now
        self._views: dict[int, EntryView] = {}
        self.correction_dialog: CorrectionDialog | None = None
        self.port_dialog: PortPickerDialog | None = None
        self.jobs: list[BackgroundJob] = []
        self.review_windows: list[ReviewWindow] = []

        self.link_label = plain(QLabel("Connecting to monitor…"))
        self.link_label.setObjectName("link_state")
        self.link_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.storage_banner = plain(QLabel(""))
        self.storage_banner.setObjectName("storage_banner")
        self.storage_banner.setWordWrap(True)
        self.storage_banner.setStyleSheet(
            f"background: {theme.BANNER_RED}; color: white; font-size: 18px; font-weight: bold; padding: 4px;"
        )
        self.storage_banner.hide()
        self.status_label = plain(QLabel(""))
        self.status_label.setObjectName("device_status")
        self.status_label.setStyleSheet(f"color: {theme.CAUTION}; font-size: 16px;")
        self.initials = QLineEdit(self.service.initials)
        self.initials.setObjectName("initials")
        self.initials.setMaxLength(4)
        self.initials.setFixedWidth(70)
        self.initials.setPlaceholderText("AB")
        self.initials.setToolTip("Your initials: every entry is stamped with them")
        self.initials.editingFinished.connect(self._on_initials)
        self.session_clock = QLabel("")
        self.session_clock.setObjectName("session_clock")
        self.message = plain(QLabel("" if self.service.initials else "Enter your initials to start recording."))
        self._wall = time.monotonic  # status messages age in real time, whatever the session clock's speed
        self._message_until: float | None = None  # the prompt for initials stays until they are entered
        self.message.setObjectName("entry_message")
        self.message.setWordWrap(True)
        self.time_control = EntryTimeControl(self.clock.now)
        self.recorder = EntryRecorder(facade, self.time_control, self)
        self.recorder.sigMessage.connect(self._show_message)

        self.tiles = {spec.key: NumericTile(spec) for spec in TILES}
        self.alarms = facade.alarms
        self.alarm_bar: AlarmBar | None = None
        self.alarm_history = AlarmHistory()
        self.sound: AlarmSound | None = None
        if self.alarms is not None:
            self.alarm_bar = AlarmBar(self.alarms, lambda: self.service.initials)
            self.alarm_bar.sigMessage.connect(self._show_message)
            self.sound = AlarmSound(self)
            # No player, at start or after one failed at play time: a standing condition, on the record.
            self.sound.sigUnavailable.connect(self._on_sound_unavailable)
            if self.sound.unavailable:
                self._on_sound_unavailable(self.sound.unavailable)
        self.trends = TrendView(self.service.started_at)
        self.timeline = TimelineList()
        self.infusion = InfusionPanel(self.recorder)
        self.observations = ObservationPanel(self.recorder)
        self.screening = ScreeningPanel(self.recorder, self._latest_value)
        self.recovery = RecoveryPanel(self.recorder, self._recovery_context)
        self.service.watch_values(self.monitor_values)  # an Aldrete score is checked against what is shown
        self.courses = CourseService(facade.acquisition.writer)
        self.patient_label = QLabel("No patient assigned to this session")
        self.patient_label.setObjectName("patient_label")
        self.patient_label.setWordWrap(True)
        self.patient_button = QPushButton("Patient && course…")
        self.patient_button.setObjectName("patient_button")
        self.patient_button.clicked.connect(self.open_patient_dialog)
        self.demo_button = QPushButton("Use demo patient")
        self.demo_button.setObjectName("demo_patient")
        self.demo_button.setToolTip("Simulated monitor only: the session is recorded for " + DEMO_NAME)
        self.demo_button.clicked.connect(self.use_demo_patient)
        self.demo_button.setVisible(demo)
        self.schedule_label = QLabel("")
        self.schedule_label.setObjectName("schedule")
        self.schedule_label.setWordWrap(True)
        self.patient_dialog: PatientDialog | None = None
        self.patient: Patient | None = None
        self.course_view: CourseView | None = None
        self.setCentralWidget(self._layout())
        self._menus(source)
        self._install_shortcuts()

        facade.sigSamples.connect(self._on_samples)
        facade.sigLinkState.connect(self._on_link)
        facade.sigDeviceStatus.connect(self._on_status)
        facade.sigEntryStored.connect(self._on_entry_stored)
        facade.sigAlarmEvents.connect(self._on_alarm_events)
        self.trends.sigEntryClicked.connect(self._on_lane_click)
        self.timeline.sigEntrySelected.connect(self._on_entry_selected)
        self.timeline.sigAmendRequested.connect(lambda eid: self.open_correction(eid, strike=False))
        self.timeline.sigStrikeRequested.connect(lambda eid: self.open_correction(eid, strike=True))
        self._set_link(LinkState.CONNECTING, "")
        self._reload_entries()
        self.screening.show_result(self.service.screening())  # a resumed session may have been screened already
        self._show_patient()  # ... and have its patient
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self._tick()
        self.resize(1600, 980)

    @property
    def receiving(self) -> bool:
        """The monitor is sending right now."""
        return self._live

    @property
    def link_state(self) -> LinkState | None:
        return self._link_event.state if self._link_event is not None else None

    # --- layout ---------------------------------------------------------------------------------------------

    def _layout(self) -> QWidget:
        tiles_row = QHBoxLayout()
        tiles_row.setSpacing(6)
        for tile in self.tiles.values():
            tiles_row.addWidget(tile)
        charts = QWidget()
        charts_layout = QVBoxLayout(charts)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        charts_layout.addLayout(tiles_row)
        charts_layout.addWidget(self.trends, 1)
        lists = QTabWidget()
        lists.setObjectName("lists")
        lists.addTab(self.timeline, "Timeline")
        lists.addTab(self.alarm_history, "Alarm history")
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(charts)
        left.addWidget(lists)
        left.setSizes([720, 170])

        main_tab = QWidget()
        main_layout = QVBoxLayout(main_tab)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addWidget(self.infusion)
        main_layout.addWidget(self.observations, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workflow_tabs")
        for widget, title in (
            (main_tab, "Infusion && observations"),
            (self.screening, "Screening"),
            (self.recovery, "Recovery && discharge"),
        ):
            scroll = QScrollArea()
            scroll.setWidget(widget)
            scroll.setWidgetResizable(True)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.tabs.addTab(scroll, title)

        right = QWidget()
        right.setMinimumWidth(500)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        who = QHBoxLayout()
        who.addWidget(QLabel("Nurse initials"))
        who.addWidget(self.initials)
        who.addStretch(1)
        who.addWidget(self.demo_button)
        who.addWidget(self.patient_button)
        right_layout.addLayout(who)
        right_layout.addWidget(self.patient_label)
        right_layout.addWidget(self.session_clock)
        right_layout.addWidget(self.schedule_label)
        right_layout.addWidget(self.time_control)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.tabs, 1)

        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(right)
        body.setSizes([1080, 520])
        root = QWidget()
        layout = QVBoxLayout(root)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.link_label)
        if self.alarm_bar is not None:
            layout.addWidget(self.alarm_bar)
            layout.addWidget(self.alarm_bar.standing)
        layout.addWidget(self.storage_banner)
        layout.addWidget(self.status_label)
        layout.addWidget(body, 1)
        return root

    def _install_shortcuts(self) -> None:
        """The keyboard entries (README "Keyboard") work on every tab: they belong to the window, and bring the
        observations tab forward before they act, so the nurse sees what the key did."""
        for keys, action in self.observations.shortcuts.items():
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(lambda act=action: self._on_observations_tab(act))

    def _on_observations_tab(self, action: Callable[[], None]) -> None:
        self.tabs.setCurrentIndex(0)
        action()

    def _menus(self, source: str) -> None:
        session = self.menuBar().addMenu("Session")
        self.next_patient_action = QAction("Next patient…", self)
        self.next_patient_action.setObjectName("next_patient")
        self.next_patient_action.triggered.connect(self.next_patient)
        session.addAction(self.next_patient_action)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(lambda: self.window().close())  # the station's window when a chair's page
        session.addAction(quit_action)
        monitor = self.menuBar().addMenu("Monitor")
        connect = QAction("Connect to a monitor…", self)
        connect.triggered.connect(self.open_port_picker)
        monitor.addAction(connect)
        sessions = self.menuBar().addMenu("Sessions")
        review = QAction("Review a session…", self)
        review.triggered.connect(self.open_session_list)
        sessions.addAction(review)
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

    # --- samples and link -----------------------------------------------------------------------------------

    @Slot(list)
    def _on_samples(self, samples: list[Sample]) -> None:
        sample_time = self.clock.sample_time
        readings = self.values.on_samples(samples)
        self.trends.add_points((s.param, sample_time(s), s.value) for s in samples if not s.param.startswith("NIBP"))
        self.trends.add_nibp(readings, "t" if self.clock.use_device_time else "host_t")
        self._render_tiles(self.clock.now())

    def load_history(self, samples: list[Sample]) -> None:
        """Redraw what was recorded before a restart. The tiles show it as the rule says: not current."""
        sample_time = self.clock.sample_time
        self.trends.add_points((s.param, sample_time(s), s.value) for s in samples if not s.param.startswith("NIBP"))
        self.trends.add_nibp(self.values.on_samples(samples), "t" if self.clock.use_device_time else "host_t")
        self.trends.break_lines(max((sample_time(s) for s in samples), default=self.clock.now()))
        self.trends.refresh()

    def _render_tiles(self, now: float) -> None:
        """Every tile from the LatestValues, through the one currency rule."""
        for spec in TILES:
            if spec.key == "nibp":
                nibp = self.values.nibp(now)
                mean = f"({nibp.mean.text})" if nibp.mean.value is not None else ""
                detail = f"{mean} measuring…".strip() if nibp.measuring else mean
                self.tiles["nibp"].display(nibp.text, nibp.sys, detail)  # the age counts from the reading itself
                continue
            shown = self.values.shown(spec.params[0], now)
            detail = ""
            if spec.key == "spo2":
                pr = self.values.shown("PR", now)
                detail = f"PR {pr.text}" if pr.current else ""
            self.tiles[spec.key].display(shown.text, shown, detail)

    @Slot(object)
    def _on_link(self, event: LinkEvent) -> None:
        self._link_event = event
        if event.state is not LinkState.RECEIVING:
            self.trends.break_lines(self.clock.now())
        self._render_link()

    def _set_link(self, state: LinkState, detail: str) -> None:
        text, colour = _LINK_TEXT[state]
        self.link_label.setText(f"{text}  {detail}".strip())
        self.link_label.setStyleSheet(
            f"background: {colour}; color: white; font-size: 20px; font-weight: bold; padding: 4px;"
        )

    def _render_link(self) -> None:
        event = self._link_event
        if event is None:
            return
        detail = ""
        if event.state is LinkState.SILENT:
            detail = f"for {time.time() - event.since:.0f} s — check that the monitor's data output is on"
        elif event.state is LinkState.DISCONNECTED:
            since = datetime.fromtimestamp(event.since).strftime("%H:%M:%S")
            detail = f"since {since} — check the cable to {event.port}"
        self._set_link(event.state, detail)
        self.link_label.setToolTip(literal(event.detail))  # the technical reason, for IT, without crowding the banner
        live = event.state is LinkState.RECEIVING
        self.values.on_link(live, _LINK_REASON.get(event.state, "monitor not sending"))
        if live != self._live:
            self._live = live
            self._render_tiles(self.clock.now())

    @Slot(object)
    def _on_status(self, status: DeviceStatus) -> None:
        self._device_status = status
        parts = sorted(c.value for c in status.conditions)
        parts += [f"{param} {state.value}" for param, state in status.unavailable]
        self.status_label.setText(("Monitor reports: " + ", ".join(parts)) if parts else "")
        self.values.on_status(status)
        self._render_tiles(self.clock.now())

    @Slot()
    def _tick(self) -> None:
        now = self.clock.now()
        self.session_clock.setText(f"Session {clock_text(self.service.started_at)[:5]} · now {clock_text(now)}")
        self.trends.set_now(now)
        self._render_tiles(now)
        if self._link_event is not None and self._link_event.state in (LinkState.SILENT, LinkState.DISCONNECTED):
            self._render_link()
        self.infusion.refresh()
        self.recovery.refresh()
        self._render_schedule(now)
        self.next_patient_action.setEnabled(ends_on_close(self.service.entries()))
        self._render_storage()
        self._render_alarms()
        self._expire_message()

    @Slot(list)
    def _on_alarm_events(self, events: list[AlarmEvent]) -> None:
        self.alarm_history.add_events(events)
        # Onsets in their priority colour; limit changes (who and why) in grey, on the same lane.
        marks = [
            (e.t, ALARM_COLOURS[e.priority] if e.priority else LIMIT_MARK_COLOUR, f"{e.message} {e.who}".strip())
            for e in events
            if (e.action in (AlarmAction.ONSET, AlarmAction.WORSENED) and e.priority is not None)
            or e.action is AlarmAction.LIMIT_CHANGED
        ]
        self.trends.add_alarm_marks(marks)
        self._render_alarms()

    def _on_sound_unavailable(self, problem: str) -> None:
        assert self.alarms is not None and self.alarm_bar is not None
        self.alarms.sound_unavailable(problem)
        # The bar says it large; why (for IT) is here and on the record.
        self.alarm_bar.standing.setToolTip(literal(problem))
        self.alarm_bar.refresh()

    def _render_alarms(self) -> None:
        if self.alarms is None:
            return
        assert self.alarm_bar is not None and self.sound is not None
        self.alarm_bar.refresh()
        for spec in TILES:
            level = self.alarms.level_for(spec.params)
            self.tiles[spec.key].set_alarm_level(AlarmLevel(int(level)) if level else AlarmLevel.NONE)
        self.sound.set_priority(self.alarms.audio_priority())

    def _render_storage(self) -> None:
        writer = self.facade.acquisition.writer
        if writer.healthy:
            self.storage_banner.hide()
            return
        self.storage_banner.setText(
            f"DATABASE NOT WRITABLE — {writer.last_error}. {writer.pending} records are kept in memory and are "
            "written as soon as the disk takes them. Keep the program open and call IT."
        )
        self.storage_banner.show()

    # --- clinical workflow ----------------------------------------------------------------------------------

    def _recovery_context(self) -> str:
        """For the Aldrete circulation item (BP within ±20 mmHg of the pre-infusion level) and oxygenation."""
        parts = []
        baseline = self.service.baseline()
        if baseline:
            parts.append(f"pre-infusion BP {baseline['sys']:g}/{baseline['dia']:g}")
        now = self.clock.now()
        nibp = self.values.nibp(now)
        if nibp.sys.value is not None and nibp.dia.value is not None and nibp.sys.age_s is not None:
            at = clock_text(now - nibp.sys.age_s)[:5]
            note = f" ({nibp.sys.note}: not current)" if not nibp.sys.current else ""
            parts.append(f"latest NIBP {nibp.sys.value:g}/{nibp.dia.value:g} at {at}{note}")
        spo2 = self.values.shown("SPO2", now)
        if spo2.current:
            parts.append(f"SpO₂ now {spo2.text} %")
        elif spo2.note:
            parts.append(f"SpO₂ now -- ({spo2.note}: no current value)")
        return "Compare: " + " · ".join(parts) if parts else "No pre-infusion BP or cuff reading yet"

    def monitor_values(self) -> MonitorValues:
        """What the monitor shows now, for checking an Aldrete score against it (SessionService.watch_values):
        the same currency rule as the tiles (LatestValues), so a value the screen shows as not current cannot
        confirm an Aldrete item."""
        now = self.clock.now()
        spo2, rr, nibp = self.values.shown("SPO2", now), self.values.shown("RR", now), self.values.nibp(now)
        cuff = at = None
        if nibp.sys.value is not None and nibp.dia.value is not None and nibp.sys.age_s is not None:
            cuff = (nibp.sys.value, nibp.dia.value)
            at = clock_text(now - nibp.sys.age_s)[:5]
        status = self._device_status
        baseline = self.service.baseline()
        return MonitorValues(
            spo2=_if_current(spo2),
            spo2_not_current="" if spo2.current else spo2.note or "no value yet",
            rr=_if_current(rr),
            apnoea=self.values.receiving and status is not None and DeviceCondition.APNEA in status.conditions,
            cuff=cuff,
            cuff_at=at or "",
            baseline=(float(baseline["sys"]), float(baseline["dia"])) if baseline else None,
        )

    def _latest_value(self, param: str) -> float | None:
        """The value only while it is current (monitor.session.currency): never an invalid or stale one."""
        return _if_current(self.values.shown(param, self.clock.now()))

    def _render_schedule(self, now: float) -> None:
        discharge = self.service.discharge()
        if discharge is not None:  # closed for real: no check falls due any more
            at = f"{clock_text(discharge.t)[:5]} by {discharge.original.initials}"
            show(
                self.schedule_label, f"Discharged at {at}: session closed. Session → Next patient starts the next.", ""
            )
            return
        self.service.record_missed_checks(self.values.nibp_times, now)  # each once, by the program
        schedule = self.service.schedule(self.values.nibp_times, now)
        check, gone = next_open(schedule), missed(schedule)
        past = f" · {gone} check{'s' if gone > 1 else ''} missed (on the record)" if gone else ""
        if check is None:
            done = "" if self.service.infusion(now).started_at is None else "All checks done"
            show(self.schedule_label, done + past, "")
            return
        if check.status is CheckStatus.OVERDUE:
            late = (now - check.due_at) / 60
            text = f"CHECK OVERDUE {late:.0f} min (due {clock_text(check.due_at)[:5]}): " + ", ".join(check.missing)
            style = theme.OVERDUE_STYLE
        else:
            left = int(check.due_at - now)
            when = f"in {left // 60}:{left % 60:02d}" if left > 0 else "due now"
            text = f"Next check {clock_text(check.due_at)[:5]} {when} — needs " + ", ".join(check.missing) + past
            style = theme.CAUTION_BOLD_STYLE if check.status is CheckStatus.DUE else ""
        show(self.schedule_label, text, style)

    def open_patient_dialog(self) -> PatientDialog:
        dialog = PatientDialog(self.courses, self.facade, self.service.session_id, self)
        dialog.sigAssigned.connect(self._show_patient)
        self.patient_dialog = dialog
        dialog.open()
        return dialog

    def use_demo_patient(self) -> None:
        def assigned(future) -> None:
            if future.exception() is not None:
                self._show_message(f"The demo patient was not assigned: {future.exception()}", True)
                return
            self._show_patient()

        self.facade.deliver(self.courses.assign_demo_patient(self.service.session_id), assigned)

    def _show_patient(self) -> None:
        found = self.courses.of_session(self.service.session_id)
        if found is None:
            return
        self.demo_button.hide()  # a patient is assigned: the demo button has done its job or is not needed
        patient, course = found
        self.patient = patient
        allergies = f" · allergies: {html.escape(patient.allergies)}" if patient.allergies else ""
        self.patient_label.setText(
            f"<b>{html.escape(patient.label)}</b>{allergies}<br>Course: {html.escape(course.title)}"
        )
        if not self.infusion.weight.isReadOnly() and not self.infusion.weight.text():
            self.infusion.weight.setText(f"{patient.weight_kg:g}")

    def open_course_view(self) -> CourseView | None:
        found = self.courses.of_session(self.service.session_id)
        if found is None:
            self._show_message("Assign this session to a patient's course first (Patient & course…)", True)
            return None
        _patient, course = found
        self.course_view = CourseView(
            course.title, course_summary(self.facade.acquisition.writer.db_path, course.id), self
        )
        self.course_view.open()
        return self.course_view

    # --- the session's lifecycle (monitor.app.lifecycle) -----------------------------------------------------

    def unfinished(self) -> list[str]:
        """What closing now would leave unfinished; [] when the session can close without asking."""
        return unfinished(self.service.entries(), self.clock.now(), self.service.limits)

    def closeEvent(self, event: QCloseEvent) -> None:
        if confirm_close(self, self.unfinished()):
            event.accept()
        else:
            event.ignore()

    def next_patient(self) -> bool:
        """Session → Next patient: offered once the session is discharged (or has nothing in it); confirms what
        it will do, then the ChairSeat ends this session and opens the next one on the same monitor."""
        if not ends_on_close(self.service.entries()):
            self._show_message(
                "Next patient: discharge this patient first (Recovery & discharge tab). To leave the session open "
                "for later, close the program: the next start offers to resume it.",
                True,
            )
            return False
        discharge = self.service.discharge()
        what = (
            f"discharged at {clock_text(discharge.t)[:5]} by {discharge.original.initials}"
            if discharge
            else "nothing recorded"
        )
        answer = QMessageBox.question(
            self,
            "Next patient?",
            f"End session {self.service.session_id} ({what}) and start a new session on this monitor for the next "
            "patient?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.next_patient_action.setEnabled(False)  # once: the seat replaces this window
        self.sigNextPatient.emit()
        return True

    # --- entries --------------------------------------------------------------------------------------------

    @Slot()
    def _on_initials(self) -> None:
        try:
            self.initials.setText(self.service.set_initials(self.initials.text()))
            self._show_message(f"Recording as {self.service.initials}", False)
        except EntryError as exc:
            self._show_message(str(exc), True)

    @Slot(str, bool)
    def _show_message(self, text: str, error: bool) -> None:
        """Every message for the nurse goes here, and lives by one rule: it stays until the next one replaces it
        or it is MESSAGE_KEEP_S old (a confirmation 15 s, an error 60 s), so it never outlives what it said."""
        self.message.setText(text)
        self.message.setStyleSheet(theme.message_style(error, bold_error=True))
        self._message_until = self._wall() + MESSAGE_KEEP_S[error]

    def _expire_message(self) -> None:
        if self._message_until is not None and self._wall() >= self._message_until:
            self._message_until = None
            self.message.clear()

    @Slot(object)
    def _on_entry_stored(self, _entry: Entry) -> None:
        self._reload_entries()
        self.infusion.refresh()
        self.screening.show_result(self.service.screening())
        self.recovery.refresh()

    def _reload_entries(self) -> None:
        views = self.service.views()
        self._views = {v.id: v for v in views}
        self.trends.set_entries(views)
        self.timeline.set_entries(views)

    @Slot(int)
    def _on_lane_click(self, entry_id: int) -> None:
        self.timeline.select(entry_id)

    @Slot(int)
    def _on_entry_selected(self, entry_id: int) -> None:
        view = self._views.get(entry_id)
        if view is not None:
            self.trends.scroll_to(view.t)

    def open_correction(self, entry_id: int, strike: bool) -> CorrectionDialog | None:
        view = self._views.get(entry_id)
        if view is None:
            return None
        dialog = CorrectionDialog(view, strike, self._submit_correction, self.clock.now, self)
        self.correction_dialog = dialog
        dialog.open()
        return dialog

    def _submit_correction(self, dialog: CorrectionDialog) -> bool:
        reason = dialog.reason.text()
        if dialog.strike:
            ok = self.recorder.strike(dialog.view.id, reason)
        else:
            ok = self.recorder.amend(dialog.view.id, dialog.payload(), reason, dialog.chosen_time())
        if not ok:
            dialog.show_error(self.message.text())
        return ok

    def open_session_list(self) -> SessionListDialog:
        dialog = SessionListDialog(self.facade.acquisition.writer.db_path, self)
        self.session_dialog = dialog
        dialog.open()
        return dialog

    def backup_database(self) -> BackgroundJob:
        """One click: a consistent copy of the live database into the backups folder."""
        db = self.facade.acquisition.writer.db_path
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
        job = replay_job(path, self.facade.acquisition.writer.db_path, speed, self)
        job.sigFinished.connect(self.open_review)
        self.jobs.append(job)
        return job.start()

    @Slot(object)
    def open_review(self, session_id: int | None) -> BackgroundJob | None:
        """Open a session's review; it is read on a worker thread, the window appears when it is ready."""
        if session_id is None:
            return None
        job = open_review(self.facade.acquisition.writer.db_path, session_id, self, self.review_windows)
        self.jobs.append(job)
        return job

    # --- monitor port ---------------------------------------------------------------------------------------

    def open_port_picker(self) -> PortPickerDialog:
        cfg = self.facade.acquisition.config
        dialog = PortPickerDialog(cfg.port, cfg.protocol, self, cfg.port_policy)
        dialog.accepted.connect(lambda: self._switch_port(*dialog.choice()))
        self.port_dialog = dialog
        dialog.open()
        return dialog

    def _switch_port(self, port: str, protocol: str) -> None:
        try:
            line_settings(protocol, None)
        except ValueError as exc:
            self._show_message(str(exc), True)
            return
        # Stopping the old link waits for its thread and sends the stop request: not on the GUI thread. A failure
        # is shown to the nurse by the job.
        job = BackgroundJob(
            f"Switching to {port}", lambda _progress, _cancel: self.facade.acquisition.switch_port(port, protocol), self
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


def _if_current(shown: ShownValue) -> float | None:
    return shown.value if shown.current else None
