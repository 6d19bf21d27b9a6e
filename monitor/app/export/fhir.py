"""FHIR R4 Bundle (JSON) of one session: vital signs and nurse scores as Observations, the infusion as a
MedicationAdministration, the monitoring summary (monitoring_summary, the PDF's summary page) as a Composition.
Qt-free; plain dicts, validated against the FHIR models in the tests.

Vital signs use the LOINC codes of the parameter table (shared/clinical.md [LOINC]) and the vital-signs
category; continuous parameters are exported at one value per `interval_s` (the last reading in each interval,
a real measurement rather than an average), every NIBP reading as a blood-pressure panel. A struck entry is
exported with status "entered-in-error", an amended one with status "amended" and its current content.

A number that is not finite (NaN, ±inf: never a reading) is left out, and `bundle_json` refuses to write one
(allow_nan=False) rather than produce a file that is not JSON.
"""

from __future__ import annotations

import html
import json
import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from monitor.app.export.csv import iso
from monitor.app.export.monitoring_summary import monitoring_summary, summary_rows, summary_title
from monitor.app.session_record import Series, SessionRecord
from monitor.clinical.entries import PROGRAM_INITIALS, EntryKind, EntryView, describe
from monitor.clinical.infusion import InfusionAction, InfusionState
from monitor.clinical.scales import SCALES, ScaleRole
from monitor.params import PARAMS
from monitor.storage.private_files import new_file

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOCAL = "urn:infusion-station-monitor:code"  # for items without a standard code in clinical.md
UCUM_UNITS = {"/min": "/min", "%": "%", "mmHg": "mm[Hg]", "°C": "Cel", "mL/h": "mL/h"}
VITALS = ("HR", "PR", "SPO2", "RR", "ETCO2", "TEMP1")
BP = {"NIBP_SYS": "8480-6", "NIBP_DIA": "8462-4", "NIBP_MEAN": "8478-0"}  # [LOINC] systolic/diastolic/mean
BP_PANEL = "85354-9"  # [LOINC] blood pressure panel
RXNORM_KETAMINE = "6130"
# HL7 v2 table 0203 identifier type "MR" (medical record number); the value's namespace is this clinic's
MRN_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR", "display": "Medical record number"}
MRN_SYSTEM = "urn:infusion-station-monitor:mrn"


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY, "code": code, "display": display}]}]


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": round(float(value), 3), "unit": unit, "system": UCUM, "code": UCUM_UNITS.get(unit, unit)}


def _vital(subject: str, name: str, t: float, value: float) -> dict[str, Any]:
    p = PARAMS[name]
    codes = (p.loinc, *p.loinc_also)  # the profile's code first (SpO2: 2708-6, then 59408-5)
    code = {"coding": [{"system": LOINC, "code": c, "display": p.label} for c in codes], "text": p.label}
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": _category("vital-signs", "Vital Signs"),
        "code": code,
        "subject": {"reference": subject},
        "effectiveDateTime": iso(t),
        "valueQuantity": _quantity(value, p.unit),
        "device": {"display": "bedside monitor"},
    }


def _per_interval(series: Series, interval_s: float) -> Iterator[tuple[float, float]]:
    """The last sample of each interval."""
    if not len(series.t):
        return
    finite = np.isfinite(series.value) & np.isfinite(series.t)
    order = np.argsort(series.t[finite], kind="stable")
    t, v = series.t[finite][order], series.value[finite][order]
    if not len(t):
        return
    bucket = np.floor(t / interval_s)
    last = np.r_[bucket[1:] != bucket[:-1], True]
    yield from zip(t[last].tolist(), v[last].tolist(), strict=True)


def _blood_pressure(subject: str, t: float, values: dict[str, float]) -> dict[str, Any]:
    components = [
        {
            "code": {"coding": [{"system": LOINC, "code": BP[name], "display": PARAMS[name].label}]},
            "valueQuantity": _quantity(value, "mmHg"),
        }
        for name, value in values.items()
    ]
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": _category("vital-signs", "Vital Signs"),
        "code": {"coding": [{"system": LOINC, "code": BP_PANEL, "display": "Blood pressure panel"}], "text": "NIBP"},
        "subject": {"reference": subject},
        "effectiveDateTime": iso(t),
        "component": components,
    }


