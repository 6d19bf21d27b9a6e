"""A recorded session for the monitoring summary's tests (issue 19 point 6): vital signs with a cuff reading every
5 min, a screening with a pre-dose MOAA/S and medications, an infusion, MOAA/S falls, dissociation, respiratory
alarms, Aldrete scores and the discharge; written through the real writer into a real database."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from monitor.app.session_record import SessionRecord
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ProtocolKind
from monitor.devices.events import Sample
from monitor.storage.db import EntryRow, LinkEventRow
from monitor.storage.writer import SessionWriter
from tests.forms import CHECKLIST, START, screening

T0 = datetime(2024, 3, 12, 9, 0).timestamp()  # local 09:00: the texts show clock times of one day
MIN = 60.0
END = 150 * MIN
ALDRETE_9 = {"activity": 2, "respiration": 2, "circulation": 1, "consciousness": 2, "oxygen": 2}


def samples_at(t: float) -> list[Sample]:
    cycle = int(t // 300)  # a new cuff reading every 5 min, each one different from the last
    values = {
        "HR": 75.0,
        "SPO2": 89.0 if 52 * MIN <= t < 55 * MIN else 97.0,
        "RR": 14.0,
        "NIBP_SYS": 110.0 + cycle,
        "NIBP_DIA": 70.0 + cycle % 5,
        "NIBP_MEAN": 85.0 + cycle % 3,
    }
    return [Sample(name, value, T0 + t, T0 + t) for name, value in values.items()]


def record_session(db: Path, entries: list[tuple[float, str, dict]], alarms: list[tuple[float, str, str]]) -> int:
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=T0)
        if entries:  # a session with its entries also has its vital signs
            for t in range(0, int(END), 5):
                writer.add_samples(sid, samples_at(float(t)))
        for minutes, kind, payload in entries:
            at = T0 + minutes * MIN
            writer.add_entry(EntryRow(sid, kind, at, at, "AB", payload)).result(5)
        for minutes, action, key in alarms:
            writer.add_alarm_event(sid, T0 + minutes * MIN, action, key, f"{key} alarm", "high", "clinical")
        writer.end_session(sid, T0 + END)
    return sid


FULL = [
    (2, "screening", screening(pre_dose_moaas=5, medications="sertraline 100 mg daily")),
    (11, "infusion", START),
    (20, "score", {"scale": "moaas", "score": 5}),
    (25, "dissociation", {"level": "mild"}),
    (28, "side_effect", {"effect": "dissociation", "severity": "moderate"}),
    (30, "score", {"scale": "moaas", "score": 3}),
    (35, "score", {"scale": "moaas", "score": 0}),
    (40, "infusion", {"action": "rate", "rate_mg_kg_h": 0.8}),
    (45, "score", {"scale": "moaas", "score": 4}),
    (50, "score", {"scale": "moaas", "score": 5}),
    (60, "dissociation", {"level": "none"}),
    (71, "infusion", {"action": "stop"}),
    (130, "aldrete", ALDRETE_9 | {"circulation": 0}),  # 8: not yet
    (135, "aldrete", ALDRETE_9),
    (140, "discharge", CHECKLIST),
]
ALARMS = [
    (52, "onset", "SPO2 low"),
    (55, "clear", "SPO2 low"),
    (60, "onset", "HR high"),  # not respiratory
    (100, "onset", "RR low"),  # never cleared
]




def as_rems(record: SessionRecord) -> SessionRecord:
    """The record as an esketamine-rems clinic's: the clinic line the chair writes when a session opens, naming it."""
    rems = dataclasses.replace(DEFAULT_PROTOCOL, kind=ProtocolKind.ESKETAMINE_REMS)
    line = LinkEventRow(record.session.started_at, "clinic", rems.describe())
    return dataclasses.replace(record, link_events=[line, *record.link_events])
