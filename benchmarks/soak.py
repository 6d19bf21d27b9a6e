"""Soak: a 12-hour session at high speed with the whole GUI offscreen; memory at each simulated hour and the final
frame time. Targets: memory growth <= 50 MB and flat after the first hour. Then a stretch at 1x (real time): at
400x the wall-clock work -- the 1 s ticks of the alarm engine and the window, the repaints -- runs 400 times less
per simulated hour than at a desk, so the fast part alone does not exercise it.

Run: .venv/bin/python benchmarks/soak.py [--hours 12] [--speed 400] [--realtime-minutes 10]
A simulated DRI monitor (ketamine-hypertension) on a real pty through the link, decoder, writer, alarms and the
full workspace window, with a nurse entry every simulated 15 minutes. RSS is read from /proc/self/status. The 1x
stretch is a second chair and window on a fresh session; it reports memory, paints per second, and the event
loop's worst stall (how late a 1 s timer fired).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from accounts import desk_for  # the signed-in desk every window has (tests/accounts.py)
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from qt_quiet import quiet_qt_messages

from monitor.app.chair import Chair, ChairConfig
from monitor.app.desk import Desk
from monitor.clinical.entries import EntryKind
from monitor.storage.writer import SessionWriter
from monitor.ui.app import collect_on_gui_thread, open_chair_window


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class PaintCounter(QObject):
    """Counts paint events in the whole application."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def realtime_stretch(app: QApplication, writer: SessionWriter, minutes: float, desk: Desk) -> None:
    """A session at 1x for `minutes` of wall clock: memory, paints per second, the worst event-loop stall."""
    chair = Chair(ChairConfig("Chair 2", None, scenario="ketamine-hypertension", speed=1.0), writer)
    window = open_chair_window(chair, desk)
    window.workspace.service.require_screening = False
    window.show()
    counter = PaintCounter()
    app.installEventFilter(counter)
    lateness: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def beat() -> None:
        now = clock.elapsed()
        lateness.append(now - last[0] - 1000)
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(beat)
    timer.start(1000)
    before, samples_before = rss_mb(), writer.samples_written
    started = time.monotonic()
    end = started + 60 * minutes
    print(f"1x stretch: {minutes:g} min of wall clock; {before:.0f} MB", flush=True)
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    timer.stop()
    app.removeEventFilter(counter)
    chair.stop()
    window.hide()  # not close(): closing asks the nurse about the open session
    print(
        f"1x stretch: {elapsed / 60:.1f} min, memory {before:.0f} -> {rss_mb():.0f} MB, "
        f"{writer.samples_written - samples_before:,} samples written, {counter.paints / elapsed:.1f} paints/s, "
        f"1 s timer late by at most {max(lateness, default=0):.0f} ms "
        f"(median {statistics.median(lateness or [0]):.0f} ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=12.0)
    parser.add_argument("--speed", type=float, default=400.0)
    parser.add_argument("--realtime-minutes", type=float, default=10.0, help="the stretch at 1x after the fast part")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    app.gc_on_gui_thread = collect_on_gui_thread()  # as the program: garbage collected on the GUI thread only
    quiet_qt_messages()
    tmp = Path(tempfile.mkdtemp(prefix="ism-soak-"))
    os.environ["INFUSION_MONITOR_KEY_FILE"] = str(tmp / "desk.key")  # the benchmark's own desk key, not the user's
    writer = SessionWriter(tmp / "soak.sqlite3")
    writer.start()
    chair = Chair(ChairConfig("Chair 1", None, scenario="ketamine-hypertension", speed=args.speed), writer)
    desk = desk_for(writer.db_path, "KM")
    window = open_chair_window(chair, desk)
    window.workspace.service.require_screening = False  # the soak is about load, not the workflow
    window.show()
    start = chair.clock.now()
    next_hour, next_entry, hour = start + 3600, start + 900, 0
    memory = [(0, rss_mb())]
    print(f"soak: {args.hours:g} h at {args.speed:g}x; hour 0: {memory[0][1]:.0f} MB", flush=True)
    while hour < args.hours:
        app.processEvents()
        time.sleep(0.01)
        now = chair.clock.now()
        if now >= next_entry:
            window.workspace.service.record(EntryKind.SIDE_EFFECT, {"effect": "dizziness", "severity": "mild"})
            next_entry += 900
        if now >= next_hour:
            hour += 1
            next_hour += 3600
            memory.append((hour, rss_mb()))
            samples = writer.samples_written
            print(f"  hour {hour:2d}: {memory[-1][1]:.0f} MB, {samples:,} samples written", flush=True)
    frames = []
    for _ in range(20):
        t0 = time.perf_counter()
        window.workspace.trends.refresh()
        window.grab()
        frames.append((time.perf_counter() - t0) * 1000)
        app.processEvents()
    chair.stop()
    window.hide()  # not close(): closing asks the nurse about the open session
    if args.realtime_minutes > 0:
        realtime_stretch(app, writer, args.realtime_minutes, desk)
    writer.close()
    growth = memory[-1][1] - memory[0][1]
    after_first = memory[-1][1] - memory[1][1] if len(memory) > 1 else 0.0
    print(
        f"memory: {memory[0][1]:.0f} -> {memory[-1][1]:.0f} MB, growth {growth:.0f} MB (target <= 50), "
        f"{after_first:+.0f} MB after the first hour"
    )
    print(f"final frame (chart refresh + full window render): median {statistics.median(frames):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
