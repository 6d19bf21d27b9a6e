"""The clinic's protocol kind (clinic.json "protocol", issue 19 point 5): "iv-ketamine" observes 60 min after the
infusion ends (clinic default); "esketamine-rems" observes at least 2 h after dosing and schedules BP before dosing,
at ~40 min and before the end ([PI]/[REMS], shared/clinical.md "Monitoring during infusion"). Through the parser,
the schedule, and the service on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from forms import CHECKLIST, START, T0, Clock, screening

from monitor.app.export.report_content import header_rows
from monitor.app.session_record import load_record
from monitor.app.session_service import SessionService
from monitor.clinical.clinic_protocol import (
    DEFAULT_PROTOCOL,
    ProtocolError,
    ProtocolKind,
    kind_described,
    load_protocol,
    parse_protocol,
)
from monitor.clinical.entries import EntryKind, describe
from monitor.clinical.recovery import ALDRETE_ITEMS, DischargeFacts, MonitorValues, ObserveFrom, discharge_refusals
from monitor.clinical.schedule import (
    BP_AT_40_MIN,
    BP_BEFORE_DOSING,
    BP_BEFORE_END,
    CheckStatus,
    rems_bp_checks,
)
from monitor.storage.writer import SessionWriter

REMS = parse_protocol({"protocol": "esketamine-rems"}, "test")
MIN = 60.0
HOUR = 3600.0
FIT = {key: 2 for key, _name, _wording in ALDRETE_ITEMS}
PAIN = {"scale": "pain", "score": 3}


# --- parsing ------------------------------------------------------------------------------------------------------


def test_the_default_is_iv_ketamine_observing_60_min_after_the_infusion_ends() -> None:
    assert DEFAULT_PROTOCOL.kind is ProtocolKind.IV_KETAMINE
    assert DEFAULT_PROTOCOL.min_observation_s == 60 * MIN  # clinic default
    assert DEFAULT_PROTOCOL.observe_from is ObserveFrom.INFUSION_END
    assert parse_protocol({"protocol": "iv-ketamine"}, "t").kind is ProtocolKind.IV_KETAMINE


def test_esketamine_rems_observes_2_h_after_dosing() -> None:
    assert REMS.kind is ProtocolKind.ESKETAMINE_REMS
    assert REMS.min_observation_s == 2 * HOUR  # [PI]
    assert REMS.observe_from is ObserveFrom.DOSING
    assert "protocol esketamine-rems" in REMS.describe() and "observe 120 min after dosing" in REMS.describe()
    assert "esketamine-rems" in REMS.headline() and "≥ 2 h after dosing [PI]" in REMS.headline()
    assert "clinic default" in DEFAULT_PROTOCOL.headline()


def test_a_bad_protocol_is_refused_naming_the_file_and_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps({"protocol": "spravato"}))
    with pytest.raises(ProtocolError) as refused:
        load_protocol(path)
    assert str(path) in str(refused.value)
    assert "protocol must be one of ['iv-ketamine', 'esketamine-rems'], got 'spravato'" in str(refused.value)
    path.write_text(json.dumps({"protocol": "esketamine-rems", "observe_after_stop_min": 60}))
    with pytest.raises(ProtocolError, match="observe_after_stop_min applies to \"iv-ketamine\""):
        load_protocol(path)


def test_the_record_names_the_protocol_and_an_older_record_reads_as_iv_ketamine() -> None:
    assert kind_described(REMS.describe()) is ProtocolKind.ESKETAMINE_REMS
    assert kind_described(DEFAULT_PROTOCOL.describe()) is ProtocolKind.IV_KETAMINE
    before_issue_19 = "clinic protocol: built-in defaults (shared/clinical.md); checks every 15 min (+5); start gate"
    assert kind_described(before_issue_19) is ProtocolKind.IV_KETAMINE


# --- the REMS schedule ----------------------------------------------------------------------------------------------


def _by_what(checks) -> dict:
    return {c.what: c for c in checks}


def test_before_dosing_the_bp_check_is_due_and_a_cuff_reading_does_it() -> None:
    (check,) = rems_bp_checks(None, None, T0, [], 15 * MIN, 2 * HOUR)
    assert check.what == BP_BEFORE_DOSING and check.status is CheckStatus.DUE and check.missing == ("vitals",)
    (check,) = rems_bp_checks(None, None, T0, [T0 - 5 * MIN], 15 * MIN, 2 * HOUR)
    assert check.status is CheckStatus.DONE


def test_the_three_bp_checks_fall_due_at_dosing_40_min_and_the_earliest_end() -> None:
    dosed = T0
    checks = _by_what(rems_bp_checks(dosed, None, dosed + 10 * MIN, [], 15 * MIN, 2 * HOUR))
    assert checks[BP_BEFORE_DOSING].due_at == dosed and checks[BP_BEFORE_DOSING].status is CheckStatus.MISSED
    assert checks[BP_AT_40_MIN].due_at == dosed + 40 * MIN and checks[BP_AT_40_MIN].status is CheckStatus.UPCOMING
    assert checks[BP_BEFORE_END].due_at == dosed + 2 * HOUR and checks[BP_BEFORE_END].status is CheckStatus.UPCOMING


def test_the_40_min_bp_counts_a_reading_from_30_to_50_min_after_dosing() -> None:
    """[PI]/[REMS] "about 40 min"; the window 30-50 min is a clinic default (clinical.schedule.REMS_BP_TOLERANCE_S)."""
    dosed = T0

    def at_40(reading: float, now: float) -> CheckStatus:
        return _by_what(rems_bp_checks(dosed, None, now, [reading], 15 * MIN, 2 * HOUR))[BP_AT_40_MIN].status

    assert at_40(dosed + 30 * MIN, dosed + 45 * MIN) is CheckStatus.DUE, "30:00 is outside (the window is open there)"
    assert at_40(dosed + 30 * MIN + 1, dosed + 45 * MIN) is CheckStatus.DONE
    assert at_40(dosed + 50 * MIN, dosed + 55 * MIN) is CheckStatus.DONE
    assert at_40(dosed + 50 * MIN + 1, dosed + 50 * MIN + 1) is CheckStatus.MISSED, "a reading after 50 min is late"


def test_the_end_bp_needs_a_reading_within_one_check_interval() -> None:
    dosed, end_due = T0, T0 + 2 * HOUR

    def end(readings: list[float], now: float, discharged: float | None = None) -> CheckStatus:
        checks = rems_bp_checks(dosed, discharged, now, readings, 15 * MIN, 2 * HOUR)
        return _by_what(checks)[BP_BEFORE_END].status

    assert end([end_due - 15 * MIN], end_due) is CheckStatus.DUE, "15 min old at the earliest end: too old"
    assert end([end_due - 15 * MIN + 1], end_due) is CheckStatus.DONE
    assert end([end_due - 15 * MIN + 1], end_due + 2) is CheckStatus.DUE, "it ages: the end is later than planned"
    assert end([end_due - 20 * MIN], end_due - 10 * MIN) is CheckStatus.UPCOMING, "too early for the end"


@pytest.fixture
def rems_session(tmp_path: Path):
    with SessionWriter(tmp_path / "rems.sqlite3") as writer:
        clock = Clock(T0)
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        svc = SessionService(writer, sid, T0, clock=clock, initials="AB", protocol=REMS, require_screening=True)
        yield svc, clock


def test_the_service_schedules_the_bp_checks_only_for_esketamine_rems(rems_session) -> None:
    svc, clock = rems_session
    assert [c.what for c in svc.schedule([], T0)] == [BP_BEFORE_DOSING]
    svc.record(EntryKind.SCREENING, screening()).result(5)
    clock.t = T0 + 10 * MIN
    svc.record(EntryKind.INFUSION, START).result(5)
    cuff = [T0 + 5 * MIN, T0 + 39 * MIN]  # before dosing; 29 min after it (too early for "~40 min")
    checks = svc.schedule(cuff, T0 + 45 * MIN)
    named = _by_what(c for c in checks if c.what)
    assert named[BP_BEFORE_DOSING].status is CheckStatus.DONE
    assert named[BP_AT_40_MIN].due_at == T0 + 50 * MIN and named[BP_AT_40_MIN].status is CheckStatus.UPCOMING
    assert named[BP_BEFORE_END].due_at == T0 + 10 * MIN + 2 * HOUR
    assert [c.due_at for c in checks] == sorted(c.due_at for c in checks), "one schedule, in time order"
    assert any(not c.what for c in checks), "the regular checks stay"


def test_an_iv_ketamine_schedule_has_no_bp_checks(tmp_path: Path) -> None:
    with SessionWriter(tmp_path / "iv.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        svc = SessionService(writer, sid, T0, clock=Clock(T0 + 60), initials="AB")
        svc.record(EntryKind.INFUSION, START).result(5)
        assert svc.schedule([], T0 + HOUR)
        assert all(not c.what for c in svc.schedule([], T0 + HOUR))


def test_a_missed_rems_bp_check_goes_on_the_record_once_with_its_name(rems_session) -> None:
    svc, clock = rems_session
    svc.record(EntryKind.SCREENING, screening()).result(5)
    clock.t = T0 + 10 * MIN
    svc.record(EntryKind.INFUSION, START).result(5)  # no cuff reading before dosing
    for future in svc.record_missed_checks([], T0 + 10 * MIN):
        future.result(5)
    assert svc.record_missed_checks([], T0 + 10 * MIN) == [], "once"
    (missed,) = [v for v in svc.views() if v.kind is EntryKind.MISSED_CHECK]
    assert missed.payload["check"] == BP_BEFORE_DOSING
    assert describe(missed.kind, missed.payload).startswith("BP before dosing check due ")


# --- observation from dosing vs from the infusion's end --------------------------------------------------------------


def _facts(dosed: float, stopped: float) -> DischargeFacts:
    return DischargeFacts(stopped, 10, True, None, dosed_at=dosed, last_cuff_at=None)


def test_observation_counts_from_the_infusion_end_or_from_dosing() -> None:
    dosed, stopped = T0, T0 + 90 * MIN
    now = T0 + 2 * HOUR  # 2 h after dosing, 30 min after the stop
    (iv,) = discharge_refusals(_facts(dosed, stopped), CHECKLIST, now, 60 * MIN)
    assert iv == "observed 30 of the minimum 60 min after the infusion"
    assert discharge_refusals(_facts(dosed, stopped), CHECKLIST, now, 2 * HOUR, observe_from=ObserveFrom.DOSING) == []
    (early,) = discharge_refusals(_facts(dosed, stopped), CHECKLIST, now - 1, 2 * HOUR, observe_from=ObserveFrom.DOSING)
    assert early.startswith("observed 120 of the minimum 120 min after dosing"), early


def test_rems_discharge_waits_2_h_after_the_last_dose_and_for_a_recent_bp(rems_session) -> None:
    svc, clock = rems_session
    cuff: list[float | None] = [None]
    svc.watch_values(lambda: MonitorValues(spo2=98.0, rr=14.0, cuff_taken_at=cuff[0]))
    svc.record(EntryKind.SCREENING, screening()).result(5)
    clock.t = T0 + 10 * MIN
    svc.record(EntryKind.INFUSION, START).result(5)
    clock.t = T0 + 30 * MIN
    svc.record(EntryKind.INFUSION, {"action": "bolus", "dose_mg": 10}).result(5)  # a later dose: its own 2 h
    clock.t = T0 + 50 * MIN
    svc.record(EntryKind.INFUSION, {"action": "stop"}).result(5)
    clock.t = T0 + 2 * HOUR + 20 * MIN  # 2 h 10 min after the start, 1 h 30 min after the stop
    svc.record(EntryKind.SCORE, PAIN).result(5)
    svc.record(EntryKind.ALDRETE, FIT).result(5)
    assert svc.discharge_refusals(CHECKLIST) == [
        "observed 110 of the minimum 120 min after dosing",
        "no cuff reading (NIBP) in the last 15 min (none yet): [PI] BP before the session ends",
    ]
    clock.t = T0 + 2 * HOUR + 30 * MIN
    cuff[0] = clock.t - 16 * MIN
    (old,) = svc.discharge_refusals(CHECKLIST)
    assert old.startswith("no cuff reading (NIBP) in the last 15 min (the latest is 16 min old)")
    cuff[0] = clock.t - 60
    svc.record(EntryKind.ALDRETE, FIT).result(5)
    svc.record(EntryKind.DISCHARGE, CHECKLIST).result(5)
    assert svc.discharged()


# --- the Aldrete circulation: the pre-infusion level and the variant on the record -----------------------------------


def test_the_pre_infusion_bp_is_the_screening_the_start_rested_on(rems_session) -> None:
    svc, clock = rems_session
    svc.record(EntryKind.SCREENING, screening()).result(5)  # 128/80
    clock.t = T0 + 10 * MIN
    svc.record(EntryKind.INFUSION, START).result(5)
    clock.t = T0 + 20 * MIN
    later = screening(baseline={"sys": 150, "dia": 95, "hr": 80, "spo2": 97})
    svc.record(EntryKind.SCREENING, later).result(5)  # recorded during the infusion: not pre-infusion
    assert svc.baseline() is not None and (svc.baseline()["sys"], svc.baseline()["dia"]) == (128, 80)


@pytest.mark.parametrize(("variant", "said"), [("percent", "circulation in % of the pre-infusion BP"),
                                               ("mmHg", "circulation in mmHg")])
def test_an_aldrete_score_records_the_circulation_variant_it_was_given_in(
    tmp_path: Path, variant: str, said: str
) -> None:
    clinic = parse_protocol({"aldrete_circulation": variant}, "t")
    with SessionWriter(tmp_path / "aldrete.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        svc = SessionService(writer, sid, T0, clock=Clock(T0 + 60), initials="AB", protocol=clinic)
        entry = svc.record(EntryKind.ALDRETE, FIT).result(5)
    assert entry.payload["circulation_in"] == variant
    (view,) = [v for v in svc.views() if v.kind is EntryKind.ALDRETE]
    assert describe(view.kind, view.payload) == f"Modified Aldrete 10/10 ({said})"


def test_the_record_and_its_pdf_header_say_which_protocol_governed_the_session(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        writer.add_link_event(sid, T0, "clinic", DEFAULT_PROTOCOL.describe())
        writer.add_link_event(sid, T0 + HOUR, "clinic", REMS.describe())  # clinic.json changed before a resume
        writer.add_link_event(sid, T0 + 2 * HOUR, "clinic", REMS.describe())
        older = writer.open_session("sim", "datex-s5", started_at=T0)  # no clinic event naming a protocol
        writer.flush()
    record = load_record(db, sid)
    assert record.protocol_kinds == [ProtocolKind.IV_KETAMINE, ProtocolKind.ESKETAMINE_REMS]
    assert record.protocol_kind is ProtocolKind.ESKETAMINE_REMS
    assert dict(header_rows(record))["Clinic protocol"] == "iv-ketamine, then esketamine-rems"
    assert dict(header_rows(load_record(db, older)))["Clinic protocol"] == "iv-ketamine"
