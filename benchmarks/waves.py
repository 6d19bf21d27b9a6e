"""Live waves figures: the 8-chair station with ECG, pleth and CO₂ live for every chair, against the same station
without waves (issue 22 point 5).

Run: .venv/bin/python benchmarks/waves.py [--chairs 8] [--seconds 20] [--source pty|inject]
Offscreen, this machine. The chairs run simulated monitors on real ptys (live links, alarms, the writer), all in
this process, as `python -m monitor station --demo` runs them. Waves come from the simulator through the pty and
the DRI decoder (`pty`, when the simulator sends them), or are put by a feeder thread into each chair's facade
inbox as the link's worker thread puts them (`inject`: 0.2 s blocks of 300, 100 and 25 Hz waves, 5 per second).
The GUI thread runs as the program's event loop does, one pass per 40 ms frame (the facades' and strips' rate).
- CPU: process CPU time (every thread: links, decoders, simulators, writer, GUI) / wall time, in % of one core;
  also by thread (from /proc), and the desk's own: all but the simulated monitors, which a clinic does not run.
- Frame time: how long each pass of the GUI thread's events took (facade drains, strip redraws, the repaint).
Views: the overview (8 cards, each sweeping its chair's pleth), then one chair's workspace (3 waves + trends).
Targets: CPU <= 25 % of a core, frame median <= 8 ms.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from accounts import desk_for  # the signed-in desk every window has (tests/accounts.py)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from monitor.app.station import Station, demo_chairs
from monitor.devices import protocols
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.events import WAVE_RATE_HZ, Wave, WaveBlock
from monitor.storage.writer import SessionWriter
from monitor.ui.app import collect_on_gui_thread, open_chair_window
from monitor.ui.facade import UI_RATE_MS
from monitor.ui.main_window import MainWindow
from monitor.ui.station_window import StationWindow
from monitor.ui.stylesheet import install

BLOCK_S = 0.2  # the S/5 sends a wave packet every 200 ms (shared/vectors: the real record is one such packet)


class Feeder(threading.Thread):
    """Puts each chair's wave blocks into its facade's inbox in real time, as the link's worker thread does."""

    def __init__(self, windows: list[MainWindow]) -> None:
        super().__init__(daemon=True, name="wave feeder")
        self.inboxes = [w.workspace.facade._inbox for w in windows]
        self.stop = threading.Event()

    def run(self) -> None:
        t = time.time()
        phase = {wave: np.arange(round(BLOCK_S * rate)) / rate for wave, rate in WAVE_RATE_HZ.items()}
        while not self.stop.wait(max(0.0, t + BLOCK_S - time.time())):
            for inbox in self.inboxes:
                blocks = [
                    WaveBlock(wave, t, rate, np.sin(2 * np.pi * (t + phase[wave])).astype(np.float32), time.time())
                    for wave, rate in WAVE_RATE_HZ.items()
                ]
                inbox.put(blocks)
            t += BLOCK_S


