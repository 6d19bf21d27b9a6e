"""Discharge cannot contradict the monitor (issue 13 point 3), without Qt: discharge is refused while a
high-priority clinical alarm is indicated, naming it; an Aldrete item the monitor can judge may not claim more
than its values allow (SpO2, RR and the apnoea flag, the cuff reading against the pre-infusion level), unless the
clinic allows keeping it with a reason, which goes on the record."""

from __future__ import annotations

from pathlib import Path

import pytest
from forms import CHECKLIST, START, T0, Clock

from monitor.app.session_service import SessionService
from monitor.clinical.clinic_protocol import ProtocolError, parse_protocol
from monitor.clinical.entries import EntryKind
from monitor.clinical.errors import EntryError
from monitor.clinical.recovery import Circulation, MonitorValues, aldrete_contradictions, circulation_points
from monitor.storage.writer import SessionWriter

FULL = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "oxygen": 2}
GOOD = MonitorValues(spo2=97, rr=14, cuff=(125, 78), cuff_at="14:02", baseline=(128, 80))


@pytest.fixture
def recovered(tmp_path: Path):
    """A session whose infusion stopped 65 min ago, with the end pain score: ready but for the monitor."""

    def make(protocol: dict | None = None) -> tuple[SessionService, dict]:
        writer = SessionWriter(tmp_path / "w.sqlite3")
        writer.start()
        writers.append(writer)
        clock = Clock(T0)
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        clinic = parse_protocol(protocol or {}, "test")
        svc = SessionService(writer, sid, T0, clock=clock, initials="AB", protocol=clinic)
        svc.record(EntryKind.INFUSION, START).result(5)
        clock.t = T0 + 3600
        svc.record(EntryKind.INFUSION, {"action": "stop"}).result(5)
        clock.t += 65 * 60
        svc.record(EntryKind.SCORE, {"scale": "pain", "score": 3}).result(5)
        shown = {"alarms": [], "values": GOOD}
        svc.watch_alarms(lambda: shown["alarms"])
        svc.watch_values(lambda: shown["values"])
        return svc, shown

    writers: list[SessionWriter] = []
    yield make
    for writer in writers:
        writer.close()


def test_discharge_is_refused_while_a_high_priority_clinical_alarm_is_indicated_and_says_which(recovered) -> None:
    svc, shown = recovered()
    svc.record(EntryKind.ALDRETE, FULL).result(5)
    assert svc.discharge_refusals(CHECKLIST) == []
    shown["alarms"] = ["SpO₂ low: 87 % — stop the infusion, stimulate, oxygen", "Apnoea (capnograph)"]
    with pytest.raises(EntryError, match="high-priority alarm: SpO₂ low: 87 %") as refused:
        svc.record(EntryKind.DISCHARGE, CHECKLIST)
    assert "high-priority alarm: Apnoea (capnograph)" in str(refused.value)
    assert not svc.discharged()
    shown["alarms"] = []
    svc.record(EntryKind.DISCHARGE, CHECKLIST).result(5)
    assert svc.discharged()


def test_an_aldrete_score_contradicting_the_monitor_is_refused_showing_the_values(recovered) -> None:
    svc, shown = recovered()
    shown["values"] = MonitorValues(spo2=87, rr=5, cuff=(128, 80), cuff_at="14:02", baseline=(128, 80))
    with pytest.raises(EntryError) as refused:
        svc.record(EntryKind.ALDRETE, FULL)
    text = str(refused.value)
    assert "oxygen 2 needs SpO₂ > 92 %, the monitor shows 87 %" in text
    assert "respiration 2 (breathes deeply), but RR is 5 /min" in text
    assert "now: SpO₂ 87 %, RR 5 /min, cuff 128/80 at 14:02" in text
    assert svc.views() and all(v.kind is not EntryKind.ALDRETE for v in svc.views()), "nothing recorded"
    # What the monitor shows is accepted: oxygen 0 (SpO2 < 90), respiration 1 (limited breathing)
    svc.record(EntryKind.ALDRETE, FULL | {"oxygen": 0, "respiration": 1}).result(5)


