"""Patients, courses and the course summary, on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from forms import screening

from monitor.app.courses import CourseService, course_summary
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.clinical.errors import EntryError
from monitor.storage.writer import SessionWriter

START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 70, "rate_mg_kg_h": 0.5}


def _screening(pain: int) -> dict:
    return screening(baseline={"sys": 125, "dia": 80, "hr": 70, "spo2": 98}, baseline_pain=pain)


def _session(
    writer: SessionWriter, t0: float, pain_before: int, pain_after: int, effects: int, phq9: list[int] | None = None
) -> int:
    sid = writer.open_session("sim", "datex-s5", started_at=t0)
    svc = SessionService(writer, sid, t0, clock=lambda: t0 + 7200, initials="AB", require_screening=True)
    svc.record(EntryKind.SCREENING, _screening(pain_before), t=t0 + 60).result(5)
    if phq9 is not None:
        svc.record(EntryKind.PHQ9, {"items": phq9, "difficulty": 1}, t=t0 + 90).result(5)
    svc.record(EntryKind.INFUSION, START, t=t0 + 120).result(5)
    for i in range(effects):
        svc.record(EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"}, t=t0 + 600 + i).result(5)
    svc.record(EntryKind.INFUSION, {"action": "stop"}, t=t0 + 120 + 3600).result(5)
    svc.record(EntryKind.SCORE, {"scale": "pain", "score": pain_after}, t=t0 + 5000).result(5)
    return sid


def test_patients_courses_and_the_course_summary(tmp_path: Path) -> None:
    with SessionWriter(tmp_path / "c.sqlite3") as writer:
        courses = CourseService(writer)
        pid = courses.add_patient("Jane Doe", "MRN-1", "1970-05-01", "70", "penicillin").result(5)
        with pytest.raises(ValueError, match="MRN-1 exists already"):
            courses.add_patient("Jim Doe", "MRN-1", "1971-01-01", "80", "").result(5)
        for bad, message in (
            (("J", "M2", "1970-01-01", "70"), "Name is empty"),
            (("Jo", "M2", "1970-13-01", "70"), "YYYY-MM-DD"),
            (("Jo", "M2", "2999-01-01", "70"), "not plausible"),
            (("Jo", "M2", "1970-01-01", "400"), "Weight 400 kg"),
        ):
            with pytest.raises(EntryError, match=message):
                courses.add_patient(*bad, "")
        cid = courses.add_course(pid, "Spring 2026, 6 infusions").result(5)
        first = _session(writer, 1.767e9, pain_before=8, pain_after=5, effects=2, phq9=[3, 3, 2, 2, 2, 2, 1, 1, 1])
        second = _session(writer, 1.767e9 + 7 * 86400, pain_before=6, pain_after=4, effects=0)
        third = _session(writer, 1.767e9 + 14 * 86400, 5, 3, 1, phq9=[1, 1, 1, 1, 1, 1, 0, 0, 0])
        for sid in (first, second, third):
            courses.assign(sid, cid).result(5)
        patient, course = courses.of_session(second)
        assert patient.name == "Jane Doe" and course.title == "Spring 2026, 6 infusions"
        assert [p.mrn for p in courses.patients()] == ["MRN-1"]
    summary = course_summary(tmp_path / "c.sqlite3", cid)
    assert [(s.baseline_pain, s.end_pain, s.side_effects) for s in summary] == [(8, 5, 2), (6, 4, 0), (5, 3, 1)]
    assert [(s.phq9_total, s.phq9_self_harm) for s in summary] == [(17, True), (None, False), (6, False)]
    assert summary[0].total_mg == pytest.approx(35.0) and summary[0].total_mg_kg == pytest.approx(0.5)
    assert summary[0].pain_change_pct == pytest.approx(-37.5) and summary[1].pain_change_pct == pytest.approx(-50.0)
