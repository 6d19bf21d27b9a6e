"""Starts the GUI: storage, the acquisition (a real port, or the built-in simulated monitor), the window.

GUI thread. Everything started here is stopped in reverse order when the window closes, so the DRI stop
request reaches the monitor and the last samples reach the disk.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from monitor.app.chair import Chair, ChairConfig
from monitor.app.recovery import ResumePoint, find_unfinished, restore_unsaved_entries
from monitor.app.station import Station, demo_chairs, load_station, station_file
from monitor.storage.paths import captures_dir, default_db_path
from monitor.storage.writer import SessionWriter
from monitor.ui.facade import SessionFacade
from monitor.ui.main_window import MainWindow
from monitor.ui.station_window import StationWindow
from monitor.ui.trends import CHART_PARAMS

log = logging.getLogger(__name__)


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
    """Offer to continue the session a crash left open. Without a display there is nobody to ask: resume."""
    if point is None or mode == "no":
        return None
    started = datetime.fromtimestamp(point.session.started_at).strftime("%d %b %H:%M")
    what = f"session {point.session.id} started {started} from {point.session.source}"
    if mode == "ask" and not headless:
        answer = QMessageBox.question(
            None,
            "Resume the unfinished session?",
            f"The {what} was not closed: the program or the computer stopped while recording it.\n\n"
            f"Resume it? Its {len(point.entries)} entries are kept and the time without data is marked as a gap.\n"
            "No starts a new session (the unfinished one stays as it is).",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
    log.info("resuming the unfinished %s (%d entries)", what, len(point.entries))
    return point


def _tell_restored(message: str | None, headless: bool) -> None:
    """Entries added back from the file the writer left last time: the nurse should know they are in now."""
    if message is None:
        return
    print(f"infusion-monitor: {message}", file=sys.stderr)
    if not headless:
        QMessageBox.information(None, "Unsaved entries restored", message)


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C or SIGTERM (logout, service stop) quit through the event loop, so the session is closed properly.

    Python runs the handler between bytecodes; the facade's drain timer gives it a turn every 40 ms.
    """

    def handler(signum: int, _frame: object) -> None:
        log.info("%s received: closing the session", signal.Signals(signum).name)
        app.quit()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def open_chair_window(chair: Chair, initials: str) -> MainWindow:
    """The workspace of one chair: its facade listens before the chair starts, so nothing is missed."""
    facade = SessionFacade(chair.acquisition, clock=chair.clock)
    facade.attach_alarms(chair.alarms)
    # the clinic workflow: no infusion without a screening that allows it
    facade.attach_service(chair.start(initials=initials, require_screening=True))
    return MainWindow(facade, source=chair.source, demo=chair.simulator is not None)


def run_station(args: argparse.Namespace, app: QApplication, db_path: Path) -> int:
    """Several chairs at once: `--station N` runs N simulated monitors with different scenarios, `--station 0`
    the ports remembered in station.json."""
    try:
        configs = load_station() if args.station == 0 else demo_chairs(args.station, args.speed)
    except ValueError as exc:
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        return 2
    if not configs:
        print(
            f"infusion-monitor: no chairs assigned yet in {station_file()}; try --station 4 for a demo", file=sys.stderr
        )
        return 2
    writer = SessionWriter(db_path)
    writer.start()
    station = Station(configs, writer, captures_dir(), clinic=args.clinic_protocol)
    for config, reason in station.failed:
        print(f"infusion-monitor: {config.name} not started: {reason}", file=sys.stderr)
    windows = [open_chair_window(chair, args.initials or "") for chair in station.chairs]
    window = StationWindow(windows, [c.config for c in station.chairs])
    window.show()
    _quit_on_signals(app)
    try:
        return app.exec()
    finally:
        try:
            station.stop()
        finally:  # whatever failed above, held entries are written or saved beside the database
            writer.close()


def run_gui(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    headless = _choose_platform()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    db_path = args.db or default_db_path()
    _tell_restored(restore_unsaved_entries(db_path), headless)
    if args.station is not None:
        return run_station(args, app, db_path)
    resume = _ask_resume(find_unfinished(db_path), args.resume, headless)
    config = ChairConfig("Chair 1", args.port, args.protocol, args.baudrate, args.scenario, args.speed, args.seed)
    writer = SessionWriter(db_path)
    writer.start()
    try:
        chair = Chair(config, writer, captures_dir(), resume, clinic=args.clinic_protocol)
    except (ValueError, FileNotFoundError) as exc:  # an unknown scenario
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        writer.close()
        return 2
    window = open_chair_window(chair, args.initials or "")
    if resume is not None:
        window.load_history(resume.load_samples(db_path, CHART_PARAMS))
    window.show()
    _quit_on_signals(app)
    try:
        return app.exec()
    finally:
        try:
            chair.stop()
        finally:  # whatever failed above, held entries are written or saved beside the database
            writer.close()
