"""Station figures: refresh time of the whole overview window with 8 chairs, each holding 12 hours of history.

Run: .venv/bin/python benchmarks/station.py [--chairs 8] [--hours 12] [--frames 60]
Offscreen, this machine. Eight chairs run simulated monitors on real ptys (live links, alarms, writer); each
chair's charts are first filled with --hours of 1 Hz history. A frame = StationWindow.refresh() (every card reads
its chair) followed by rendering the whole window at 1920x1080 (grab(): every card and its trend); a live tick =
refresh() and the repaint Qt does of what changed (what the 1 Hz overview timer costs). Target: median <= 16 ms.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from accounts import desk_for  # the signed-in desk every window has (tests/accounts.py)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from monitor.app.station import Station, demo_chairs
from monitor.storage.writer import SessionWriter
from monitor.ui.app import collect_on_gui_thread, open_chair_window
from monitor.ui.main_window import MainWindow
from monitor.ui.station_window import StationWindow
from monitor.ui.stylesheet import install


def fill_history(window: MainWindow, hours: float) -> None:
    rng = np.random.default_rng(0)
    now = window.workspace.clock.now()
    t = np.arange(now - hours * 3600, now, 1.0)
    for param, base in (("HR", 72), ("PR", 71), ("SPO2", 97), ("RR", 14), ("ETCO2", 37)):
        window.workspace.trends.add_series(param, t, base + rng.normal(0, 1.5, t.size))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chairs", type=int, default=8)
    parser.add_argument("--hours", type=float, default=12.0)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    app.gc_on_gui_thread = collect_on_gui_thread()  # as the program: garbage collected on the GUI thread only
    install(app)  # the program's one stylesheet, as monitor.ui.app installs it: what the nurse sees is rendered
    tmp = Path(tempfile.mkdtemp(prefix="ism-station-"))
    os.environ["INFUSION_MONITOR_KEY_FILE"] = str(tmp / "desk.key")  # the benchmark's own desk key, not the user's
    writer = SessionWriter(tmp / "station.sqlite3")
    writer.start()
    station = Station(demo_chairs(args.chairs, speed=1.0), writer)
    desk = desk_for(writer.db_path, "KM")
    windows = [open_chair_window(chair, desk) for chair in station.chairs]
    for w in windows:
        fill_history(w, args.hours)
    window = StationWindow(windows, [c.config for c in station.chairs])
    window.show()
    window.setWindowState(Qt.WindowState.WindowNoState)  # the desk's 1920x1080, not the offscreen screen's 800x800
    window.resize(1920, 1080)
    for _ in range(30):  # let the links connect and the first records arrive
        app.processEvents()
        time.sleep(0.05)
    frames = []
    for _ in range(args.frames):
        start = time.perf_counter()
        window.refresh()
        window.grab()  # the whole window and every child rendered now (repaint() alone may skip clean children)
        frames.append((time.perf_counter() - start) * 1000)
        app.processEvents()  # the live side keeps running between frames (links, facades, alarms)
        time.sleep(0.05)
    ticks = []  # what the overview's 1 Hz tick costs live: refresh, then Qt paints only what changed
    for _ in range(args.frames):
        start = time.perf_counter()
        window.refresh()
        app.processEvents()
        ticks.append((time.perf_counter() - start) * 1000)
        time.sleep(0.05)
    station.stop()
    writer.close()
    print(f"station, {args.chairs} chairs x {args.hours:g} h history, {args.frames} frames offscreen:")
    _report("refresh + full render", frames)
    _report("refresh + repaint of what changed (a live tick)", ticks)
    return 0


def _report(what: str, frames: list[float]) -> None:
    median = statistics.median(frames)
    p99 = float(np.percentile(frames, 99))
    verdict = "ok" if median <= 16 else "MISSED"
    print(f"  {what}: median {median:.2f} ms (target <= 16 ms: {verdict}), p99 {p99:.2f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
