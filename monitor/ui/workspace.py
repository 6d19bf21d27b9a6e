"""ChairWorkspace: the live session workspace of one chair, which a nurse watches for hours.

GUI thread only; it talks to the session through the SessionFacade (signals in, the EntryRecorder out) and shows
the chair's live model (monitor.app.live_chair.LiveChair), which the station card reads too.
Layout: the link banner across the top; numerics tiles above the swept waves (monitor.ui.sweep), the stacked trend
charts and the timeline lane (one time axis), the timeline list beneath; on the right the infusion controls and the
observation forms. The window around it (menus, title, the close question) is MainWindow (monitor.ui.main_window),
the single chair's window and each page of the station alike.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from monitor.app.courses import DEMO_NAME, CourseService
from monitor.app.desk import Desk
from monitor.app.device_door import DeviceStatus, LinkEvent, LinkState, OtherValue, Sample
from monitor.app.live_chair import LiveChair
from monitor.clinical.alarms import AlarmEvent
from monitor.clinical.cosign import Safeguard
from monitor.clinical.entries import Entry, EntryView
from monitor.clinical.nibp import NibpReading
from monitor.clinical.recovery import MonitorValues
from monitor.clinical.roles import Role
from monitor.timefmt import clock_text, hm_text
from monitor.ui.alarm_bar import AlarmBar, AlarmHistory, RowLabel, alarm_marks
from monitor.ui.alarm_sound import AlarmSound
from monitor.ui.cosign_dialog import obtain_cosigner
from monitor.ui.entry_panel import ObservationPanel
from monitor.ui.facade import SessionFacade
from monitor.ui.infusion_panel import InfusionPanel
from monitor.ui.link_banner import LinkBanner
from monitor.ui.lock_screen import LockCurtain, SignInDialog
from monitor.ui.other_values import OtherValuesList
from monitor.ui.patient_dialog import PatientDialog
from monitor.ui.phq9_panel import Phq9Panel
from monitor.ui.recorder import EntryRecorder, EntryTimeControl
from monitor.ui.recovery_panel import RecoveryPanel
from monitor.ui.schedule_line import ScheduleLine
from monitor.ui.screening_panel import ScreeningPanel
from monitor.ui.stylesheet import set_role
from monitor.ui.sweep import WaveSweep
from monitor.ui.text import literal, plain
from monitor.ui.tiles import TILES, AlarmLevel, NumericTile, render_tiles
from monitor.ui.timeline import CorrectionDialog, TimelineList
from monitor.ui.trends import TrendView
from monitor.ui.wheel_guard import install_wheel_guard
from monitor.wording import count

RIGHT_MIN_WIDTH = 440  # the forms' narrowest; with the six tiles' it fits a 1366 px wide screen (issue 16)

# How long a status message for the nurse stays (by: is it an error). An error needs time to be read and acted on.
MESSAGE_KEEP_S = {False: 15.0, True: 60.0}


def _fixed_lines(label: QLabel, lines: int) -> None:
    """A label that keeps `lines` lines of room whether it says anything or not (its font from the stylesheet)."""
    label.ensurePolished()
    label.setFixedHeight(lines * label.fontMetrics().lineSpacing() + 4)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)


class ChairWorkspace(QWidget):
    sigTick = Signal(float)  # each second, with the session clock's time (the shell refreshes its actions)
    sigLocked = Signal(bool)  # the desk locked (True) or someone signed in (False): the shell gates its menus

    def __init__(
        self,
        facade: SessionFacade,
        demo: bool = False,
        parent: QWidget | None = None,
        courses: CourseService | None = None,
    ) -> None:
        """`demo`: the monitor is the built-in simulator, so a clearly labelled demo patient may be used;
        `courses`: the chair's patient list (with the clinic database's, when there is one)."""
        super().__init__(parent)
        assert facade.service is not None
        install_wheel_guard()  # the wheel scrolls the forms, it never changes a clinical value
        self.facade = facade
        self.service = facade.service
        self.clock = facade.clock
        # The chair's live state: what the tiles, the station card and the Aldrete cross-check read.
        self.live = LiveChair(
            self.service, facade.alarms, self.clock.use_device_time, facade.acquisition.config.waves_off
        )
        self._views: dict[int, EntryView] = {}
        self.correction_dialog: CorrectionDialog | None = None

        self.link_label = LinkBanner()
        self.storage_banner = plain(QLabel(""))
        self.storage_banner.setObjectName("storage_banner")
        self.storage_banner.setWordWrap(True)
        set_role(self.storage_banner, "banner")
        self.storage_banner.hide()
        self.status_label = RowLabel()  # one row, always there: a report coming or going moves nothing
        self.status_label.setObjectName("device_status")
        set_role(self.status_label, "status")
        self.status_label.setFixedHeight(22)
        # Who records is the desk's signed-in account (attach_desk; the program always attaches one), never typed.
        self.desk: Desk | None = None
        self.signed_in = QLabel("")
        self.signed_in.setObjectName("signed_in")
        self.switch_user = QPushButton("Switch user…")
        self.switch_user.setObjectName("switch_user")
        self.lock_now = QPushButton("Lock")
        self.lock_now.setObjectName("lock_now")
        for widget in (self.signed_in, self.switch_user, self.lock_now):
            widget.hide()
        self.curtain = LockCurtain()
        self.record_stack = QStackedWidget()  # the chair's record, or the lock curtain over it
        self.session_clock = QLabel("")
        self.session_clock.setObjectName("session_clock")
        self.message = plain(QLabel(""))
        set_role(self.message, "message", tone="error")
        self._wall = time.monotonic  # status messages age in real time, whatever the session clock's speed
        self._last_message = ""
        self._message_until: float | None = None
        self.message.setObjectName("entry_message")
        self.message.setWordWrap(True)
        _fixed_lines(self.message, 2)  # "Saved at …" or why not, read at 2 m; appearing, it moves nothing
        self.time_control = EntryTimeControl(self.clock.now)
        self.recorder = EntryRecorder(facade, self.time_control, self)
        self.recorder.sigMessage.connect(self.show_message)

        self.tiles = {spec.key: NumericTile(spec) for spec in TILES}
        self.alarms = facade.alarms
        self.alarm_bar: AlarmBar | None = None
        self.alarm_history = AlarmHistory()
        self.other_values = OtherValuesList()  # what the monitor sends that no tile shows (issue 21)
        self.sound: AlarmSound | None = None
        if self.alarms is not None:
            self.alarm_bar = AlarmBar(self.alarms, lambda: self.service.initials, cosigner=self.cosigner)
            self.alarm_bar.sigMessage.connect(self.show_message)
            self.sound = AlarmSound(self)
            # No player, at start or after one failed at play time: a standing condition, on the record.
            self.sound.sigUnavailable.connect(self._on_sound_unavailable)
            if self.sound.unavailable:
                self._on_sound_unavailable(self.sound.unavailable)
        self.trends = TrendView(self.service.started_at)
        self.sweep = WaveSweep(self.live)  # ECG, pleth, capnogram above the trends (issue 22)
        self.timeline = TimelineList()
        self.infusion = InfusionPanel(self.recorder, cosigner=self.cosigner)
        self.observations = ObservationPanel(self.recorder)
        self.screening = ScreeningPanel(
            self.recorder, lambda param: self.live.current(param, self.clock.now()), cosigner=self.cosigner
        )
        self.recovery = RecoveryPanel(self.recorder, lambda: self.live.recovery_context(self.clock.now()))
        self.phq9 = Phq9Panel(self.recorder)
        self.service.watch_values(self.monitor_values)  # an Aldrete score is checked against what is shown
        self.courses = courses or CourseService(facade.acquisition.writer)
        self.patient_label = QLabel("No patient assigned to this session")
        self.patient_label.setObjectName("patient_label")
        self.patient_label.setWordWrap(True)
        _fixed_lines(self.patient_label, 2)
        self.patient_button = QPushButton("Patient && course…")
        self.patient_button.setObjectName("patient_button")
        self.patient_button.clicked.connect(self.open_patient_dialog)
        self.demo_button = QPushButton("Use demo patient")
        self.demo_button.setObjectName("demo_patient")
        self.demo_button.setToolTip("Simulated monitor only: the session is recorded for " + DEMO_NAME)
        self.demo_button.clicked.connect(self.use_demo_patient)
        self.demo_button.setVisible(demo)
        self.schedule_label = ScheduleLine()
        self.patient_dialog: PatientDialog | None = None
        self._layout()
        self._install_shortcuts()

        facade.sigSamples.connect(self._on_samples)
        facade.sigOtherValues.connect(self._on_other_values)
        facade.sigWaves.connect(self.live.on_waves)  # the sweep's strips repaint from their own frame timers
        facade.sigNibpReadings.connect(self._on_nibp)
        facade.sigLinkState.connect(self._on_link)
        facade.sigDeviceStatus.connect(self._on_status)
        facade.sigEntryStored.connect(self._on_entry_stored)
        facade.sigAlarmEvents.connect(self._on_alarm_events)
        self.trends.sigEntryClicked.connect(self._on_lane_click)
        self.timeline.sigEntrySelected.connect(self._on_entry_selected)
        self.timeline.sigAmendRequested.connect(lambda eid: self.open_correction(eid, strike=False))
        self.timeline.sigStrikeRequested.connect(lambda eid: self.open_correction(eid, strike=True))
        self._reload_entries()
        self.screening.show_result(self.service.screening())  # a resumed session may have been screened already
        self._show_patient()  # ... and have its patient
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self._tick()

    # --- layout ---------------------------------------------------------------------------------------------

    def _layout(self) -> None:
        tiles_row = QHBoxLayout()
        tiles_row.setSpacing(4)
        for tile in self.tiles.values():
            tiles_row.addWidget(tile, 1)
        charts = QWidget()
        charts_layout = QVBoxLayout(charts)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        charts_layout.addLayout(tiles_row)
        charts_layout.addWidget(self.infusion.summary)  # state, rate, elapsed and dose under the numbers
        # Height beyond their minimums goes 1:2 to the waves (up to their full height) and the trends, so a short
        # screen keeps both readable (seen at 1366x768: full-height waves above 27 px charts with overlapping scales).
        charts_layout.addWidget(self.sweep, 1)
        charts_layout.addWidget(self.trends, 2)
        lists = QTabWidget()
        lists.setObjectName("lists")
        lists.addTab(self.timeline, "Timeline")
        lists.addTab(self.alarm_history, "Alarm history")
        lists.addTab(self.other_values, "Other values")
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(charts)
        left.addWidget(lists)
        # On a short screen the charts and waves keep their room: the lists keep their tabs; the handle drags it open.
        lists.setMinimumHeight(lists.tabBar().sizeHint().height() + 2)
        left.setStretchFactor(0, 1)  # a shorter window shortens the lists first
        left.setStretchFactor(1, 0)
        left.setSizes([700, 170])

        main_tab = QWidget()
        main_layout = QVBoxLayout(main_tab)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addWidget(self.infusion)
        main_layout.addWidget(self.observations, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workflow_tabs")
        for widget, title in (
            (main_tab, "Infusion && side effects"),
            (self.screening, "Screening"),
            (self.recovery, "Recovery && discharge"),
            (self.phq9, "PHQ-9"),  # optional, before the infusion; last, so the workflow tabs keep their places
        ):
            scroll = QScrollArea()
            scroll.setWidget(widget)
            scroll.setWidgetResizable(True)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.tabs.addTab(scroll, title)

        right = QWidget()
        right.setMinimumWidth(RIGHT_MIN_WIDTH)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        who = QHBoxLayout()
        who.addStretch(1)
        who.addWidget(self.demo_button)
        who.addWidget(self.patient_button)
        right_layout.addLayout(who)
        right_layout.addWidget(self.patient_label)
        right_layout.addWidget(self._check_group())
        right_layout.addWidget(self.time_control)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.tabs, 1)

        body = QSplitter(Qt.Orientation.Horizontal)
        self.record_stack.addWidget(right)
        self.record_stack.addWidget(self.curtain)
        self.lists = lists
        body.addWidget(left)
        body.addWidget(self.record_stack)
        body.setStretchFactor(0, 1)  # a narrower window narrows the charts; the right panel keeps its width
        body.setStretchFactor(1, 0)
        body.setSizes([1080, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.link_label)
        if self.alarm_bar is not None:
            layout.addWidget(self.alarm_bar)  # a fixed height, the standing condition in its first row
        layout.addWidget(self.storage_banner)
        status = QHBoxLayout()
        status.addWidget(self.status_label, 1)
        # Who is at the desk, beside the session's clock: the patient row keeps its room at 1366 px.
        for widget in (self.signed_in, self.switch_user, self.lock_now):
            status.addWidget(widget)
        status.addSpacing(12)
        status.addWidget(self.session_clock)
        layout.addLayout(status)
        layout.addWidget(body, 1)

    def _check_group(self) -> QGroupBox:
        """The check at hand, always in view: when it is due, what it still needs, and the controls that take
        it (the scores, the dissociation rating, the side-effect review; the cuff reading comes from the
        monitor)."""
        box = QGroupBox("Check")
        box.setObjectName("check_group")
        set_role(box, "check-group")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 2, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.schedule_label)
        layout.addWidget(self.schedule_label.needs)
        layout.addWidget(self.observations.scores)
        layout.addWidget(self.observations.review_none)
        self.check_group = box
        return box

    def _install_shortcuts(self) -> None:
        """The keyboard entries (README "Keyboard") work on every tab: they belong to the window, and bring the
        observations tab forward before they act, so the nurse sees what the key did."""
        for keys, action in self.observations.shortcuts.items():
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(lambda act=action: self._on_observations_tab(act))

    def _on_observations_tab(self, action: Callable[[], None]) -> None:
        self.tabs.setCurrentIndex(0)
        action()

    # --- samples and link -----------------------------------------------------------------------------------

    @Slot(list)
    def _on_samples(self, samples: list[Sample]) -> None:
        sample_time = self.clock.sample_time
        readings = self.live.on_samples(samples)
        self.trends.add_points((s.param, sample_time(s), s.value) for s in samples if not s.param.startswith("NIBP"))
        self.trends.add_nibp(readings, "t" if self.clock.use_device_time else "host_t")  # none with alarms
        self._render_tiles(self.clock.now())

    @Slot(list)
    def _on_other_values(self, values: list[OtherValue]) -> None:
        self.live.on_other_values(values)
        self._render_others(self.clock.now())

    def _render_others(self, now: float) -> None:
        """The other values list, by the tiles' rule; its tab says how many there are."""
        others = self.live.others(now)
        self.other_values.show_values(others)
        index = self.lists.indexOf(self.other_values)
        title = f"Other values ({len(others)})" if others else "Other values"
        if self.lists.tabText(index) != title:
            self.lists.setTabText(index, title)

    @Slot(list)
    def _on_nibp(self, readings: list[NibpReading]) -> None:
        """Cuff readings of the chair's one detector (the alarm service's): the chart's points, the tile."""
        self.live.on_nibp(readings)
        self.trends.add_nibp(readings, "t" if self.clock.use_device_time else "host_t")
        self._render_tiles(self.clock.now())

    def load_history(self, samples: list[Sample]) -> None:
        """Redraw what was recorded before a restart. The tiles show it as the rule says: not current."""
        sample_time = self.clock.sample_time
        self.trends.add_points((s.param, sample_time(s), s.value) for s in samples if not s.param.startswith("NIBP"))
        readings = self.live.values.on_samples(samples)  # the record's readings (the live ones: on_nibp)
        self.trends.add_nibp(readings, "t" if self.clock.use_device_time else "host_t")
        self.trends.break_lines(max((sample_time(s) for s in samples), default=self.clock.now()))
        self.trends.refresh()

    def _render_tiles(self, now: float) -> None:
        """Every tile from the LatestValues, through the one currency rule (the other values list too)."""
        render_tiles(self.tiles, self.live.values, now)
        self._render_others(now)

    @Slot(object)
    def _on_link(self, event: LinkEvent) -> None:
        if self.live.on_link(event):
            self._render_tiles(self.clock.now())
        if event.state is not LinkState.RECEIVING:
            self.trends.break_lines(self.clock.now())
        self.link_label.show_event(self.live.link)

    @Slot(object)
    def _on_status(self, status: DeviceStatus) -> None:
        self.live.on_status(status)
        self.status_label.set_full_text(self.live.reports())
        self._render_tiles(self.clock.now())

    @Slot()
    def _tick(self) -> None:
        now = self.clock.now()
        self.session_clock.setText(f"Session {hm_text(self.service.started_at)} · now {clock_text(now)}")
        self.trends.set_now(now)
        self._render_tiles(now)
        if self.live.link_state in (LinkState.SILENT, LinkState.DISCONNECTED):
            self.link_label.show_event(self.live.link)
        self.infusion.refresh()
        self.recovery.refresh()
        self.schedule_label.refresh(self.live, now)
        self.sigTick.emit(now)
        self._render_storage()
        self._render_alarms()
        self._expire_message()

    @Slot(list)
    def _on_alarm_events(self, events: list[AlarmEvent]) -> None:
        self.alarm_history.add_events(events)
        self.trends.add_alarm_marks(alarm_marks(events))
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
            f"DATABASE NOT WRITABLE — {writer.last_error}. {count(writer.pending, 'record')} kept in memory, "
            "written as soon as the disk takes them. Keep the program open and call IT."
        )
        self.storage_banner.show()

    # --- clinical workflow ----------------------------------------------------------------------------------

    def monitor_values(self) -> MonitorValues:
        """What the monitor shows now, for the Aldrete cross-check (SessionService.watch_values): the live model's."""
        return self.live.monitor_values(self.clock.now())

    def open_patient_dialog(self) -> PatientDialog:
        dialog = PatientDialog(self.courses, self.facade, self.service.session_id, self)
        dialog.sigAssigned.connect(self._show_patient)
        self.patient_dialog = dialog
        dialog.open()
        return dialog

    def use_demo_patient(self) -> None:
        def assigned(future) -> None:
            if future.exception() is not None:
                self.show_message(f"The demo patient was not assigned: {future.exception()}", True)
                return
            self._show_patient()

        self.facade.deliver(self.courses.assign_demo_patient(self.service.session_id), assigned)

    def _show_patient(self) -> None:
        found = self.courses.of_session(self.service.session_id)
        if found is None:
            return
        self.demo_button.hide()  # a patient is assigned: the demo button has done its job or is not needed
        patient, course = found
        self.live.on_patient(patient)
        allergies = f" · allergies: {html.escape(patient.allergies)}" if patient.allergies else ""
        self.patient_label.setText(
            f"<b>{html.escape(patient.label)}</b>{allergies}<br>Course: {html.escape(course.title)}"
        )
        self.infusion.offer_weight(patient.weight_kg)

    # --- who is at the desk ----------------------------------------------------------------------------------

    def attach_desk(self, desk: Desk) -> None:
        """Entries, alarm answers and limit changes are the desk's signed-in account's;
        while it is locked the record (patient, entries, timeline) is covered, the tiles and alarms stay."""
        self.desk = desk
        self.service.sign_in_at(desk)

        def acts_alone() -> bool:  # a charge nurse / prescriber (or administrator) needs no second person
            account = desk.account
            return account is not None and account.role.may_cosign

        self.service.require_cosign(acts_alone)
        if self.alarms is not None:
            self.alarms.sign_in_at(desk)
            self.alarms.require_cosign(acts_alone)
        if self.alarm_bar is not None:
            self.alarm_bar.use_desk(desk)
        for widget in (self.signed_in, self.switch_user, self.lock_now):
            widget.show()
        self.switch_user.clicked.connect(lambda: self.open_sign_in("Switch user"))
        self.lock_now.clicked.connect(desk.lock)
        self.curtain.sigSignIn.connect(self.open_sign_in)
        desk.add_listener(self._on_desk)  # held weakly: the desk outlives this workspace (Next patient)
        self._render_desk()

    def cosigner(self, safeguard: Safeguard) -> str | None:
        """Where a second person is the safeguard (issue 18 point 4): the co-signer's initials (a charge nurse or
        prescriber confirms with their PIN in the CoSignDialog), "" when the signed-in account acts alone, None
        when the co-signature was cancelled (nothing is recorded). Without a signed-in account there is nobody to
        co-sign for: "" and the service refuses the act (locked desk) or records it as before (no desk)."""
        desk = self.desk
        account = desk.account if desk is not None else None
        if desk is None or account is None:
            return ""
        return obtain_cosigner(safeguard, account, lambda i, s: desk.accounts.confirm(i, s, Role.CHARGE), self)

    def open_sign_in(self, title: str = "Sign in") -> SignInDialog:
        assert self.desk is not None
        self.sign_in_dialog = SignInDialog(self.desk, self, title)
        self.sign_in_dialog.open()
        return self.sign_in_dialog

    def _on_desk(self, _account) -> None:
        if isValid(self):  # the window may be closed and deleted while its Python object waits for collection
            self._render_desk()

    def _render_desk(self) -> None:
        assert self.desk is not None
        locked = self.desk.locked
        self.sigLocked.emit(locked)
        self.record_stack.setCurrentIndex(1 if locked else 0)
        self.lists.setVisible(not locked)
        account = self.desk.account
        self.signed_in.setText(f"Signed in: {account.initials}" if account else "Locked")
        self.switch_user.setVisible(not locked)  # locked: the curtain's Sign in… is the one way in
        self.lock_now.setVisible(not locked)

    # --- entries --------------------------------------------------------------------------------------------

    @Slot(str, bool)
    def show_message(self, text: str, error: bool) -> None:
        """Every message for the nurse goes here, and lives by one rule: it stays until the next one replaces it
        or it is MESSAGE_KEEP_S old (a confirmation 15 s, an error 60 s), so it never outlives what it said."""
        self._last_message = text
        self.message.setText(text)
        set_role(self.message, tone="error" if error else "ok")
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
            dialog.show_error(self._last_message)  # why the recorder refused it
        return ok
