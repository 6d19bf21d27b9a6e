"""EHR interface figures (issue 20 point 6): how fast the HL7 outbox delivers, and how late results reach the EHR
while a live station records.

Run: .venv/bin/python benchmarks/hl7_outbox.py [--messages 2000] [--chairs 8] [--seconds 120] [--speed 10]

1. Throughput: --messages ORU^R01 messages (one 5-minute vital-signs slot each, as the composer makes them) waiting
   in a fresh desk's outbox; the sender (app.hl7.sender) delivers them over MLLP to a local listener on 127.0.0.1
   (tests/hl7_peer.py, answering AA), each sent only after the previous one's ACK, each "sent" and "accepted"
   committed to the outbox. Prints messages per second.
2. Live station: --chairs simulated monitors (the demo station's scenarios, --speed times faster: a 5-minute slot
   every 300/speed s, a cuff reading every 180/speed s) recorded by the program's chairs, writer and alarms; every
   chair's session assigned to a patient; a nurse score on each chair every few seconds; the sender with the
   composer (clinic default interval, 5 min) delivering to the local listener. For --seconds, then each message's
   delivery latency: composed (queued_at: the start of the sender's pass that built it; building and validating the
   pass's messages, ~50 ms each, is included) -> accepted (AA) by the listener, and for the cuff readings the whole
   way, received from the monitor -> accepted. Prints median and p99.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hl7_obx import wait_until
from hl7_peer import Hl7Peer  # the tests' MLLP listener (tests/hl7_peer.py)

from monitor.app.hl7.ack import new_control_id
from monitor.app.hl7.composer import Composer
from monitor.app.hl7.oru import Hl7Patient, Obs, ObsKind, build_oru
from monitor.app.hl7.sender import Hl7Sender
from monitor.app.hl7.settings import Hl7Settings, Hl7Target
from monitor.app.station import Station, demo_chairs
from monitor.clinical.entries import EntryKind
from monitor.storage import hl7_outbox
from monitor.storage.db import connect
from monitor.storage.writer import SessionWriter

T0 = 1_764_400_800.0


def throughput(tmp: Path, count: int) -> float:
    db = tmp / "throughput.sqlite3"
    conn = connect(db)
    obs = [Obs(ObsKind.VITAL, p, v, T0 + 290) for p, v in (("HR", 72), ("SPO2", 97), ("RR", 14), ("ETCO2", 37))]
    patient = Hl7Patient("MRN0042", "Jane Roe", "1980-02-03")
    template_id = new_control_id()
    template = build_oru(
        control_id=template_id,
        sent_at=T0 + 300,
        sending_facility="CLINIC",
        desk="Desk 1",
        chair="Chair 1",
        session_id=1,
        patient=patient,
        obs=obs,
    )
    conn.execute("BEGIN IMMEDIATE")
    for i in range(count):
        control_id = new_control_id()
        message = template.replace(f"|{template_id}|", f"|{control_id}|", 1)
        hl7_outbox.enqueue(
            conn, key=f"bench:{i}", session_id=None, control_id=control_id, message=message, covers_t=T0 + 300 * i
        )
    conn.commit()
    with Hl7Peer() as peer:
        sender = Hl7Sender(db, Hl7Target("127.0.0.1", peer.port))
        start = time.perf_counter()
        sender.start()
        done = wait_until(lambda: len(peer.received) >= count and hl7_outbox.waiting(conn)[0] == 0, 600)
        elapsed = time.perf_counter() - start
        sender.stop(flush_timeout_s=1)
    conn.close()
    if not done:
        raise SystemExit(f"throughput: only {len(peer.received)} of {count} messages delivered in 600 s")
    return count / elapsed


def live_station(tmp: Path, chairs: int, seconds: float, speed: float) -> tuple[list[float], list[float], int]:
    """(queued -> accepted latencies, cuff reading received -> accepted latencies, messages), in seconds."""
    db = tmp / "station.sqlite3"
    writer = SessionWriter(db)
    writer.start()
    station = Station(demo_chairs(chairs, speed=speed), writer)
    services = [c.start(initials="KM", require_screening=False, require_patient=False) for c in station.chairs]
    for i, chair in enumerate(station.chairs):
        patient = chair.courses.add_patient(f"Bench Patient {i + 1}", f"BENCH{i + 1:03d}", "1980-02-03", "70", "")
        course = chair.courses.add_course(patient.result(10), "Ketamine course").result(10)
        chair.courses.assign(chair.acquisition.session_id, course).result(10)
    with Hl7Peer() as peer:
        sender = Hl7Sender(
            db, Hl7Target("127.0.0.1", peer.port), composer=Composer(Hl7Settings(), "Desk 1")
        )  # clinic default: every 5 min
        sender.start()
        end = time.monotonic() + seconds
        pause = threading.Event()
        n = 0
        while time.monotonic() < end:  # a nurse's score on one chair or another every 2 s
            services[n % len(services)].record(EntryKind.SCORE, {"scale": "pain", "score": n % 11})
            n += 1
            pause.wait(2.0)
        station.stop()
        writer.close()
        left = sender.stop(flush_timeout_s=30)
    if left:
        print(f"  ({left} messages left unsent at the end)")
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT o.key, o.session_id, o.covers_t, o.queued_at,"
            " (SELECT min(d.at) FROM hl7_deliveries d WHERE d.outbox_id = o.id AND d.event = 'accepted')"
            " FROM hl7_outbox o ORDER BY o.id"
        ).fetchall()
        queued = [accepted - queued_at for _, _, _, queued_at, accepted in rows if accepted is not None]
        readings = []
        for key, session_id, covers_t, _, accepted in rows:
            if ":nibp:" not in key or accepted is None:
                continue
            received = conn.execute(
                "SELECT min(host_t) FROM samples WHERE session_id = ? AND param = 'NIBP_SYS' AND t = ?",
                (session_id, covers_t),
            ).fetchone()[0]
            readings.append(accepted - received)
    finally:
        conn.close()
    return queued, readings, len(rows)


def _report(what: str, values: list[float]) -> None:
    if not values:
        print(f"  {what}: none")
        return
    p99 = float(np.percentile(values, 99))
    print(f"  {what}: median {statistics.median(values) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (n={len(values)})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--chairs", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ism-hl7-"))
    os.environ["INFUSION_MONITOR_KEY_FILE"] = str(tmp / "desk.key")  # the benchmark's own desk key, not the user's
    os.environ["INFUSION_MONITOR_DATA_DIR"] = str(tmp / "data")
    rate = throughput(tmp, args.messages)
    print(f"HL7 outbox -> local MLLP listener, {args.messages} messages waiting: {rate:.0f} messages/s")
    queued, readings, count = live_station(tmp, args.chairs, args.seconds, args.speed)
    print(
        f"live station, {args.chairs} chairs at {args.speed:g}x for {args.seconds:g} s, "
        f"{count} messages (vital signs every 5 min, each cuff reading, nurse scores):"
    )
    _report("delivery latency, composed (the pass that made it) -> accepted", queued)
    _report("cuff reading received from the monitor -> accepted by the EHR", readings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
