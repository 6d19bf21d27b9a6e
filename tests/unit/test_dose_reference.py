"""Issue 19 point 2: the dose defaults are [ASRA-2018]'s (bolus up to 0.35 mg/kg, infusion 0.5–2 mg/kg/h), a clinic
may change them, and the session's cumulative dose is set against "at least 80 mg over more than 2 h" as information
only. Without Qt or a database."""

from __future__ import annotations

import pytest

from monitor.clinical.clinic_protocol import parse_protocol
from monitor.clinical.dose_reference import CumulativeDose, rate_remark
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits, fold_infusion, validate_infusion_payload

START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10.0, "weight_kg": 70.0, "rate_mg_kg_h": 0.5}
T0 = 1_000_000.0


def _bolus(dose_mg: float, limits: InfusionLimits, cosigned_by: str = ""):
    payload = validate_infusion_payload(
        {"action": "bolus", "dose_mg": dose_mg} | ({"cosigned_by": cosigned_by} if cosigned_by else {}), limits
    )
    return fold_infusion([(T0, validate_infusion_payload(START, limits)), (T0 + 60, payload)], T0 + 120, limits)


def test_the_bolus_ceiling_is_asra_0_35_mg_kg() -> None:
    limits = InfusionLimits()
    assert limits.max_bolus_mg_kg == 0.35
    assert _bolus(24.5, limits).bolus_mg == 24.5, "0.35 mg/kg × 70 kg: at the ceiling is within it"
    with pytest.raises(EntryError, match=r"above the clinic's ceiling of 0\.35 mg/kg \(24\.5 mg for 70 kg\)"):
        _bolus(28.0, limits)  # 0.4 mg/kg


def test_a_0_4_mg_kg_bolus_is_given_only_co_signed_where_the_clinic_allows_exceeding() -> None:
    allowed = InfusionLimits(allow_above_ceiling=True)
    assert _bolus(28.0, allowed, cosigned_by="CD").bolus_mg == 28.0
    with pytest.raises(EntryError, match="co-signature belongs to a dose above the ceiling the clinic allows"):
        _bolus(28.0, InfusionLimits(), cosigned_by="CD")


def test_the_rate_range_is_asra_0_5_to_2_mg_kg_h_a_lower_rate_is_remarked_not_refused() -> None:
    limits = InfusionLimits()
    assert limits.max_rate_mg_kg_h == 2.0
    assert validate_infusion_payload(START | {"rate_mg_kg_h": 2}, limits)["rate_mg_kg_h"] == 2.0
    with pytest.raises(EntryError, match="above the clinic's ceiling of 2 mg/kg/h"):
        validate_infusion_payload(START | {"rate_mg_kg_h": 2.1}, limits)
    assert validate_infusion_payload(START | {"rate_mg_kg_h": 0.3}, limits)["rate_mg_kg_h"] == 0.3
    assert rate_remark(0.3) == "below the ASRA-2018 range 0.5–2 mg/kg/h"
    assert rate_remark(0.5) == rate_remark(2.0) == ""


def test_the_clinic_file_still_sets_the_ceilings() -> None:
    protocol = parse_protocol({"max_bolus_mg_kg": 0.25, "max_rate_mg_kg_h": 1.0}, "t")
    assert (protocol.infusion.max_bolus_mg_kg, protocol.infusion.max_rate_mg_kg_h) == (0.25, 1.0)
    assert parse_protocol({}, "t").infusion.max_bolus_mg_kg == 0.35


def test_the_cumulative_dose_is_information_against_80_mg_over_more_than_2_h() -> None:
    # 0.5 mg/kg/h × 70 kg = 35 mg/h; a 20 mg bolus after 10 min
    events = [(T0, START), (T0 + 600, {"action": "bolus", "dose_mg": 20.0})]
    early = fold_infusion(events, T0 + 3600).cumulative(T0 + 3600)
    assert early.total_mg == pytest.approx(55.0) and early.mg_kg == pytest.approx(55.0 / 70)
    assert not early.reaches_reference
    assert early.text() == (
        "Session dose 55.0 mg (0.79 mg/kg) over 1 h 00 · ASRA-2018 chronic-pain session: ≥ 80 mg over > 2 h"
        " — not reached (information)"
    )
    at_two_hours = fold_infusion(events, T0 + 7200).cumulative(T0 + 7200)
    assert at_two_hours.total_mg == pytest.approx(90.0) and not at_two_hours.reaches_reference, "more than 2 h"
    later = fold_infusion(events, T0 + 7500).cumulative(T0 + 7500)
    assert later.reaches_reference and "— reached (information)" in later.text()
    unknown_weight = CumulativeDose(90.0, None, 7500)
    assert unknown_weight.mg_kg is None and unknown_weight.text().startswith("Session dose 90.0 mg over 2 h 05 ·")
