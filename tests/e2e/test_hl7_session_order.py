"""End to end (issue 20 point 5): a session's messages all arrive in order.

A simulated monitor on a real pty (sped up, with its SpO2 probe coming off), recorded by a station chair through the
real pipeline (link, decoder, writer, SQLite); the nurse records scores, a side effect and corrections; the patient is
assigned while it runs. The HL7 sender with the composer delivers to the test's MLLP peer over a real socket on
127.0.0.1. What arrives is exactly what the outbox holds, in its order, once each; every message validates against
the HL7 v2.6 structures; slots and readings come in the record's time order, a correction after its original, and no
SpO2 value from while the probe was off.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hl7_obx import Outboxed, outbox
from hl7_peer import Hl7Peer
from waiting import eventually

from monitor.app.chair import Chair, ChairConfig
from monitor.app.hl7.composer import Composer
from monitor.app.hl7.oru import validate
from monitor.app.hl7.sender import Hl7Sender
from monitor.app.hl7.settings import Hl7Settings, Hl7Target
from monitor.clinical.entries import EntryKind
from monitor.clinical.nibp import NIBP_PARAMS, NibpReadingDetector
from monitor.storage.db import connect, read_device_status, read_sample_events
from monitor.storage.writer import SessionWriter

SPEED = 120.0  # a 5-minute slot every 2.5 s, a cuff reading (every 180 s simulated) every 1.5 s
SLOTS = 3


def kinds(sent: list[Outboxed], kind: str) -> list[Outboxed]:
    return [m for m in sent if m.key.split(":")[1] == kind]


def test_a_sessions_messages_all_arrive_in_order(tmp_path: Path) -> None:
    db = tmp_path / "monitor.sqlite3"
    peer = Hl7Peer().start()
    writer = SessionWriter(db)
    writer.start()
    chair = Chair(ChairConfig("Chair 3", None, scenario="sensor-off", speed=SPEED, seed=3), writer, tmp_path)
    service = chair.start(initials="KM", require_screening=False, require_patient=False)
    session = chair.acquisition.session_id
    sender = Hl7Sender(
        db, Hl7Target("127.0.0.1", peer.port), composer=Composer(Hl7Settings(interval_s=300.0), "Desk 1")
    )
    sender.start()
    conn = connect(db)
    try:
        pain = service.record(EntryKind.SCORE, {"scale": "pain", "score": 4}).result(10)
        # held until the patient is assigned (the clinic default), then sent from the session's start
        patient = chair.courses.add_patient("Jane Roe", "MRN0042", "1980-02-03", "70", "").result(10)
        chair.courses.assign(session, chair.courses.add_course(patient, "Ketamine course").result(10)).result(10)
        service.record(EntryKind.SCORE, {"scale": "rass", "score": 0})
        nausea = service.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"}).result(10)
        service.record(EntryKind.DISSOCIATION, {"level": "mild"})
        service.amend(pain.id, {"scale": "pain", "score": 2}, "typed on the wrong line").result(10)
        service.strike(nausea.id, "recorded for the wrong chair").result(10)
        service.record(EntryKind.SCORE, {"scale": "moaas", "score": 5}).result(10)

        def enough() -> bool:
            sent = outbox(conn)
            return len(kinds(sent, "vitals")) >= SLOTS and len(kinds(sent, "entry")) == 7

        assert eventually(enough, 60), f"only {[m.key for m in outbox(conn)]}"
        chair.stop()
        writer.flush()
        sender.stop(flush_timeout_s=30)  # composes what the record gained last and delivers everything
        sent = outbox(conn)
        received = [r.message for r in peer.received]
    finally:
        chair.stop()
        writer.close()
        conn.close()
        peer.stop()

    # everything the outbox holds arrived, once, in the outbox's order
    assert received == [m.message for m in sent]
    control_ids = [m.message.split("\r")[0].split("|")[9] for m in sent]
    assert len(set(control_ids)) == len(control_ids)
    for message in received:
        validate(message)
    assert all(m.mrn == "MRN0042" and m.chair == "Chair 3" for m in sent)
    # slots and cuff readings in the record's order; every reading of the record once
    slots = [m.covers_t for m in kinds(sent, "vitals")]
    assert slots == sorted(slots) and len(set(slots)) == len(slots)
    nibp = kinds(sent, "nibp")
    read = sqlite3.connect(db)
    try:
        readings = NibpReadingDetector().feed(read_sample_events(read, session, NIBP_PARAMS))
        statuses = read_device_status(read, session)
    finally:
        read.close()
    assert [m.covers_t for m in nibp] == [r.t for r in readings]  # the session's clock: the monitor's, sped up
    assert len(readings) >= 2
    # the nurse's entries in the order recorded; the corrections after their originals, as C and D
    entries = [o for m in kinds(sent, "entry") for o in m.obs]
    assert [(o.param, o.status) for o in entries] == [
        ("pain", "F"),
        ("rass", "F"),
        ("nausea", "F"),
        ("dissociation", "F"),
        ("pain", "C"),
        ("nausea", "D"),
        ("moaas", "F"),
    ]
    assert entries[4].identity == entries[0].identity and entries[5].identity == entries[2].identity
    # no SpO2 from while the probe was off (the monitor reported SpO2 invalid)
    off = [
        (s.t, statuses[i + 1].t if i + 1 < len(statuses) else float("inf"))
        for i, s in enumerate(statuses)
        if "SPO2" in s.unavailable
    ]
    assert off, "the scenario's probe came off"
    spo2 = [o.t for m in kinds(sent, "vitals") for o in m.obs if o.param == "SPO2"]
    assert spo2 and not [t for t in spo2 for start, end in off if start <= t < end]
