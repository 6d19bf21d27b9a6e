"""Poisoned-value drill (issue 14, point 1): bad numbers from a monitor never stop the recording.

Run: .venv/bin/python benchmarks/poison.py [--rows 100000] [--seed 1]   (about 20 s)

1. Decoders: 10,000 Masimo lines and 10,000 DRI frames, one in ten carrying a number that cannot be a reading
   (nan, ±inf, 1e999, out of range; huge and negative int16 on DRI). Counts the bad values that became samples
   (must be 0) and those refused as invalid values.
2. Writer: `--rows` samples with one poisoned row in every 10,000 (alternately NaN and a row the database refuses,
   a session that does not exist), a nurse entry after every 1,000 samples. Counts rows committed, quarantined
   and entries committed, and the commit time against the same batch without poison.
3. The issue's reproduction: a fake oximeter on a real pty sends 40 lines, every fifth `SPO2=nan%`; counts the
   SpO2 values recorded and whether the writer stayed healthy (before the fix: 12 values, then "not writable").
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices import datex_s5 as dri
from monitor.devices import masimo_ascii
from monitor.devices.events import Sample
from monitor.devices.link import LinkState
from monitor.params import value_problem
from monitor.storage.db import connect
from monitor.storage.writer import SessionWriter

T0 = 1_700_000_000
MASIMO_POISON = ("nan", "inf", "-inf", "1e999", "150", "-05")
DRI_POISON = (("HR", -5.0), ("HR", 30000.0), ("SPO2", 150.0), ("NIBP_SYS", -20.0), ("ETCO2", 1000.0))


def _bad_samples(events: list) -> int:
    return sum(1 for e in events if isinstance(e, Sample) and value_problem(e.param, e.value) is not None)


def decoders(rng: random.Random, n: int = 10_000) -> None:
    masimo = masimo_ascii.MasimoAsciiDecoder()
    bad_in = bad_out = 0
    started = time.perf_counter()
    for i in range(n):
        line = masimo_ascii.format_line(time=T0 + i, spo2=97, pr=72, pi=2.4, pvi=12)
        if i % 10 == 5:
            line = line.replace(b"SPO2=097", b"SPO2=" + rng.choice(MASIMO_POISON).encode())
            bad_in += 1
        bad_out += _bad_samples(masimo.feed(line, float(T0 + i)))
    took = time.perf_counter() - started
    print(
        f"Masimo: {n} lines, {bad_in} poisoned: {bad_out} bad samples emitted, "
        f"{masimo.stats.invalid_values} invalid values counted, {masimo.stats.bad_frames} bad lines ({took:.2f} s)"
    )
    decoder = dri.DatexS5Decoder()
    bad_in = bad_out = 0
    good = {"HR": 72.0, "SPO2": 97.0, "NIBP_SYS": 120.0, "NIBP_DIA": 80.0, "ETCO2": 38.0, "RR": 14.0}
    started = time.perf_counter()
    for i in range(n):
        values = dict(good)
        if i % 10 == 5:
            param, value = rng.choice(DRI_POISON)
            values[param] = value
            bad_in += 1
        frame = dri.frame(dri.encode_displayed_record(values, time=T0 + i))
        bad_out += _bad_samples(decoder.feed(frame, float(T0 + i)))
    took = time.perf_counter() - started
    print(
        f"DRI: {n} frames, {bad_in} poisoned: {bad_out} bad samples emitted, "
        f"{decoder.stats.invalid_values} invalid values counted, {decoder.stats.bad_frames} bad frames ({took:.2f} s)"
    )


def _write(db: Path, rows: int, poisoned: bool) -> tuple[float, SessionWriter, list[float], int]:
    """(seconds to commit everything, the writer, entry commit latencies, the session id)."""
    writer = SessionWriter(db)
    writer.start()
    sid = writer.open_session("drill", "datex-s5", started_at=T0)
    service = SessionService(writer, sid, T0, clock=lambda: T0 + rows + 10.0, initials="AB")
    latencies: list[float] = []
    started = time.perf_counter()
    for chunk in range(0, rows, 1_000):
        batch = [Sample("HR", 60.0 + i % 40, T0 + i, T0 + i) for i in range(chunk, chunk + 1_000)]
        session = sid
        if poisoned and chunk % 10_000 == 5_000:
            if (chunk // 10_000) % 2:
                session = sid + 99  # the database refuses it (foreign key): found by splitting the batch
            else:
                batch[500] = Sample("HR", math.nan, T0, T0)
        writer.add_samples(sid, batch[:500])
        writer.add_samples(session, batch[500:501])
        writer.add_samples(sid, batch[501:])
        asked = time.perf_counter()
        service.record(EntryKind.NOTE, {"note": f"check {chunk}"}).result(30)
        latencies.append(time.perf_counter() - asked)
    ok = writer.flush(30)
    took = time.perf_counter() - started
    if not ok:
        print("  the writer did not commit everything", file=sys.stderr)
    return took, writer, latencies, sid


def writer(rows: int, folder: Path) -> None:
    clean, w, _lat, _sid = _write(folder / "clean.sqlite3", rows, poisoned=False)
    w.close()
    took, w, latencies, sid = _write(folder / "poisoned.sqlite3", rows, poisoned=True)
    conn = connect(w.db_path)
    try:
        samples = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
        quarantined = conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        entries = conn.execute("SELECT count(*) FROM entries WHERE session_id = ?", (sid,)).fetchone()[0]
    finally:
        conn.close()
    healthy = w.healthy
    w.close()
    print(
        f"Writer: {rows:,} samples, {rows // 10_000} poisoned: {samples:,} committed, {quarantined} quarantined, "
        f"healthy {healthy}; {entries}/{len(latencies)} entries committed, entry latency median "
        f"{statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
        f"{took:.2f} s vs {clean:.2f} s without poison"
    )


def oximeter(folder: Path, lines: int = 40) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    link = folder / "oximeter"
    os.symlink(os.ttyname(slave), link)
    w = SessionWriter(folder / "oximeter.sqlite3")
    w.start()
    acq = Acquisition(AcquisitionConfig(str(link), "masimo-ascii"), w)
    opened = threading.Event()
    acq.add_link_listener(lambda e: opened.set() if e.state is LinkState.CONNECTING else None)
    acq.start()
    try:
        opened.wait(10)
        sent_good = 0
        for i in range(lines):
            line = masimo_ascii.format_line(time=T0 + i, spo2=95, pr=70, pi=2.0, pvi=10)
            if i % 5 == 3:
                line = line.replace(b"SPO2=095", b"SPO2=nan")
            else:
                sent_good += 1
            os.write(master, line)
            time.sleep(0.01)
        deadline = time.monotonic() + 10
        while acq.stats.frames_ok < lines and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        acq.stop()
    flushed = w.flush(10)
    conn = connect(w.db_path)
    try:
        spo2 = conn.execute("SELECT count(*) FROM samples WHERE param = 'SPO2'").fetchone()[0]
    finally:
        conn.close()
    healthy = w.healthy
    w.close()
    os.close(master)
    os.close(slave)
    print(
        f"Oximeter on a pty: {lines} lines, {lines - sent_good} with SPO2=nan%: {spo2}/{sent_good} good SpO2 values "
        f"recorded, {acq.stats.invalid_values} invalid values, writer healthy {healthy and flushed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    decoders(rng)
    with tempfile.TemporaryDirectory(prefix="poison-drill-") as tmp:
        writer(args.rows, Path(tmp))
        oximeter(Path(tmp))


if __name__ == "__main__":
    main()
