"""Starts the GUI: storage, the acquisition (a real port, or the built-in simulated monitor), the window.

GUI thread. Everything started here is stopped in reverse order when the window closes, so the DRI stop
request reaches the monitor and the last samples reach the disk.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from monitor.app.chair import Chair, ChairConfig
from monitor.app.clinic_accounts import account_service
from monitor.app.clinic_patients import ClinicPatients
from monitor.app.desk import Desk
from monitor.app.gui_options import GuiOptions
from monitor.app.hl7.listener import start_listener
from monitor.app.hl7.sender import Hl7Sender, desk_name, start_sender, stop_sender
from monitor.app.hub_watch import HubWatch, OtherDesks
from monitor.app.lifecycle import close_empty_sessions
from monitor.app.replication import ClinicDb, Replication, left_text
from monitor.app.resume import ResumePoint, find_unfinished, restore_unsaved_entries
from monitor.app.settings_approval import desk_admin
from monitor.app.station import Station, demo_chairs, load_station, station_file
from monitor.app.storage_door import SessionWriter, captures_dir, default_db_path
from monitor.ui.first_admin import ensure_first_admin
from monitor.ui.lock_screen import IdleWatch
from monitor.ui.main_window import MainWindow, open_on_screen
from monitor.ui.seat import ChairSeat
from monitor.ui.seat import open_chair_window as open_chair_window  # where benchmarks and tests find it
from monitor.ui.settings_notice import SettingsNotice
from monitor.ui.station_window import StationWindow
from monitor.ui.stylesheet import install as install_stylesheet
from monitor.ui.text import literal
from monitor.ui.trends import CHART_PARAMS

log = logging.getLogger(__name__)

SINGLE_CHAIR = "Chair 1"  # the one-window program is a station of one chair: it resumes that chair's sessions


def _choose_platform() -> bool:
    """Without a display, run offscreen (recording still works) and say so, rather than abort in Qt."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        print(
            "No display found (DISPLAY is not set): running offscreen, recording without a window. "
            "Start it from a desktop session, or under xvfb-run, to see the window.",
            file=sys.stderr,
        )
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return os.environ.get("QT_QPA_PLATFORM") == "offscreen"


