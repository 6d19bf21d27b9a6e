"""A chair wires its alarms into discharge (issue 13 point 3): on a real simulated monitor (pty), a high-priority
clinical alarm of that chair -- here the sedation alarm a deep MOAA/S raises -- refuses discharge by name, and
still does once acknowledged."""

from __future__ import annotations

from pathlib import Path

from monitor.app.chair import Chair, ChairConfig
from monitor.clinical.entries import EntryKind
from monitor.storage.writer import SessionWriter

CHECKLIST = {"escort_present": True, "no_driving_advised": True, "instructions_given": True}


def test_a_chairs_high_priority_alarm_refuses_discharge_acknowledged_or_not(tmp_path: Path) -> None:
    with SessionWriter(tmp_path / "monitor.sqlite3") as writer:
        chair = Chair(ChairConfig("Chair 1", None, scenario="stable"), writer)
        try:
            service = chair.start(initials="AB", require_screening=False, require_patient=False)
            assert not any("high-priority" in r for r in service.discharge_refusals(CHECKLIST))
            service.record(EntryKind.SCORE, {"scale": "moaas", "score": 1}).result(5)
            refusals = service.discharge_refusals(CHECKLIST)
            assert any(r.startswith("high-priority alarm: MOAA/S") for r in refusals), refusals
            chair.alarms.acknowledge("AB")
            assert any(r.startswith("high-priority alarm: MOAA/S") for r in service.discharge_refusals(CHECKLIST))
        finally:
            chair.stop()
