"""The four discharge refusals a session depends on, each alone against an otherwise ready session, through the
service and a real database: the infusion not stopped, no end-of-session pain score, no modified Aldrete since the
stop, and scores that do not count (taken before the stop, or struck through since).

Observation time: the clinic default of 60 min (shared/clinical.md, session.recovery.MIN_OBSERVATION_S); Aldrete
threshold 9 [ALDRETE]; an Aldrete score is valid for one check interval (15 min, clinical.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from forms import CHECKLIST, START, T0, Clock

from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.clinical.errors import EntryError
from monitor.clinical.recovery import ALDRETE_ITEMS
from monitor.storage.writer import SessionWriter

STOP_AT = T0 + 40 * 60
READY_AT = STOP_AT + 65 * 60  # past the 60 min observation (clinic default)
FIT = {key: 2 for key, _name, _wording in ALDRETE_ITEMS}  # 10: discharge at 9 or more [ALDRETE]
PAIN = {"scale": "pain", "score": 3}


@pytest.fixture
def session(tmp_path: Path):
    """A session whose infusion ran from T0 + 1 min to STOP_AT, with a pain score and an Aldrete score before the
    stop (which must not count for discharge); the clock at READY_AT."""
    with SessionWriter(tmp_path / "discharge.sqlite3") as writer:
        clock = Clock(T0)
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        svc = SessionService(writer, sid, T0, clock=clock, initials="AB")
        clock.t = T0 + 60
        svc.record(EntryKind.INFUSION, START).result(5)
        clock.t = STOP_AT - 60
        svc.record(EntryKind.SCORE, PAIN).result(5)
        svc.record(EntryKind.ALDRETE, FIT).result(5)
        yield svc, clock


def _stop(svc: SessionService, clock: Clock) -> None:
    clock.t = STOP_AT
    svc.record(EntryKind.INFUSION, {"action": "stop"}).result(5)
    clock.t = READY_AT


def _refused_for(svc: SessionService, reason: str) -> None:
    assert svc.discharge_refusals(CHECKLIST) == [reason]
    with pytest.raises(EntryError, match=reason):
        svc.record(EntryKind.DISCHARGE, CHECKLIST)
    assert not svc.discharged()


def test_a_ready_session_is_discharged(session) -> None:
    svc, clock = session
    _stop(svc, clock)
    svc.record(EntryKind.SCORE, PAIN).result(5)
    svc.record(EntryKind.ALDRETE, FIT).result(5)
    assert svc.discharge_refusals(CHECKLIST) == []
    svc.record(EntryKind.DISCHARGE, CHECKLIST).result(5)
    assert svc.discharged()


def test_refused_while_the_infusion_runs(session) -> None:
    svc, clock = session
    clock.t = READY_AT  # scores taken now, hours into a running infusion, do not make the patient fit to leave
    svc.record(EntryKind.SCORE, PAIN).result(5)
    svc.record(EntryKind.ALDRETE, FIT).result(5)
    _refused_for(svc, "the infusion has not been stopped")


def test_refused_without_an_end_of_session_pain_score(session) -> None:
    svc, clock = session
    _stop(svc, clock)
    svc.record(EntryKind.ALDRETE, FIT).result(5)
    _refused_for(svc, "no end-of-session pain score")  # the pain score before the stop is not the end one


def test_refused_without_an_aldrete_score_since_the_stop(session) -> None:
    svc, clock = session
    _stop(svc, clock)
    svc.record(EntryKind.SCORE, PAIN).result(5)
    _refused_for(svc, "no modified Aldrete score since the infusion stopped")  # the one before the stop


def test_a_struck_aldrete_score_does_not_count(session) -> None:
    svc, clock = session
    _stop(svc, clock)
    svc.record(EntryKind.SCORE, PAIN).result(5)
    aldrete = svc.record(EntryKind.ALDRETE, FIT).result(5)
    assert svc.discharge_refusals(CHECKLIST) == []
    svc.strike(aldrete.id, "scored the wrong patient").result(5)
    _refused_for(svc, "no modified Aldrete score since the infusion stopped")


def test_a_struck_pain_score_does_not_count(session) -> None:
    svc, clock = session
    _stop(svc, clock)
    pain = svc.record(EntryKind.SCORE, PAIN).result(5)
    svc.record(EntryKind.ALDRETE, FIT).result(5)
    svc.strike(pain.id, "scored the wrong patient").result(5)
    _refused_for(svc, "no end-of-session pain score")


def test_scores_back_dated_to_before_the_stop_do_not_count(session) -> None:
    svc, clock = session
    _stop(svc, clock)
    svc.record(EntryKind.SCORE, PAIN, t=STOP_AT - 1).result(5)
    svc.record(EntryKind.ALDRETE, FIT, t=STOP_AT - 1).result(5)
    assert svc.discharge_refusals(CHECKLIST) == [
        "no modified Aldrete score since the infusion stopped",
        "no end-of-session pain score",
    ]


def test_an_aldrete_score_amended_to_before_the_stop_no_longer_counts(session) -> None:
    svc, clock = session
    _stop(svc, clock)
    svc.record(EntryKind.SCORE, PAIN).result(5)
    aldrete = svc.record(EntryKind.ALDRETE, FIT).result(5)
    svc.amend(aldrete.id, FIT, "scored before the stop, entered late", t=STOP_AT - 120).result(5)
    _refused_for(svc, "no modified Aldrete score since the infusion stopped")