def test_an_spo2_that_is_not_current_cannot_confirm_the_oxygen_item(recovered) -> None:
    svc, shown = recovered()
    shown["values"] = MonitorValues(spo2=None, spo2_not_current="invalid: sensor off", rr=14)
    with pytest.raises(EntryError, match=r"oxygen 2 needs SpO₂ > 92 %, but SpO₂ is not current \(invalid: sensor off"):
        svc.record(EntryKind.ALDRETE, FULL)


def test_each_item_the_monitor_can_judge() -> None:
    assert aldrete_contradictions(FULL, GOOD) == []
    apnoea = aldrete_contradictions(FULL | {"respiration": 1}, MonitorValues(spo2=97, apnoea=True))
    assert apnoea == ["respiration 1, but the capnograph reports apnoea"]
    assert aldrete_contradictions(FULL | {"respiration": 0}, MonitorValues(spo2=97, apnoea=True)) == []
    assert aldrete_contradictions(FULL | {"oxygen": 1}, MonitorValues(spo2=91)) == [], "on oxygen, > 90 %"
    assert aldrete_contradictions(FULL | {"oxygen": 1}, MonitorValues(spo2=90)) != []
    # clinical.md [ALDRETE] circulation: the % variant by default, the mmHg one where the clinic chooses it
    assert circulation_points((150, 80), (128, 80)) == 2  # +17 %
    assert circulation_points((160, 80), (128, 80)) == 1  # +25 %
    assert circulation_points((160, 80), (128, 80), Circulation.MMHG) == 1  # +32 mmHg
    assert circulation_points((150, 80), (128, 80), Circulation.MMHG) == 1  # +22 mmHg
    assert circulation_points((200, 80), (128, 80)) == 0  # +56 %
    high_bp = MonitorValues(spo2=97, rr=14, cuff=(200, 110), cuff_at="14:02", baseline=(128, 80))
    (circulation,) = aldrete_contradictions(FULL, high_bp)
    assert circulation == "circulation 2, but the cuff reading 200/110 against the pre-infusion 128/80 gives 0"
    assert aldrete_contradictions(FULL | {"circulation": 0}, high_bp) == []
    lower = aldrete_contradictions({"oxygen": 0, "respiration": 0, "circulation": 0}, GOOD)
    assert lower == [], "scoring below the monitor is the nurse's judgement (oxygen given, shallow breaths)"


def test_a_clinic_that_allows_it_keeps_a_contradicting_score_with_a_required_reason_on_the_record(recovered) -> None:
    svc, shown = recovered({"aldrete_override": True})
    shown["values"] = MonitorValues(spo2=91, rr=14)
    with pytest.raises(EntryError, match="To keep this score, give the reason"):
        svc.record(EntryKind.ALDRETE, FULL)
    kept = svc.record(EntryKind.ALDRETE, FULL | {"override_reason": "probe on a cold finger; 96 % on the ear"})
    payload = kept.result(5).payload
    assert payload["override_reason"] == "probe on a cold finger; 96 % on the ear"
    assert payload["contradicts"] == [
        "oxygen 2 needs SpO₂ > 92 %, the monitor shows 91 %",
        "monitor: SpO₂ 91 %, RR 14 /min",
    ]


def test_the_clinic_switches_are_checked_and_default_to_refusing() -> None:
    default = parse_protocol({}, "test")
    assert default.aldrete_override is False and default.aldrete_circulation is Circulation.PERCENT
    assert "a score contradicting the monitor is refused" in default.describe()
    chosen = parse_protocol({"aldrete_override": True, "aldrete_circulation": "mmHg"}, "test")
    assert chosen.aldrete_override and chosen.aldrete_circulation is Circulation.MMHG
    with pytest.raises(ProtocolError, match="aldrete_override must be true or false"):
        parse_protocol({"aldrete_override": "yes"}, "test")
    with pytest.raises(ProtocolError, match="aldrete_circulation must be one of"):
        parse_protocol({"aldrete_circulation": "kPa"}, "test")