def _status(view: EntryView) -> str:
    return "entered-in-error" if view.struck else "amended" if view.amended else "final"


def _performer(view: EntryView) -> list[dict[str, Any]]:
    if view.original.initials == PROGRAM_INITIALS:  # a missed check, recorded by the program itself
        return [{"display": "Infusion Station Monitor (program)"}]
    return [{"display": f"nurse {view.original.initials}"}]


def _nurse_observation(subject: str, view: EntryView) -> dict[str, Any]:
    p = view.payload
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": _status(view),
        "subject": {"reference": subject},
        "effectiveDateTime": iso(view.t),
        "issued": iso(view.current.recorded_at),
        "performer": _performer(view),
    }
    if view.kind is EntryKind.SCORE:
        scale = SCALES[p["scale"]]
        if scale.loinc is not None:
            obs["code"] = {
                "coding": [{"system": LOINC, "code": scale.loinc, "display": scale.loinc_display}],
                "text": scale.name,
            }
        else:
            obs["code"] = {
                "coding": [{"system": LOCAL, "code": scale.key}],
                "text": scale.name,
            }  # no LOINC in clinical.md
        obs["category"] = _category("survey", "Survey")
        obs["valueInteger"] = int(p["score"])
        if scale.role is not ScaleRole.PAIN:  # a pain score is its number; other levels have words
            obs["interpretation"] = [{"text": scale.text(int(p["score"]))}]
    else:
        obs["category"] = _category("exam", "Exam")
        obs["code"] = {
            "coding": [{"system": LOCAL, "code": view.kind.value}],
            "text": view.kind.value.replace("_", " "),
        }
        obs["valueString"] = describe(view.kind, p)
    notes = [
        n
        for n in (
            p.get("note"),
            view.current.reason if view.amended else None,
            view.struck_by.reason if view.struck_by else None,
        )
        if n
    ]
    if notes:
        obs["note"] = [{"text": n} for n in notes]
    return obs


