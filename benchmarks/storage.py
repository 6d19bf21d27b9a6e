"""Storage figures: sample ingest rate, opening a finished 12-hour session for review, PDF export of it.

Run: .venv/bin/python benchmarks/storage.py [--hours 12]
Everything runs on this machine, offscreen, in a temporary database:
1. Ingest: DRI-like batches (10 parameters per record) through SessionWriter, committed to disk; samples/s.
2. A finished session of --hours at 1 Hz for HR, PR, SpO2, RR, EtCO2, Temp, NIBP resent every 5 s with a new
   reading every 5 min, and 60 nurse entries. Review open = load_record (SQLite read) + ReviewWindow built and
   painted once; target <= 1 s.
3. PDF export of that session (monitor.ui.report_pdf), pages and seconds.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from monitor.app.session_record import load_record
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Sample
from monitor.storage.writer import SessionWriter

PARAMS_1HZ = {"HR": 72.0, "PR": 71.0, "SPO2": 97.0, "RR": 14.0, "ETCO2": 37.0, "TEMP1": 36.6}


def ingest(db: Path, seconds: float = 3.0) -> float:
    """Samples per second the writer takes and commits."""
    with SessionWriter(db) as writer:
        sid = writer.open_session("bench", "datex-s5")
        names = [*PARAMS_1HZ, "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN", "FICO2"]
        n, t, start = 0, 1.0e9, time.perf_counter()
        while time.perf_counter() - start < seconds:
            batch = [Sample(name, 1.0, t, t) for name in names]
            writer.add_samples(sid, batch)
            n += len(batch)
            t += 1.0
        writer.flush(timeout=60)
        return n / (time.perf_counter() - start)


def build_session(db: Path, hours: float) -> int:
    rng = np.random.default_rng(0)
    t0 = 1.767e9
    n = int(hours * 3600)
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=t0)
        for start in range(0, n, 3600):
            batch = []
            for i in range(start, min(n, start + 3600)):
                t = t0 + i
                batch += [Sample(p, v + rng.normal(0, 1), t, t) for p, v in PARAMS_1HZ.items()]
                if i % 5 == 0:
                    cycle = i // 300
                    batch += [
                        Sample("NIBP_SYS", 120.0 + cycle % 30, t, t),
                        Sample("NIBP_DIA", 80.0, t, t),
                        Sample("NIBP_MEAN", 93.0, t, t),
                    ]
            writer.add_samples(sid, batch)
            writer.flush(timeout=60)
        service = SessionService(writer, sid, t0, clock=lambda: t0 + n, initials="KM")
        start_payload = {
            "action": "start",
            "drug": "Ketamine",
            "concentration_mg_ml": 10,
            "weight_kg": 75,
            "rate_mg_kg_h": 0.5,
        }
        service.record(EntryKind.INFUSION, start_payload, t=t0 + 60).result(10)
        for k in range(59):
            effect = ("nausea", "dizziness", "dissociation")[k % 3]
            service.record(
                EntryKind.SIDE_EFFECT, {"effect": effect, "severity": "mild"}, t=t0 + 120 + k * (n - 200) / 59
            ).result(10)
        writer.end_session(sid, t0 + n)
    return sid


def open_for_review(db: Path, sid: int) -> tuple[float, float]:
    from PySide6.QtWidgets import QApplication

    from monitor.ui.review_window import ReviewWindow

    app = QApplication.instance() or QApplication([])
    start = time.perf_counter()
    record = load_record(db, sid)
    loaded = time.perf_counter() - start
    window = ReviewWindow(record)
    window.show()
    window.grab()  # one full paint
    total = time.perf_counter() - start
    window.close()
    app.processEvents()
    return loaded, total


def pdf_export(db: Path, sid: int, out: Path) -> tuple[int, float] | None:
    try:
        from monitor.ui.report_pdf import write_session_pdf
    except ImportError:
        return None
    record = load_record(db, sid)
    start = time.perf_counter()
    pages = write_session_pdf(record, out)
    return pages, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=12.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ism-bench-"))
    rate = ingest(tmp / "ingest.sqlite3")
    print(f"ingest: {rate:,.0f} samples/s committed")
    start = time.perf_counter()
    sid = build_session(tmp / "long.sqlite3", args.hours)
    size = (tmp / "long.sqlite3").stat().st_size / 1e6
    print(f"built a {args.hours:g} h session in {time.perf_counter() - start:.1f} s ({size:.0f} MB)")
    loaded, total = open_for_review(tmp / "long.sqlite3", sid)
    print(f"open for review: {total:.2f} s (read {loaded:.2f} s) — target <= 1 s: {'ok' if total <= 1 else 'MISSED'}")
    pdf = pdf_export(tmp / "long.sqlite3", sid, tmp / "long.pdf")
    if pdf is None:
        print("pdf export: monitor.ui.report_pdf not available")
    else:
        print(f"pdf export: {pdf[0]} pages in {pdf[1]:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
