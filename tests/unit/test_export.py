"""CSV and FHIR exports of a real recorded session (writer, service, database), checked column by column and
validated against the FHIR models."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from monitor.app.export_csv import SAMPLE_COLUMNS, TIMELINE_COLUMNS, write_csv
from monitor.app.export_fhir import session_bundle
from monitor.app.session_record import load_record
from monitor.app.session_service import SessionService
from monitor.cli import main
from monitor.devices.events import Sample
from monitor.session.entries import EntryKind
from monitor.storage.writer import SessionWriter

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture
def session_db(tmp_path: Path) -> tuple[Path, int]:
    db = tmp_path / "export.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=T0)
        samples = []
        for i in range(0, 3600, 5):  # an hour, a record every 5 s; the NIBP reading is resent with each
            t = T0 + i
            nibp = (120.0, 80.0, 93.0) if i < 1800 else (150.0, 95.0, 113.0)
            vitals = {"HR": 70 + i % 7, "SPO2": 97.0, "RR": 14.0}
            vitals |= dict(zip(("NIBP_SYS", "NIBP_DIA", "NIBP_MEAN"), nibp, strict=True))
            for param, value in vitals.items():
                samples.append(Sample(param, float(value), t, t + 0.2))
        writer.add_samples(sid, samples)
        service = SessionService(writer, sid, T0, clock=lambda: T0 + 3600, initials="KM")
        start = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 80, "rate_mg_kg_h": 0.5}
        service.record(EntryKind.INFUSION, start, t=T0 + 300).result(5)
        service.record(EntryKind.INFUSION, {"action": "bolus", "dose_mg": 10}, t=T0 + 600).result(5)
        pain = service.record(EntryKind.SCORE, {"scale": "pain", "score": 7}, t=T0 + 120).result(5)
        nausea = service.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"}, t=T0 + 900).result(5)
        service.record(EntryKind.SCORE, {"scale": "rass", "score": -1}, t=T0 + 1000).result(5)
        service.record(EntryKind.INFUSION, {"action": "stop"}, t=T0 + 3300).result(5)
        service.amend(pain.id, {"scale": "pain", "score": 6}, "misheard").result(5)
        service.strike(nausea.id, "wrong patient").result(5)
        writer.end_session(sid, T0 + 3600)
    return db, sid


def test_csv_has_every_sample_and_the_timeline_with_corrections(session_db, tmp_path: Path) -> None:
    db, sid = session_db
    samples_path, timeline_path = write_csv(load_record(db, sid), tmp_path / "out")
    with open(samples_path, newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == SAMPLE_COLUMNS
    assert len(rows) - 1 == 720 * 6
    hr = [r for r in rows[1:] if r[1] == "HR"]
    assert hr[0] == [
        "2026-01-01T00:00:00.200Z",
        "HR",
        "70.0",
        "/min",
        "2026-01-01T00:00:00.200Z",
        "2026-01-01T00:00:00.000Z",
    ]
    with open(timeline_path, newline="") as f:
        timeline = list(csv.DictReader(f))
    assert tuple(timeline[0].keys()) == TIMELINE_COLUMNS
    pain = next(r for r in timeline if r["kind"] == "score" and "Pain" in r["description"])
    assert (pain["description"], pain["status"], pain["correction_reason"]) == ("Pain 6/10", "amended", "misheard")
    assert pain["original_description"] == "Pain 7/10"
    nausea = next(r for r in timeline if r["kind"] == "side_effect")
    assert nausea["status"] == "struck" and nausea["correction_reason"] == "wrong patient"
    assert json.loads(next(r for r in timeline if "bolus" in r["description"].lower())["payload_json"]) == {
        "action": "bolus",
        "dose_mg": 10.0,
    }


def test_fhir_bundle_validates_and_codes_vitals_with_loinc(session_db) -> None:
    db, sid = session_db
    bundle = session_bundle(load_record(db, sid))
    Bundle.model_validate(bundle)  # raises on any structural error
    resources = [e["resource"] for e in bundle["entry"]]
    obs = [r for r in resources if r["resourceType"] == "Observation"]
    hr = [o for o in obs if o["code"]["coding"][0].get("code") == "8867-4"]
    assert len(hr) == 60, "one heart rate per minute"
    assert hr[0]["valueQuantity"]["code"] == "/min" and hr[0]["category"][0]["coding"][0]["code"] == "vital-signs"
    bp = [o for o in obs if o["code"]["coding"][0].get("code") == "85354-9"]
    assert len(bp) == 2, "two distinct cuff readings, not one per record"
    assert {c["code"]["coding"][0]["code"] for c in bp[1]["component"]} == {"8480-6", "8462-4", "8478-0"}
    pain = next(o for o in obs if o["code"]["coding"][0].get("code") == "72514-3")
    assert pain["valueInteger"] == 6 and pain["status"] == "amended"
    assert any(o["status"] == "entered-in-error" for o in obs)
    (med,) = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    assert med["status"] == "completed" and med["dosage"]["dose"]["value"] == pytest.approx(40 * 50 / 60 + 10, 0.01)


def test_export_command_writes_csv_and_fhir(session_db, tmp_path: Path, capsys) -> None:
    db, sid = session_db
    assert (
        main(["export", "--db", str(db), "--session", str(sid), "--format", "fhir", "--out", str(tmp_path / "b.json")])
        == 0
    )
    Bundle.model_validate(json.loads((tmp_path / "b.json").read_text()))
    assert (
        main(["export", "--db", str(db), "--session", str(sid), "--format", "csv", "--out", str(tmp_path / "csv")]) == 0
    )
    assert (tmp_path / "csv" / f"session-{sid}-samples.csv").is_file()
    assert main(["export", "--db", str(db), "--session", "99", "--format", "csv", "--out", str(tmp_path)]) == 2
    assert "no session 99" in capsys.readouterr().err