def _medication_administration(subject: str, record: SessionRecord) -> dict[str, Any] | None:
    s = record.infusion
    if s.settings is None or s.started_at is None:
        return None
    events = [v for v in record.entries if v.kind is EntryKind.INFUSION and v.live]
    steps = [f"{iso(v.t)} {describe(v.kind, v.payload)}" for v in events]
    start = next(v for v in events if InfusionAction(v.payload["action"]) is InfusionAction.START)
    status = {
        InfusionState.STOPPED: "completed",
        InfusionState.RUNNING: "in-progress",
        InfusionState.PAUSED: "on-hold",
    }[s.state]
    period = {"start": iso(s.started_at)}
    if s.stopped_at is not None:
        period["end"] = iso(s.stopped_at)
    drug = s.settings.drug
    medication: dict[str, Any] = {"text": f"{drug} {s.settings.concentration_mg_ml:g} mg/mL"}
    if drug.strip().lower() == "ketamine":
        medication["coding"] = [
            {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": RXNORM_KETAMINE, "display": "ketamine"}
        ]
    return {
        "resourceType": "MedicationAdministration",
        "status": status,
        "medicationCodeableConcept": medication,
        "subject": {"reference": subject},
        "effectivePeriod": period,
        "performer": [{"actor": {"display": f"nurse {start.original.initials}"}}],
        "dosage": {
            "text": f"{start.payload['rate_mg_kg_h']:g} mg/kg/h IV infusion, {s.settings.weight_kg:g} kg; "
            f"total {s.total_mg:.1f} mg ({s.total_mg_kg:.3f} mg/kg) incl. {s.bolus_mg:g} mg bolus",
            "route": {"text": "intravenous"},
            "dose": {"value": round(s.total_mg, 2), "unit": "mg", "system": UCUM, "code": "mg"},
            "rateQuantity": _quantity(s.settings.pump_rate_ml_h(start.payload["rate_mg_kg_h"]), "mL/h"),
        },
        "note": [{"text": step} for step in steps],
    }


def _patient(record: SessionRecord) -> dict[str, Any]:
    """The assigned patient by medical record number; before assignment, only which session it was."""
    if record.patient is None:
        return {
            "resourceType": "Patient",
            "identifier": [{"system": "urn:infusion-station-monitor:session", "value": str(record.session.id)}],
        }
    p = record.patient
    return {
        "resourceType": "Patient",
        "identifier": [{"type": {"coding": [MRN_TYPE]}, "system": MRN_SYSTEM, "value": p.mrn}],
        "name": [{"text": p.name}],
        "birthDate": p.dob,
    }


def _narrative(text: str) -> dict[str, Any]:
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{html.escape(text)}</div>'}


def _summary_composition(subject: str, record: SessionRecord, bp_urls: dict[float, str]) -> dict[str, Any]:
    """The monitoring summary (issue 19 point 6) as a Composition: one section per item of the PDF's summary page,
    the blood-pressure sections pointing at the panel Observation of the reading they name."""
    summary = monitoring_summary(record)
    by_label = {f"BP {c.label.lower()}": c for c in summary.bp}
    sections = []
    for label, value in summary_rows(record, summary):
        section: dict[str, Any] = {"title": label, "text": _narrative(value)}
        check = by_label.get(label)
        if check is not None and check.taken_at is not None and check.taken_at in bp_urls:
            section["entry"] = [{"reference": bp_urls[check.taken_at]}]
        sections.append(section)
    return {
        "resourceType": "Composition",
        "status": "final" if record.session.ended_at is not None else "preliminary",
        "type": {"coding": [{"system": LOCAL, "code": "monitoring-summary"}], "text": "Monitoring summary"},
        "subject": {"reference": subject},
        "date": iso(record.end),
        "author": [{"display": "Infusion Station Monitor (program)"}],
        "title": summary_title(record.protocol_kind),
        "section": sections,
    }


def session_bundle(record: SessionRecord, interval_s: float = 60.0) -> dict[str, Any]:
    """A FHIR R4 'collection' Bundle of the session."""
    patient_url = _urn()
    patient = _patient(record)
    resources: list[tuple[str, dict[str, Any]]] = [(patient_url, patient)]
    for name in VITALS:
        if name in record.series:
            for t, v in _per_interval(record.series[name], interval_s):
                resources.append((_urn(), _vital(patient_url, name, t, v)))
    bp_urls: dict[float, str] = {}  # by the reading's time: the summary's BP sections point at them
    for reading in record.nibp:
        values = {"NIBP_SYS": reading.sys, "NIBP_DIA": reading.dia, "NIBP_MEAN": reading.mean}
        present = {name: v for name, v in values.items() if v is not None and math.isfinite(v)}
        if not present:
            continue
        url = bp_urls[record.nibp_time(reading)] = _urn()
        resources.append((url, _blood_pressure(patient_url, record.nibp_time(reading), present)))
    for view in record.entries:
        if view.kind is not EntryKind.INFUSION:
            resources.append((_urn(), _nurse_observation(patient_url, view)))
    medication = _medication_administration(patient_url, record)
    if medication is not None:
        resources.append((_urn(), medication))
    resources.append((_urn(), _summary_composition(patient_url, record, bp_urls)))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": iso(record.end),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in resources],
    }


def bundle_json(record: SessionRecord, interval_s: float = 60.0) -> str:
    """The Bundle as JSON text; always valid JSON (a non-finite number raises ValueError instead of 'NaN')."""
    return json.dumps(session_bundle(record, interval_s), indent=1, allow_nan=False)


def write_fhir(record: SessionRecord, path: Path, force: bool = False) -> None:
    """The bundle as a JSON file: never through a symlink, never over a file unless `force` (private_files)."""
    text = bundle_json(record)  # before the file exists: a refused bundle leaves nothing behind
    with new_file(path, force) as tmp:
        tmp.write_text(text, encoding="utf-8")
