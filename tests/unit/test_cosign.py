"""Where a second person is the safeguard (issue 18 point 4): a nurse's screening override needs a charge nurse or
prescriber's co-signature (initials + PIN), recorded in the audit-chained entry payload; a wrong PIN, a nurse as
co-signer or the signed-in user co-signing themselves is refused and records nothing.
(tests/cosigners.py stands in for AccountService.confirm until acc's lands)."""

from __future__ import annotations

from pathlib import Path

import pytest
from accounts import LONG_SECRET, PIN
from cosigners import Desk, make_desk
from forms import START, T0, Clock, screening

from monitor.app.cosign import CoSignRefused, cosign
from monitor.app.session_service import SessionService
from monitor.clinical.alarm_limits import DEFAULT_LIMITS
from monitor.clinical.clinic_protocol import parse_protocol
from monitor.clinical.cosign import COSIGNED_BY, Safeguard, limit_outside_defaults
from monitor.clinical.entries import EntryKind, describe
from monitor.clinical.errors import EntryError
from monitor.storage.db import connect, read_entries
from monitor.storage.writer import SessionWriter

HIGH_BP = {"sys": 172, "dia": 96, "hr": 80, "spo2": 97}


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path / "accounts.sqlite3")


@pytest.fixture
def service(tmp_path: Path, desk):
    with SessionWriter(tmp_path / "w.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        svc = SessionService(writer, sid, T0, clock=Clock(T0 + 300), initials="AB", require_screening=True)
        svc.require_cosign(lambda: desk.nurse.role.may_cosign)
        yield svc, tmp_path / "w.sqlite3", sid


def _override(**extra) -> dict:
    return screening(baseline=HIGH_BP, override_reason="anxious; 150/92 on repeat") | extra


def test_a_nurses_screening_override_without_a_cosigner_is_refused_and_records_nothing(service) -> None:
    svc, db, sid = service
    with pytest.raises(EntryError, match="Overriding a blocking screening needs a charge nurse"):
        svc.record(EntryKind.SCREENING, _override())
    with pytest.raises(EntryError, match="Record the pre-infusion screening"):
        svc.record(EntryKind.INFUSION, START)
    assert read_entries(connect(db), sid) == []


def test_a_cosigned_override_is_on_the_chained_record_and_lets_the_infusion_start(service, desk) -> None:
    svc, db, sid = service
    signature = cosign(Safeguard.SCREENING_OVERRIDE, desk.nurse, desk.confirm, "cd", LONG_SECRET)
    assert (signature.by, signature.cosigned_by) == ("AB", "CD")
    entry = svc.record(EntryKind.SCREENING, signature.stamp(_override())).result(5)
    svc.record(EntryKind.INFUSION, START).result(5)
    stored = read_entries(connect(db), sid)[0]
    assert (stored.initials, stored.payload[COSIGNED_BY]) == ("AB", "CD")  # the payload is what the audit hashes
    assert "(co-signed CD)" in describe(entry.kind, entry.payload)


@pytest.mark.parametrize(
    ("initials", "secret", "why"),
    [
        ("CD", "0000", "Co-signature refused: wrong initials or PIN"),
        ("EF", PIN, "Co-signature refused: EF is a nurse: this needs"),
        ("AB", PIN, "A second person co-signs"),
        ("", "", "needs a charge nurse or prescriber to co-sign"),
    ],
)
def test_a_wrong_pin_a_nurse_or_oneself_as_cosigner_is_refused(initials, secret, why, desk) -> None:
    with pytest.raises(CoSignRefused, match=why):
        cosign(Safeguard.SCREENING_OVERRIDE, desk.nurse, desk.confirm, initials, secret)


def test_a_charge_nurse_overrides_alone(tmp_path: Path, desk) -> None:
    assert cosign(Safeguard.SCREENING_OVERRIDE, desk.charge, desk.confirm).cosigned_by is None
    with SessionWriter(tmp_path / "w.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        svc = SessionService(writer, sid, T0, clock=Clock(T0 + 300), initials="CD", require_screening=True)
        svc.require_cosign(lambda: desk.charge.role.may_cosign)
        assert COSIGNED_BY not in svc.record(EntryKind.SCREENING, _override()).result(5).payload


def test_the_signed_in_user_cannot_cosign_their_own_override(service) -> None:
    svc, _db, _sid = service
    with pytest.raises(EntryError, match="A second person co-signs"):
        svc.record(EntryKind.SCREENING, _override(cosigned_by="AB"))


def test_a_cosignature_belongs_to_an_override() -> None:
    from monitor.clinical.screening import validate_screening

    with pytest.raises(EntryError, match="A co-signature belongs to an override"):
        validate_screening(screening(cosigned_by="CD"))


def test_only_a_limit_less_strict_than_the_clinic_default_needs_a_second_person() -> None:
    spo2 = DEFAULT_LIMITS["SPO2"]
    assert limit_outside_defaults(spo2, spo2.low - 2, spo2.high)
    assert not limit_outside_defaults(spo2, spo2.low + 2, spo2.high)  # tighter: within the defaults
    hr = DEFAULT_LIMITS["HR"]
    assert limit_outside_defaults(hr, hr.low, hr.high + 10)
    assert not limit_outside_defaults(hr, hr.low, hr.high)


@pytest.fixture
def exceeding(tmp_path: Path, desk):
    """A clinic that allows exceeding its dose ceilings (allow_above_ceiling), a nurse signed in."""
    protocol = parse_protocol({"max_rate_mg_kg_h": 1.0, "max_bolus_mg_kg": 0.3, "allow_above_ceiling": True}, "t")
    with SessionWriter(tmp_path / "w.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        clock = Clock(T0 + 300)
        svc = SessionService(writer, sid, T0, clock=clock, initials="AB", protocol=protocol)
        svc.require_cosign(lambda: desk.nurse.role.may_cosign)
        svc.record(EntryKind.INFUSION, START).result(5)  # 0.5 mg/kg/h, 70 kg
        clock.t += 600
        yield svc, tmp_path / "w.sqlite3", sid


def test_a_dose_above_the_ceiling_is_refused_where_the_clinic_does_not_allow_it(tmp_path: Path, desk) -> None:
    with SessionWriter(tmp_path / "w.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        protocol = parse_protocol({"max_rate_mg_kg_h": 1.0}, "t")
        clock = Clock(T0 + 300)
        svc = SessionService(writer, sid, T0, clock=clock, initials="CD", protocol=protocol)
        svc.require_cosign(lambda: desk.charge.role.may_cosign)  # not even a charge nurse
        svc.record(EntryKind.INFUSION, START).result(5)
        clock.t += 600
        with pytest.raises(EntryError, match="above the clinic's ceiling of 1 mg/kg/h"):
            svc.record(EntryKind.INFUSION, {"action": "rate", "rate_mg_kg_h": 1.2})
        with pytest.raises(EntryError, match="above the clinic's ceiling of 1 mg/kg/h"):  # no co-signature passes
            svc.record(EntryKind.INFUSION, {"action": "rate", "rate_mg_kg_h": 1.2, "cosigned_by": "EF"})
        with pytest.raises(EntryError, match="A co-signature belongs to a dose above the ceiling"):
            svc.record(EntryKind.INFUSION, {"action": "rate", "rate_mg_kg_h": 0.8, "cosigned_by": "EF"})


def test_a_nurse_exceeds_an_allowed_ceiling_only_co_signed_and_never_past_the_absolute(exceeding, desk) -> None:
    svc, db, sid = exceeding
    with pytest.raises(EntryError, match="A dose above the clinic's ceiling needs a charge nurse"):
        svc.record(EntryKind.INFUSION, {"action": "rate", "rate_mg_kg_h": 1.2})
    with pytest.raises(EntryError, match="A dose above the clinic's ceiling needs a charge nurse"):
        svc.record(EntryKind.INFUSION, {"action": "bolus", "dose_mg": 25})  # 0.3 mg/kg x 70 kg = 21 mg
    signature = cosign(Safeguard.DOSE_ABOVE_CEILING, desk.nurse, desk.confirm, "CD", LONG_SECRET)
    svc.record(EntryKind.INFUSION, signature.stamp({"action": "rate", "rate_mg_kg_h": 1.2})).result(5)
    svc.record(EntryKind.INFUSION, signature.stamp({"action": "bolus", "dose_mg": 25})).result(5)
    assert svc.infusion().rate_mg_kg_h == 1.2 and svc.infusion().bolus_mg == 25
    assert [e.payload.get(COSIGNED_BY) for e in read_entries(connect(db), sid)] == [None, "CD", "CD"]
    with pytest.raises(EntryError, match="the absolute 5 mg/kg/h"):
        svc.record(EntryKind.INFUSION, signature.stamp({"action": "rate", "rate_mg_kg_h": 5.5}))
    svc.record(EntryKind.INFUSION, {"action": "rate", "rate_mg_kg_h": 0.8}).result(5)  # within: nobody else
