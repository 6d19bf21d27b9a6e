"""The monitoring summary of a session (issue 19 point 6): each field present and absent, with its times, from a
real recorded session (writer, database, load_record); and the FHIR bundle carrying it and SpO2's two codings
(point 8)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from monitor.app.export.csv import iso
from monitor.app.export.fhir import session_bundle
from monitor.app.export.monitoring_summary import (
    DISSOCIATION,
    RESPIRATORY_DEPRESSION,
    MonitoringSummary,
    monitoring_summary,
    summary_rows,
    summary_title,
)
from monitor.app.session_record import SessionRecord, load_record
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ProtocolKind
from monitor.clinical.sedation import LOSS_OF_CONSCIOUSNESS, SEDATION
from monitor.params import PARAMS
from monitor.storage.db import AlarmEventRow
from monitor.storage.writer import SessionWriter
from tests.forms import CHECKLIST, START, screening
from tests.summary_data import ALARMS, FULL, MIN, T0, as_rems, record_session


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> SessionRecord:
    db = tmp_path_factory.mktemp("summary") / "monitor.sqlite3"
    return load_record(db, record_session(db, FULL, ALARMS))


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> SessionRecord:
    db = tmp_path_factory.mktemp("summary-empty") / "monitor.sqlite3"
    return load_record(db, record_session(db, [], []))


def at(minutes: float) -> float:
    return T0 + minutes * MIN


def test_blood_pressure_before_dosing_at_40_min_and_before_the_end_with_when_taken(full: SessionRecord) -> None:
    s = monitoring_summary(full)
    assert s.dosed_at == at(11)
    before, forty, last = s.bp
    assert (before.due, before.taken_at, before.sys, before.dia, before.source) == (at(11), at(10), 112, 72, "NIBP")
    assert forty.due == at(51) and forty.taken_at == at(50) and forty.off_by_s == -MIN  # the nearest reading
    assert (forty.sys, forty.dia) == (120, 70)
    assert last.due == at(140) and last.taken_at == at(140) and last.off_by_s == 0  # discharge: the end
    rows = dict(summary_rows(full, s))
    assert rows["BP before dosing"] == "112/72 mmHg taken 09:10:00; due 09:11:00, 1 min 00 s before it was due"
    assert rows["BP about 40 min after dosing"] == (
        "120/70 mmHg taken 09:50:00; due 09:51:00, 1 min 00 s before it was due"
    )
    assert rows["BP before the end"] == "138/73 mmHg taken 11:20:00; due 11:20:00, at that moment"


def test_blood_pressure_before_dosing_falls_back_to_the_screening_baseline(tmp_path: Path) -> None:
    db = tmp_path / "monitor.sqlite3"
    record = load_record(db, record_session(db, [(1, "screening", screening()), (3, "infusion", START)], []))
    before = monitoring_summary(record).bp[0]
    # The first cuff reading is at 0 min, before dosing: it wins over the typed baseline.
    assert before.source == "NIBP" and before.taken_at == at(0)
    late = dataclasses.replace(record, nibp=[r for r in record.nibp if r.t > at(3)])
    before = monitoring_summary(late).bp[0]
    assert (before.source, before.taken_at, before.sys, before.dia) == ("screening baseline", at(1), 128, 80)


def test_no_dosing_no_blood_pressure_moments(empty: SessionRecord) -> None:
    s = monitoring_summary(empty)
    assert s.dosed_at is None
    assert [(c.due, c.taken_at) for c in s.bp] == [(None, None), (None, None), (at(150), None)]
    rows = dict(summary_rows(empty, s))
    assert rows["BP before dosing"] == "no dosing recorded"
    assert rows["BP before the end"] == "due 11:30:00: no reading"
    assert rows["Dose"] == "no infusion recorded"


def test_sedation_the_pi_way_began_and_resolved(full: SessionRecord) -> None:
    sedation = monitoring_summary(full).sedation
    assert sedation.occurred and not sedation.note
    assert [(e.kind, e.began, e.resolved) for e in sedation.episodes] == [
        (SEDATION, at(30), at(50)),
        (LOSS_OF_CONSCIOUSNESS, at(35), at(45)),
    ]
    assert (sedation.began, sedation.resolved) == (at(30), at(50))
    assert dict(summary_rows(full))["Sedation"].startswith("Yes — sedation: began 09:30:00, resolved 09:50:00")


def test_no_sedation_and_why_it_could_not_be_judged_without_a_pre_dose_score(empty: SessionRecord) -> None:
    sedation = monitoring_summary(empty).sedation
    assert not sedation.occurred and sedation.began is None and sedation.resolved is None
    assert "no pre-dose MOAA/S recorded" in sedation.note
    assert dict(summary_rows(empty))["Sedation"].startswith("No (no pre-dose MOAA/S recorded: only loss")


def test_dissociation_from_the_ratings_and_the_side_effect_entries(full: SessionRecord, empty: SessionRecord) -> None:
    d = monitoring_summary(full).dissociation
    assert [(e.kind, e.began, e.resolved) for e in d.episodes] == [(DISSOCIATION, at(25), at(60))]
    assert d.episodes[0].detail == "mild, moderate (side effect)"
    assert not monitoring_summary(empty).dissociation.occurred
    assert dict(summary_rows(empty))["Dissociation"] == "No"


def test_respiratory_depression_from_the_respiratory_alarms_only(full: SessionRecord, empty: SessionRecord) -> None:
    r = monitoring_summary(full).respiratory_depression
    assert [(e.kind, e.began, e.resolved) for e in r.episodes] == [
        (RESPIRATORY_DEPRESSION, at(52), at(55)),
        (RESPIRATORY_DEPRESSION, at(100), None),  # still alarming at the end: not resolved
    ]
    assert r.began == at(52) and r.resolved is None
    assert "not resolved by the end" in dict(summary_rows(full))["Respiratory depression"]
    assert monitoring_summary(full).lowest_spo2 == 89
    assert not monitoring_summary(empty).respiratory_depression.occurred
    assert dict(summary_rows(empty))["Pulse oximetry"] == "no SpO₂ recorded"


def test_monitoring_time_ready_to_leave_medications_and_dose(full: SessionRecord) -> None:
    s: MonitoringSummary = monitoring_summary(full)
    assert (s.monitored_from, s.monitored_to, s.monitored_s) == (T0, at(140), 140 * MIN)
    assert s.observed_after_dosing_s == 129 * MIN
    assert (s.stable_at, s.discharged_at) == (at(135), at(140))  # the first Aldrete >= 9, not the 8
    assert s.medications == "sertraline 100 mg daily"
    assert s.rates == ((at(11), 0.5), (at(40), 0.8)) and s.boluses == ()
    assert s.total_mg == pytest.approx(full.infusion.total_mg) and s.total_mg > 0
    rows = dict(summary_rows(full, s))
    assert rows["Total monitoring time"] == "2 h 20 min (09:00:00 – 11:20:00); 2 h 09 min after dosing"
    assert rows["Clinically stable, ready to leave"] == (
        "11:15:00 (modified Aldrete ≥ 9, 124 min from the start of dosing); discharged 11:20:00"
    )
    assert rows["Dose"].endswith("0.5 mg/kg/h from 09:11:00; 0.8 mg/kg/h from 09:40:00")


def test_nothing_to_say_is_said(empty: SessionRecord) -> None:
    s = monitoring_summary(empty)
    assert (s.stable_at, s.discharged_at, s.medications, s.total_mg) == (None, None, None, None)
    rows = dict(summary_rows(empty, s))
    assert rows["Clinically stable, ready to leave"].endswith("recorded after the infusion; not discharged")
    assert rows["Concomitant medications"] == "none recorded with the screening"


def test_rems_sessions_say_when_observation_was_shorter_than_2_h_after_dosing(full: SessionRecord, tmp_path) -> None:
    rems = as_rems(full)
    assert "less than the 2 h" not in dict(summary_rows(rems))["Total monitoring time"]  # 2 h 09 min
    short = [(m, k, p) for m, k, p in FULL if m < 100] + [(110, "discharge", CHECKLIST)]
    db = tmp_path / "monitor.sqlite3"
    record = load_record(db, record_session(db, short, []))
    rows = dict(summary_rows(as_rems(record)))
    assert rows["Total monitoring time"].endswith(
        "1 h 39 min after dosing — less than the 2 h after dosing the [PI] asks for"
    )
    assert rows["Protocol"].startswith("esketamine-rems")




# --- FHIR ------------------------------------------------------------------------------------------------------


def test_spo2_is_coded_2708_6_first_then_59408_5(full: SessionRecord) -> None:
    assert (PARAMS["SPO2"].loinc, PARAMS["SPO2"].loinc_also) == ("2708-6", ("59408-5",))
    bundle = session_bundle(full)
    Bundle.model_validate(bundle)
    spo2 = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation" and e["resource"]["code"].get("text") == "SpO₂"
    ]
    assert spo2, "SpO2 observations are exported"
    assert all([c["code"] for c in o["code"]["coding"]] == ["2708-6", "59408-5"] for o in spo2)
    heart = [e["resource"] for e in bundle["entry"] if e["resource"].get("code", {}).get("text") == "Heart rate"]
    assert heart and all(len(o["code"]["coding"]) == 1 for o in heart), "other vitals keep their one code"


def test_the_bundle_carries_the_summary_as_a_composition(full: SessionRecord, empty: SessionRecord) -> None:
    bundle = session_bundle(full)
    Bundle.model_validate(bundle)
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    (composition,) = [r for r in urls.values() if r["resourceType"] == "Composition"]
    assert composition["title"] == "Monitoring summary — handover sheet"
    sections = {s["title"]: s for s in composition["section"]}
    assert list(sections) == [label for label, _ in summary_rows(full)]
    assert "09:50:00" in sections["BP about 40 min after dosing"]["text"]["div"]
    (ref,) = sections["BP about 40 min after dosing"]["entry"]
    panel = urls[ref["reference"]]
    assert panel["code"]["coding"][0]["code"] == "85354-9" and panel["effectiveDateTime"] == iso(at(50))
    assert "Yes — sedation" in sections["Sedation"]["text"]["div"]
    rems = session_bundle(as_rems(full))
    titles = [e["resource"].get("title") for e in rems["entry"]]
    assert "Monitoring summary — REMS patient monitoring form" in titles
    none = session_bundle(empty)
    Bundle.model_validate(none)
    (composition,) = [e["resource"] for e in none["entry"] if e["resource"]["resourceType"] == "Composition"]
    assert "entry" not in next(s for s in composition["section"] if s["title"] == "BP before the end")


def test_the_record_knows_the_protocol_the_session_ran_under(tmp_path: Path) -> None:
    db = tmp_path / "monitor.sqlite3"
    sid = record_session(db, [], [])
    assert load_record(db, sid).protocol_kind is ProtocolKind.IV_KETAMINE  # no clinic line: the default
    rems = dataclasses.replace(DEFAULT_PROTOCOL, kind=ProtocolKind.ESKETAMINE_REMS)
    with SessionWriter(db) as writer:  # what the chair writes when the session opens (Chair.start)
        writer.add_link_event(sid, T0 + 1, "clinic", rems.describe())
    record = load_record(db, sid)
    assert record.protocol_kind is ProtocolKind.ESKETAMINE_REMS
    assert summary_title(record.protocol_kind) == "Monitoring summary — REMS patient monitoring form"


def test_a_flapping_respiratory_alarm_is_summed_up_not_listed(full: SessionRecord) -> None:
    rows = []
    for k in range(6):  # RR hovering at its limit: raised and cleared six times
        rows += [
            AlarmEventRow(at(20 + 2 * k), "onset", "RR low", "RR low: 7 /min", "high", "clinical", 7, 8, ""),
            AlarmEventRow(at(21 + 2 * k), "clear", "RR low", "RR low: cleared", "high", "clinical", 8, 8, ""),
        ]
    flapping = dataclasses.replace(full, alarms=rows)
    assert len(monitoring_summary(flapping).respiratory_depression.episodes) == 6
    assert dict(summary_rows(flapping))["Respiratory depression"] == (
        "Yes — 6 episodes, the first began 09:20:00, resolved 09:31:00; "
        "first: began 09:20:00, resolved 09:21:00 (RR low: 7 /min); "
        "last: began 09:30:00, resolved 09:31:00 (RR low: 7 /min)"
    )