def _ask_resume(point: ResumePoint | None, mode: str, headless: bool) -> ResumePoint | None:
    """Offer a chair its unfinished session. Without a display nobody can be asked, and nothing resumes silently:
    a new session starts and stderr says how to resume (`--resume yes`)."""
    if point is None or mode == "no":
        return None
    what = point.describe()
    if mode == "ask" and headless:
        print(
            f"infusion-monitor: the unfinished {what} was not resumed (no display to ask); it stays open. "
            "Start with --resume yes to continue it.",
            file=sys.stderr,
        )
        return None
    if mode == "ask":
        answer = QMessageBox.question(
            None,
            f"{point.session.chair or 'This chair'}: resume the unfinished session?",
            literal(
                f"The {what}.\n\nIt was closed unfinished, or the program or the computer stopped while recording it. "
                "Resume it? Its entries are kept and the time without data is marked as a gap.\n"
                "No starts a new session (the unfinished one stays open)."
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
    log.info("resuming the unfinished %s", what)
    return point


def _resume_points(db_path: Path, chairs: list[str], mode: str, headless: bool) -> dict[str, ResumePoint]:
    """Each chair's own unfinished session (by chair name), once the empty ones are closed quietly."""
    close_empty_sessions(db_path)
    points = {}
    for name in chairs:
        point = _ask_resume(find_unfinished(db_path, chair=name), mode, headless)
        if point is not None:
            points[name] = point
    return points


def _tell_restored(message: str | None, headless: bool) -> None:
    """Entries added back from the file the writer left last time: the nurse should know they are in now."""
    if message is None:
        return
    print(f"infusion-monitor: {message}", file=sys.stderr)
    if not headless:
        QMessageBox.information(None, "Unsaved entries restored", literal(message))


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C or SIGTERM (logout, service stop) quit through the event loop, so the session is closed properly.

    Python runs the handler between bytecodes; the facade's drain timer gives it a turn every 40 ms. Installed
    before the chairs start: the exit is posted, so a signal during start-up quits as soon as the loop runs. exit(),
    not quit(): Qt 6's quit() closes the windows first, and a window with an unfinished session would ask a
    question nobody is there to answer (logout, service stop); the session stays open, resumable, either way.
    """

    def handler(signum: int, _frame: object) -> None:
        log.info("%s received: closing the session", signal.Signals(signum).name)
        QTimer.singleShot(0, lambda: app.exit(0))

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _load_history(seat: ChairSeat, db_path: Path) -> None:
    if seat.chair.resume is not None:
        seat.window.workspace.load_history(seat.chair.resume.load_samples(db_path, CHART_PARAMS))


def _place_single(new: MainWindow, old: MainWindow | None) -> None:
    if old is None:
        open_on_screen(new)
    else:  # the next patient's window where the nurse had the last one
        new.setGeometry(old.geometry())
        new.setWindowState(old.windowState())
        new.show()
    if old is not None:
        old.close()  # its session is closed: nothing to ask
        old.deleteLater()


def other_desks(options: GuiOptions) -> OtherDesks | None:
    """The other desks' chairs, when the clinic (or `--show-desks`) asks for them and there is a clinic database:
    their watcher started on its own thread."""
    show = options.clinic.show_other_desks if options.show_other_desks is None else options.show_other_desks
    if not show:
        return None
    if options.clinic_db is None:
        print("infusion-monitor: other desks' chairs come from the clinic database: give --clinic-db", file=sys.stderr)
        return None
    watch = HubWatch(options.clinic_db.dsn, options.clinic_db.desk)
    watch.start()
    return OtherDesks(watch, alarms=options.clinic.other_desks_alarms == "high")


def _start_replication(db_path: Path, clinic_db: ClinicDb | None, chairs) -> Replication | None:
    """Ship the desk's record to the clinic database on its own thread; the chairs show when it stalls."""
    if clinic_db is None:
        return None
    replication = Replication(db_path, clinic_db.dsn, clinic_db.desk)
    replication.watch_chairs(chairs)
    replication.start()
    return replication


def _start_sender(db_path: Path, options: GuiOptions, chairs) -> Hl7Sender | None:
    """Results to the EHR (--hl7-out) on its own thread; the chairs show its backlog or outage."""
    desk = desk_name(options.clinic, options.clinic_db.desk if options.clinic_db else None)
    return start_sender(db_path, options.hl7, desk, chairs)


def _stop_sender(sender: Hl7Sender | None) -> None:
    """After the chairs and the writer: the last records composed and sent for a bounded time; what is left said."""
    left = stop_sender(sender)
    if left:
        print(f"infusion-monitor: {left}", file=sys.stderr)


def _clinic_patients(clinic_db: ClinicDb | None) -> ClinicPatients | None:
    """The clinic database's patient list for the patient dialogs (queries on its own thread), when there is one."""
    return ClinicPatients(clinic_db.dsn) if clinic_db is not None else None


def _stop_replication(replication: Replication | None) -> None:
    """After the chairs and the writer: a bounded wait for the last rows, then what is left is said (stderr and
    the log: the window has closed; they are sent at the next start)."""
    if replication is None:
        return
    left = replication.stop()
    if left:
        print(f"infusion-monitor: {left_text(left)}", file=sys.stderr)


def run_station(options: GuiOptions, app: QApplication, db_path: Path, headless: bool, desk: Desk) -> int:
    """Several chairs at once: `--station N` runs N simulated monitors with different scenarios, `--station 0`
    the ports remembered in station.json."""
    try:
        policy = options.clinic.port_policy
        if options.station == 0:
            configs = load_station(policy=policy)
        else:
            configs = demo_chairs(options.station, options.speed, options.protocol)
    except ValueError as exc:
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        return 2
    if not configs:
        print(
            f"infusion-monitor: no chairs assigned yet in {station_file()}; try --station 4 for a demo", file=sys.stderr
        )
        return 2
    resume = _resume_points(db_path, [c.name for c in configs], options.resume, headless)
    writer = SessionWriter(db_path)
    writer.start()
    patients = _clinic_patients(options.clinic_db)
    station = Station(configs, writer, captures_dir(), clinic=options.clinic, resume=resume, patients=patients)
    for config, reason in station.failed:
        print(f"infusion-monitor: {config.name} not started: {reason}", file=sys.stderr)
    window: StationWindow | None = None

    def place(new: MainWindow, old: MainWindow | None) -> None:
        if old is not None and window is not None:
            window.replace_window(new, old)

    seats = [ChairSeat(chair, place, desk) for chair in station.chairs]
    for seat in seats:
        _load_history(seat, db_path)
    others = other_desks(options)
    window = StationWindow([seat.window for seat in seats], [c.config for c in station.chairs], policy, others)
    # station.json saved by an administrator; unapproved settings files said on the window
    window.admin = desk_admin(db_path, desk, options.clinic_file, station_used=options.station == 0)
    app.settings_notice = SettingsNotice(window.admin)
    app.settings_notice.show_on(window)
    window.show()
    replication = _start_replication(db_path, options.clinic_db, lambda: [seat.chair.alarms for seat in seats])
    sender = _start_sender(db_path, options, lambda: [seat.chair.alarms for seat in seats])
    listener = start_listener(options.hl7, db_path, lambda: [seat.chair.alarms for seat in seats])  # --hl7-in
    try:
        return app.exec()
    finally:
        station.chairs = [seat.chair for seat in seats]  # the current ones, after any next patient
        if others is not None:
            others.stop()
        try:
            station.stop()
        finally:  # whatever failed above, held entries are written or saved beside the database
            writer.close()
            _stop_replication(replication)
            _stop_sender(sender)
            if listener is not None:
                listener.stop()
            if patients is not None:
                patients.close()


def _open_desk(db_path: Path, options: GuiOptions, app: QApplication, headless: bool) -> Desk | None:
    """The desk's signed-in user and its lock after the clinic's idle time (README "Staff accounts and signing
    in"). The very first start (no account) asks for the first administrator, who is then signed in; None when
    none was made (cancelled, or no display to ask): the program starts nothing (ensure_first_admin says why).
    With a clinic database the accounts are the clinic's (its first administrator is made with `users add --role
    admin --clinic-db`): the desk opens locked and its copy arrives with the replication worker's first pull."""
    accounts = account_service(db_path, options.clinic_db)
    desk = Desk(accounts, options.clinic.lock_after_s)
    if not accounts.clinic_wide and not ensure_first_admin(accounts, headless, desk.sign_in):
        return None
    app.idle_watch = IdleWatch(desk, app)  # lives as long as the application
    return desk


def collect_on_gui_thread() -> GarbageCollector:
    """Python's garbage collection only on the GUI thread, on a timer: collected on a worker thread (the writer,
    an acquisition, replication), a Qt object living on the GUI thread is deleted from the wrong thread, its timers
    stay registered and later fire on freed memory (a segmentation fault; seen in the station tests, 2026-11-29)."""
    return GarbageCollector(interval=1.0)


def run_gui(options: GuiOptions) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    headless = _choose_platform()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_stylesheet(app)  # the one look, by role (monitor.ui.stylesheet)
    app.gc_on_gui_thread = collect_on_gui_thread()
    if options.clinic_db is not None:  # Qt adds it to every window's title: which desk this is, on a shared record
        app.setApplicationDisplayName(f"desk {options.clinic_db.desk}")
    _quit_on_signals(app)
    db_path = options.db or default_db_path()
    desk = _open_desk(db_path, options, app, headless)  # before anything starts: no desk, nothing runs
    if desk is None:
        return 2
    _tell_restored(restore_unsaved_entries(db_path, options.clinic.infusion), headless)
    if options.station is not None:
        return run_station(options, app, db_path, headless, desk)
    o = options
    config = ChairConfig(SINGLE_CHAIR, o.port, o.protocol, o.baudrate, o.scenario, o.speed, o.seed)
    resume = _resume_points(db_path, [config.name], options.resume, headless).get(config.name)
    writer = SessionWriter(db_path)
    writer.start()
    patients = _clinic_patients(options.clinic_db)  # no thread until its first query
    try:
        chair = Chair(config, writer, captures_dir(), resume, clinic=options.clinic, patients=patients)
    except (ValueError, FileNotFoundError) as exc:  # an unknown scenario
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        writer.close()
        return 2
    seat = ChairSeat(chair, _place_single, desk)
    # unapproved settings files said on the window, the next patient's too
    app.settings_notice = SettingsNotice(desk_admin(db_path, desk, options.clinic_file, station_used=False))
    app.settings_notice.show_on(seat.window)
    seat.sigNewPatient.connect(app.settings_notice.show_on)
    _load_history(seat, db_path)
    replication = _start_replication(db_path, options.clinic_db, lambda: [seat.chair.alarms])
    sender = _start_sender(db_path, options, lambda: [seat.chair.alarms])
    listener = start_listener(options.hl7, db_path, lambda: [seat.chair.alarms])  # --hl7-in: patients from the EHR
    try:
        return app.exec()
    finally:
        try:
            seat.chair.stop()
        finally:  # whatever failed above, held entries are written or saved beside the database
            writer.close()
            _stop_replication(replication)
            _stop_sender(sender)
            if listener is not None:
                listener.stop()
            if patients is not None:
                patients.close()
