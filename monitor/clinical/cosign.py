"""Where a second person is the safeguard (issue 18 point 4): which clinical acts need a charge nurse or prescriber.

Pure policy, Qt-free. Three acts need the CHARGE role (charge nurse / prescriber) or a co-signature by one:
overriding a blocking screening, an alarm limit outside the clinic's defaults, and a dose rate or bolus above the
clinic's ceiling (which is refused outright unless the clinic allows exceeding it at all). "Outside the clinic's
defaults" means less strict than the limit the clinic (clinic.json, else this program's defaults) starts every
session with: a low limit below the default low, or a high limit above the default high. Tightening a limit needs
no second person. The hard bounds stay absolute: adjust_limit refuses past them whoever signs.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from monitor.clinical.alarm_limits import Limit

COSIGNED_BY = "cosigned_by"  # the payload key of a co-signer's initials (entry payloads are audit-chained)


class Safeguard(StrEnum):
    SCREENING_OVERRIDE = "overriding a blocking screening"
    LIMIT_OUTSIDE_DEFAULTS = "an alarm limit outside the clinic's defaults"
    DOSE_ABOVE_CEILING = "a dose above the clinic's ceiling"


def limit_outside_defaults(default: Limit, low: float | None, high: float | None) -> bool:
    """Whether a new (low, high) for a parameter is less strict than the clinic's default limit."""
    below = low is not None and default.low is not None and low < default.low
    above = high is not None and default.high is not None and high > default.high
    return below or above


def screening_override(payload: Mapping[str, Any], blocks: tuple[str, ...]) -> bool:
    """Whether a screening is recorded as an override of a block (a block answered, a reason given)."""
    return bool(blocks) and bool(str(payload.get("override_reason") or "").strip())


def above_ceiling(value: float, ceiling: float) -> bool:
    """Whether a dose rate or bolus exceeds the clinic's ceiling (equal is within: 24.5 mg is 0.35 mg/kg × 70 kg,
    though 0.35 × 70 is 24.499999999999996 in floating point, so a relative 1e-9 is allowed)."""
    return value > ceiling * (1 + 1e-9)
