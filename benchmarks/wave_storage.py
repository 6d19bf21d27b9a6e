"""Wave storage figures (issue 22 point 5, storage half): MB per chair-hour, memory over a 12 h accelerated session,
and the review's jump to any minute of it with its waves drawn.

Run: .venv/bin/python benchmarks/wave_storage.py [--hours 12] [--jumps 30]
Everything runs on this machine, offscreen, in a temporary database:
1. One chair's ECG (300 Hz), pleth (100 Hz) and capnogram (25 Hz) for --hours, fed to SessionWriter.add_waves as
   the decoder gives them (1 s blocks per wave, values on the DRI unit grid with measurement noise), as fast as the
   writer takes them (accelerated). RSS is read every simulated hour: flat means no growth after the first hour.
2. Storage: the wave_blocks payload and the database file, per chair-hour.
3. Review: a ReviewWindow on that session; --jumps random minutes, each read (app.wave_review) and drawn (the
   window grabbed, which paints it) — median and worst in ms; target <= 200 ms.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from soak import rss_mb  # benchmarks/soak.py: run as a script, this folder is sys.path[0]

from monitor.devices.events import Wave, WaveBlock
from monitor.storage.writer import SessionWriter

T0 = 1_700_000_000.0
RNG = np.random.default_rng(22)


def wave_second(wave: Wave, second: int) -> np.ndarray:
    """One second of a plausible wave with noise, quantised as the monitor sends it (µV, 1/100 %, 0.01 mmHg)."""
    rate = int(wave.nominal_rate_hz)
    t = second + np.arange(rate) / rate
    if wave is Wave.ECG:  # 72/min, QRS spike, T wave, 15 µV noise
        phase = (t * 1.2) % 1.0
        v = 1.1 * np.exp(-(((phase - 0.3) / 0.012) ** 2)) + 0.25 * np.exp(-(((phase - 0.6) / 0.05) ** 2)) - 0.1
        return (np.round(1000 * (v + RNG.normal(0, 0.015, rate))) / 1000).astype(np.float32)
    if wave is Wave.PLETH:
        v = 4 * np.sin(np.pi * 1.2 * t) ** 2 + RNG.normal(0, 0.03, rate)
        return (np.round(100 * v) / 100).astype(np.float32)
    breath = (t / 5.0) % 1.0  # 12/min, plateau at 38 mmHg
    v = np.where(breath < 0.45, 38 * np.minimum(1.0, breath / 0.08), 38 * np.maximum(0.0, 1 - (breath - 0.45) / 0.05))
    return (np.round(100 * (v + RNG.normal(0, 0.1, rate))) / 100).astype(np.float32)


def record_session(db: Path, hours: float) -> tuple[int, list[tuple[int, float]], float]:
    """The session's id, RSS by simulated hour, and the wall seconds it took."""
    memory = [(0, rss_mb())]
    start = time.perf_counter()
    with SessionWriter(db) as writer:
        sid = writer.open_session("bench", "datex-s5", started_at=T0)
        for second in range(int(hours * 3600)):
            t = T0 + second
            writer.add_waves(sid, [WaveBlock(w, t, w.nominal_rate_hz, wave_second(w, second), t + 0.2) for w in Wave])
            if second % 600 == 599:
                writer.flush(60)  # keep the queue from running ahead of the disk: accelerated, not unbounded
            if second % 3600 == 3599:
                memory.append(((second + 1) // 3600, rss_mb()))
                print(f"  hour {memory[-1][0]:2d}: {memory[-1][1]:.0f} MB", flush=True)
        writer.end_session(sid, T0 + hours * 3600)
    return sid, memory, time.perf_counter() - start


def storage_mb(db: Path, hours: float) -> tuple[float, float, float]:
    """(payload MB, file MB, raw float32 MB) per chair-hour."""
    conn = sqlite3.connect(db)
    payload, samples = conn.execute("SELECT sum(length(payload)), sum(n) FROM wave_blocks").fetchone()
    conn.close()
    mb = 1024 * 1024
    return payload / mb / hours, db.stat().st_size / mb / hours, samples * 4 / mb / hours


def jump_and_draw(db: Path, sid: int, hours: float, jumps: int) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from monitor.app.session_record import load_record
    from monitor.ui.review_window import ReviewWindow

    app = QApplication.instance() or QApplication([])
    review = ReviewWindow(load_record(db, sid))
    review.show()
    app.processEvents()
    minutes = random.Random(22).sample(range(int(hours * 60) - 1), jumps)
    times = []
    for minute in minutes:
        start = time.perf_counter()
        review.waves.show_minute(minute)
        review.waves.plots.grab()  # paints the three plots with the new waves
        times.append((time.perf_counter() - start) * 1000)
        app.processEvents()
    review.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=12.0)
    parser.add_argument("--jumps", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ism-waves-"))
    os.environ["INFUSION_MONITOR_KEY_FILE"] = str(tmp / "desk.key")  # the benchmark's own desk key
    db = tmp / "waves.sqlite3"
    print(f"recording {args.hours:g} h of ECG 300 Hz + pleth 100 Hz + CO2 25 Hz (accelerated)", flush=True)
    sid, memory, wall = record_session(db, args.hours)
    payload, file_mb, raw = storage_mb(db, args.hours)
    after_first = memory[-1][1] - memory[1][1] if len(memory) > 1 else float("nan")
    times = jump_and_draw(db, sid, args.hours, args.jumps)
    print(f"recorded in {wall:.0f} s ({args.hours * 3600 / wall:.0f}x real time)")
    print(f"storage per chair-hour: {payload:.2f} MB of wave blocks, {file_mb:.2f} MB of database file "
          f"(float32 would be {raw:.2f} MB)")
    if len(memory) > 1:
        print(f"memory: {memory[0][1]:.0f} MB at start, {memory[1][1]:.0f} MB after hour 1, {memory[-1][1]:.0f} MB "
              f"after hour {memory[-1][0]} ({after_first:+.1f} MB after the first hour)")
    print(f"review jump to a minute of the {args.hours:g} h session and draw its waves: median "
          f"{statistics.median(times):.0f} ms, worst {max(times):.0f} ms over {len(times)} jumps (target <= 200 ms)")


if __name__ == "__main__":
    main()