def thread_cpu_s() -> dict[str, float]:
    """CPU seconds so far of this process's threads, summed by what they do (their name's first word: "simulated"
    monitors, "serial-link"s, the "session-writer", "MainThread" (the GUI), ...), from /proc (Linux)."""
    names = {t.native_id: t.name.split()[0] for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    by_role: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        role = names.get(int(task.name), "other (Qt, Python)")
        by_role[role] = by_role.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return by_role


def run_view(app: QApplication, seconds: float) -> tuple[float, list[float], dict[str, float]]:
    """The GUI thread for `seconds`, one pass per frame: CPU % of one core (whole process), each pass's ms, and
    the CPU % by thread role."""
    frames = []
    roles0 = thread_cpu_s()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    next_frame = wall0
    while time.perf_counter() - wall0 < seconds:
        start = time.perf_counter()
        app.processEvents()
        frames.append((time.perf_counter() - start) * 1000)
        next_frame += UI_RATE_MS / 1000
        time.sleep(max(0.0, next_frame - time.perf_counter()))
    wall = time.perf_counter() - wall0
    cpu = (time.process_time() - cpu0) / wall * 100
    roles = {role: (t - roles0.get(role, 0.0)) / wall * 100 for role, t in thread_cpu_s().items()}
    return cpu, frames, roles


def measure(chairs: int, seconds: float, waves: str) -> dict[str, tuple[float, list[float]]]:
    """`waves`: "none", "pty" (the simulator's own) or "inject"."""
    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="ism-waves-"))
    os.environ["INFUSION_MONITOR_KEY_FILE"] = str(tmp / "desk.key")  # the benchmark's own desk key
    if waves != "pty":  # the DRI driver asks for no waves: the simulator sends none (as before issue 22)
        entry = protocols._PROTOCOLS["datex-s5"]
        protocols._PROTOCOLS["datex-s5"] = replace(entry, driver=lambda: DatexS5Driver(waves=False))
    writer = SessionWriter(tmp / "station.sqlite3")
    writer.start()
    station = Station(demo_chairs(chairs, speed=1.0), writer)
    desk = desk_for(writer.db_path, "KM")
    windows = [open_chair_window(chair, desk) for chair in station.chairs]
    window = StationWindow(windows, [c.config for c in station.chairs])
    window.show()
    window.setWindowState(Qt.WindowState.WindowNoState)  # the desk's 1920x1080, not the offscreen screen's
    window.resize(1920, 1080)
    feeder = Feeder(windows) if waves == "inject" else None
    if feeder is not None:
        feeder.start()
    run_view(app, 3.0)  # the links connect, the first records and waves arrive
    results = {"overview": run_view(app, seconds)}
    window.open_chair(0)
    run_view(app, 1.0)
    results["workspace"] = run_view(app, seconds)
    got = {w: w in windows[0].workspace.live.waves for w in Wave}
    if feeder is not None:
        feeder.stop.set()
        feeder.join()
    station.stop()
    writer.close()
    window.close()
    print(f"  ({waves}: waves live at chair 1: {', '.join(str(w) for w, ok in got.items() if ok) or 'none'})")
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chairs", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--source", choices=("pty", "inject"), default="pty")
    parser.add_argument("--one", choices=("none", "pty", "inject"), help=argparse.SUPPRESS)  # a run in its process
    args = parser.parse_args()
    if args.one:
        app = QApplication.instance() or QApplication([])
        app.gc_on_gui_thread = collect_on_gui_thread()  # as the program: garbage collected on the GUI thread only
        install(app)
        print(json.dumps(measure(args.chairs, args.seconds, args.one)))
        return 0
    print(f"live waves, {args.chairs} chairs, {args.seconds:g} s per view, offscreen, 1920x1080, one process each:")
    runs = {}
    for waves in ("none", args.source):  # each in its own process: its CPU time is the station's alone
        cmd = [sys.executable, __file__, "--chairs", str(args.chairs), "--seconds", str(args.seconds), "--one", waves]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()
        print(out[0])
        runs[waves] = json.loads(out[-1])
    for view in ("overview", "workspace"):
        for label, waves in (("without waves", "none"), (f"3 waves ({args.source})", args.source)):
            cpu, frames, roles = runs[waves][view]
            median = statistics.median(frames)
            p99 = float(np.percentile(frames, 99))
            desk = cpu - roles.get("simulated", 0.0)  # what a clinic's desk runs: its monitors are not simulated
            ok = "ok" if cpu <= 25 and median <= 8 else "MISSED"
            split = ", ".join(f"{role} {pct:.1f}" for role, pct in sorted(roles.items(), key=lambda r: -r[1]))
            print(
                f"  {view}, {label}: CPU {cpu:.1f} % of one core (the desk's own, without the simulated monitors: "
                f"{desk:.1f} %), frame median {median:.2f} ms, p99 {p99:.2f} ms (targets 25 %, 8 ms: {ok})\n"
                f"      by thread: {split}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
