"""Soak: a 12-hour session at high speed with the whole GUI offscreen; memory at each simulated hour and the final
frame time. Targets: memory growth <= 50 MB and flat after the first hour.

Run: .venv/bin/python benchmarks/soak.py [--hours 12] [--speed 400]
A simulated DRI monitor (ketamine-hypertension) on a real pty through the link, decoder, writer, alarms and the
full workspace window, with a nurse entry every simulated 15 minutes. RSS is read from /proc/self/status.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication
from qt_quiet import quiet_qt_messages

from monitor.app.chair import Chair, ChairConfig
from monitor.session.entries import EntryKind
from monitor.storage.writer import SessionWriter
from monitor.ui.app import open_chair_window


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=12.0)
    parser.add_argument("--speed", type=float, default=400.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    quiet_qt_messages()
    tmp = Path(tempfile.mkdtemp(prefix="ism-soak-"))
    writer = SessionWriter(tmp / "soak.sqlite3")
    writer.start()
    chair = Chair(ChairConfig("Chair 1", None, scenario="ketamine-hypertension", speed=args.speed), writer)
    window = open_chair_window(chair, "KM")
    window.service.require_screening = False  # the soak is about load, not the workflow
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
            window.service.record(EntryKind.SIDE_EFFECT, {"effect": "dizziness", "severity": "mild"})
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
        window.trends.refresh()
        window.grab()
        frames.append((time.perf_counter() - t0) * 1000)
        app.processEvents()
    chair.stop()
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
