"""Renders the workspace during a simulated infusion to docs/workspace.png (offscreen), for the README.

    .venv/bin/python docs/make_screenshot.py [--minutes 50] [--speed 60]

Everything is real: the simulated monitor on a pty, the link, the database (a temporary one) and the widgets;
the nurse's entries go through the same service the forms use, back-dated along the simulated session.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.writer import SessionWriter
from monitor.ui.facade import SessionFacade
from monitor.ui.main_window import MainWindow

ENTRIES = (  # minutes into the session, kind, payload
    (2, EntryKind.SCORE, {"scale": "pain", "score": 7}),
    (
        3,
        EntryKind.INFUSION,
        {"action": "start", "drug": "Ketamine", "concentration_mg_ml": "10", "weight_kg": "72", "rate_mg_kg_h": "0.5"},
    ),
    (12, EntryKind.SIDE_EFFECT, {"effect": "dizziness", "severity": "mild"}),
    (18, EntryKind.DISSOCIATION, {"level": "mild"}),
    (18, EntryKind.SCORE, {"scale": "rass", "score": 0}),
    (24, EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "moderate", "note": "ondansetron 4 mg iv"}),
    (30, EntryKind.INFUSION, {"action": "rate", "rate_mg_kg_h": "0.8"}),
    (38, EntryKind.SIDE_EFFECT, {"effect": "hallucinations or perceptual change", "severity": "mild"}),
    (42, EntryKind.SCORE, {"scale": "moaas", "score": 4}),
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=50.0, help="simulated session length")
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("workspace.png"))
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="ism-shot-"))
    sim = SimulatedMonitor("datex-s5", load_scenario("ketamine-hypertension"), speed=args.speed, link_dir=tmp)
    port = sim.start()
    clock = SessionClock(sim.device_now, use_device_time=True)
    writer = SessionWriter(tmp / "shot.sqlite3")
    writer.start()
    acq = Acquisition(AcquisitionConfig(port, "datex-s5"), writer, clock=clock.now, timebase=clock.timebase)
    facade = SessionFacade(acq, clock=clock)
    alarms = AlarmService(acq, writer, clock)
    facade.attach_alarms(alarms)
    sid = acq.start()
    service = SessionService(writer, sid, acq.started_at, clock=clock.now, initials="KM")
    facade.attach_service(service)
    alarms.watch_entries(service)
    window = MainWindow(facade, source="simulated monitor (ketamine-hypertension)")
    window.show()
    alarms.start()
    deadline = time.monotonic() + args.minutes * 60 / args.speed
    pending = list(ENTRIES)
    while time.monotonic() < deadline:
        app.processEvents()
        elapsed_min = (clock.now() - acq.started_at) / 60
        while pending and pending[0][0] <= elapsed_min:
            minute, kind, payload = pending.pop(0)
            service.record(kind, payload, t=acq.started_at + minute * 60).result(5)
        time.sleep(0.02)
    window.trends.refresh()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    window.grab().save(str(args.out))
    print(f"wrote {args.out}")
    alarms.stop()
    acq.stop()
    writer.close()
    sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
