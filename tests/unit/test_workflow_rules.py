"""Clinical workflow rules without Qt: screening gates the start, the observation schedule goes overdue and is
satisfied by the entries it asks for, discharge is refused below the Aldrete threshold and accepted above it; and
the rules read from a session's record (monitor.clinical.record_rules) on resolved entries alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from forms import START, T0, Clock, screening

from monitor.app.session_service import SessionService
from monitor.clinical.entries import Entry, EntryAction, EntryKind, EntryView, resolve
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits, InfusionState
from monitor.clinical.record_rules import (
    check_screening,
    discharge_facts,
    infusion_status,
    latest,
    refuse_after_discharge,
)
from monitor.clinical.recovery import ALDRETE_ITEMS, DischargeFacts
from monitor.clinical.schedule import CheckStatus, checks, next_open
from monitor.clinical.screening import evaluate, validate_screening
from monitor.storage.writer import SessionWriter


@pytest.fixture
def service(tmp_path: Path):
    with SessionWriter(tmp_path / "w.sqlite3") as writer:
        clock = Clock(T0)
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        yield SessionService(writer, sid, T0, clock=clock, initials="AB", require_screening=True), clock


def test_screening_rules() -> None:
    assert evaluate(validate_screening(screening())).may_start
    no_consent = evaluate(validate_screening(screening(consent=False)))
    assert not no_consent.may_start and no_consent.refusal() == "Cannot start: consent is not recorded"
    high = validate_screening(screening(baseline={"sys": 172, "dia": 96, "hr": 80, "spo2": 97}))
    assert evaluate(high).blocks == ("baseline BP 172/96 is above 160/100",)
    overridden = validate_screening(screening(baseline=high["baseline"], override_reason="white-coat; 148/90 at home"))
    assert evaluate(overridden).may_start
    answers = screening()["contraindications"] | {"active_psychosis": True}
    assert (
        "contraindication: active psychosis"
        in evaluate(validate_screening(screening(contraindications=answers))).blocks
    )
    assert evaluate(validate_screening(screening(escort=False))).cautions == ("no escort arranged for discharge",)
    raised = evaluate(validate_screening(screening(baseline={"sys": 148, "dia": 88, "hr": 80, "spo2": 97})))
    assert raised.may_start and raised.cautions == ("baseline BP 148/88 is above 140/90",), "[REMS]: a risk to weigh"
    with pytest.raises(EntryError, match="answer 'pregnancy' with yes or no"):
        validate_screening(screening(contraindications={k: v for k, v in answers.items() if k != "pregnancy"}))
    with pytest.raises(EntryError, match="Baseline systolic BP 400 mmHg is not plausible"):
        validate_screening(screening(baseline={"sys": 400, "dia": 80, "hr": 72, "spo2": 98}))


def test_start_needs_a_screening_that_allows_it_or_an_override(service) -> None:
    svc, clock = service
    clock.t += 300
    with pytest.raises(EntryError, match="Record the pre-infusion screening"):
        svc.record(EntryKind.INFUSION, START)
    svc.record(EntryKind.SCREENING, screening(baseline={"sys": 172, "dia": 96, "hr": 80, "spo2": 97})).result(5)
    with pytest.raises(EntryError, match="override and its reason: baseline BP 172/96"):
        svc.record(EntryKind.INFUSION, START)
    svc.record(
        EntryKind.SCREENING,
        screening(baseline={"sys": 172, "dia": 96, "hr": 80, "spo2": 97}, override_reason="anxious; 150/92 repeat"),
    ).result(5)
    svc.record(EntryKind.INFUSION, START).result(5)
    assert svc.infusion().state.value == "running"


def test_schedule_goes_overdue_and_is_satisfied_by_vitals_sedation_and_review(service) -> None:
    svc, clock = service
    svc.record(EntryKind.SCREENING, screening()).result(5)
    clock.t = T0 + 60
    svc.record(EntryKind.INFUSION, START).result(5)
    clock.t = T0 + 60 + 15 * 60 - 30  # just before the first check is due
    (first,) = svc.schedule([])[:1]
    assert first.status is CheckStatus.UPCOMING and first.due_at == T0 + 60 + 900
    clock.t = T0 + 60 + 900 + 6 * 60  # past due and grace
    assert svc.schedule([])[0].status is CheckStatus.OVERDUE
    assert svc.schedule([])[0].missing == ("vitals", "sedation score", "dissociation", "side-effect review")
    svc.record(EntryKind.SCORE, {"scale": "rass", "score": 0}, t=T0 + 60 + 880).result(5)
    svc.record(EntryKind.CHECK, {}, t=T0 + 60 + 890).result(5)
    assert svc.schedule([T0 + 60 + 870])[0].missing == ("dissociation",), "clinical.md: dissociation at each check"
    svc.record(EntryKind.DISSOCIATION, {"level": "none"}, t=T0 + 60 + 895).result(5)
    first = svc.schedule([T0 + 60 + 870])[0]
    assert first.status is CheckStatus.DONE and first.missing == ()


def test_an_observation_counts_for_one_check_and_a_check_not_done_by_the_next_is_missed() -> None:
    start, now = 1000.0, 1000.0 + 52 * 60  # checks due at 15, 30, 45 min; now 52 min
    at_19_min = start + 19 * 60
    views = resolve(
        [
            Entry(1, 1, EntryKind.SCORE, at_19_min, at_19_min, "AB", {"scale": "rass", "score": 0}),
            Entry(2, 1, EntryKind.DISSOCIATION, at_19_min, at_19_min, "AB", {"level": "none"}),
            Entry(3, 1, EntryKind.CHECK, at_19_min, at_19_min, "AB", {}),
        ]
    )
    first, second, third, _fourth = checks(start, None, now, views, [at_19_min])
    assert first.status is CheckStatus.DONE, "19 min is within the first check's grace"
    assert second.status is CheckStatus.MISSED and second.window[0] == first.window[1], "windows do not overlap"
    assert third.status is CheckStatus.OVERDUE
    assert next_open([first, second, third]) is third, "the banner moves on to the check at hand"


def test_discharge_refused_below_threshold_and_accepted_above(service) -> None:
    svc, clock = service
    svc.record(EntryKind.SCREENING, screening()).result(5)
    clock.t = T0 + 60
    svc.record(EntryKind.INFUSION, START).result(5)
    clock.t = T0 + 3600
    svc.record(EntryKind.INFUSION, {"action": "stop"}).result(5)
    checklist = {"escort_present": True, "no_driving_advised": True, "instructions_given": True}
    with pytest.raises(EntryError, match="observed 0 of the minimum 60 min"):
        svc.record(EntryKind.DISCHARGE, checklist)
    clock.t = T0 + 3600 + 65 * 60
    low = {key: 2 for key, _n, _w in ALDRETE_ITEMS} | {"consciousness": 1, "activity": 1}
    svc.record(EntryKind.ALDRETE, low).result(5)
    svc.record(EntryKind.SCORE, {"scale": "pain", "score": 3}).result(5)
    with pytest.raises(EntryError, match="modified Aldrete 8 is below 9"):
        svc.record(EntryKind.DISCHARGE, checklist)
    with pytest.raises(EntryError, match="not done: Responsible adult escort present"):
        svc.record(EntryKind.DISCHARGE, checklist | {"escort_present": False})
    svc.record(EntryKind.ALDRETE, low | {"activity": 2}).result(5)
    assert svc.discharge_refusals(checklist) == []
    clock.t += 20 * 60  # the patient waited for the escort: the score no longer describes them now
    (stale,) = svc.discharge_refusals(checklist)
    assert stale == "the modified Aldrete score is 20 min old (at most 15): score it again"
    svc.record(EntryKind.ALDRETE, low | {"activity": 2}).result(5)
    svc.record(EntryKind.DISCHARGE, checklist).result(5)
    assert svc.discharged()


# The rules read from a session's record (monitor.clinical.record_rules), without a service or a writer.
LIMITS = InfusionLimits()


def record(*items: tuple[float, EntryKind, dict[str, Any]] | Entry) -> list[EntryView]:
    entries = [
        item if isinstance(item, Entry) else Entry(i, 1, item[1], T0 + item[0], T0 + item[0], "AB", item[2])
        for i, item in enumerate(items, start=1)
    ]
    return resolve(entries)


def test_latest_is_the_last_live_entry_of_a_kind_before_a_time() -> None:
    views = record(
        (10, EntryKind.NOTE, {"text": "a"}),
        (20, EntryKind.NOTE, {"text": "b"}),
        Entry(3, 1, EntryKind.NOTE, T0 + 20, T0 + 30, "AB", {"text": "b"}, EntryAction.STRIKE, 2, "wrong chair"),
        (40, EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "mild"}),
    )
    assert latest(views, EntryKind.NOTE).id == 1  # the struck one counts no more
    assert latest(views, EntryKind.SIDE_EFFECT).id == 4
    assert latest(views, EntryKind.SIDE_EFFECT, before=T0 + 39) is None


def test_a_discharged_record_refuses_more() -> None:
    refuse_after_discharge(record((10, EntryKind.NOTE, {"text": "a"})))
    with pytest.raises(EntryError, match=r"This session is closed: the patient was discharged at .* by AB"):
        refuse_after_discharge(record((10, EntryKind.DISCHARGE, {})))


def test_the_start_needs_a_screening_before_it_that_allows_it() -> None:
    with pytest.raises(EntryError, match="Record the pre-infusion screening"):
        check_screening(record((100, EntryKind.SCREENING, validate_screening(screening()))), T0 + 50, (160, 100))
    check_screening(record((10, EntryKind.SCREENING, validate_screening(screening()))), T0 + 50, (160, 100))
    no_consent = validate_screening(screening(consent=False))
    with pytest.raises(EntryError, match="consent is not recorded"):
        check_screening(record((10, EntryKind.SCREENING, no_consent)), T0 + 50, (160, 100))


def test_discharge_facts_count_only_what_follows_the_stop() -> None:
    good = {key: 2 for key, _n, _w in ALDRETE_ITEMS}
    views = record(
        (0, EntryKind.INFUSION, START),
        (60, EntryKind.SCORE, {"scale": "pain", "value": 3}),
        (70, EntryKind.ALDRETE, good),
        (600, EntryKind.INFUSION, {"action": "stop"}),
        (900, EntryKind.ALDRETE, good | {"activity": 1}),
    )
    assert infusion_status(views, T0 + 1000, LIMITS).state is InfusionState.STOPPED
    assert discharge_facts(views, T0 + 1000, LIMITS) == DischargeFacts(T0 + 600, 9, False, T0 + 900, dosed_at=T0)
    later = [*views, *record((1200, EntryKind.SCORE, {"scale": "pain", "value": 1}))]
    assert discharge_facts(later, T0 + 1300, LIMITS).end_pain_recorded
    assert discharge_facts(views[:2], T0 + 100, LIMITS) == DischargeFacts(None, None, False, None, dosed_at=T0)
