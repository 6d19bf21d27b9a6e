"""FLOAT-Type (shared/protocols/README.md §3.4): a 32-bit number, bits 31-24 a signed base-10 exponent, bits 23-0
a signed mantissa. Reserved mantissas mean "no number": NaN 0x7FFFFF, NRes 0x800000, +INF 0x7FFFFE, -INF 0x800002
(and 0x800001, reserved); a reading is never infinite, so all of them decode to None."""

from __future__ import annotations

import math

NAN = 0x007FFFFF
NRES = 0x00800000
POS_INF = 0x007FFFFE
NEG_INF = 0x00800002
_RESERVED = frozenset({NAN, NRES, POS_INF, NEG_INF, 0x00800001})
_MANTISSA_MAX = 0x7FFFFD  # the largest ordinary mantissa


def decode_float(raw: int) -> float | None:
    mantissa = raw & 0xFFFFFF
    if mantissa in _RESERVED:
        return None
    if mantissa & 0x800000:
        mantissa -= 0x1000000
    exponent = (raw >> 24) & 0xFF
    if exponent & 0x80:
        exponent -= 0x100
    if exponent >= 0:
        return float(mantissa * 10**exponent)
    return mantissa / 10**-exponent  # one correctly rounded division: -9 / 10 is -0.9, not -0.9000000000000001


def encode_float(value: float, digits: int = 1) -> int:
    """`value` with `digits` decimals (fewer when the mantissa would not fit); NaN for a value that is not finite."""
    if math.isnan(value):
        return NAN
    if math.isinf(value):
        return POS_INF if value > 0 else NEG_INF
    exponent = -digits
    mantissa = round(value * 10**digits) if digits >= 0 else round(value / 10**-digits)
    while abs(mantissa) > _MANTISSA_MAX:
        exponent += 1
        mantissa = round(value / 10**exponent) if exponent > 0 else round(value * 10**-exponent)
    if not -128 <= exponent <= 127:
        raise ValueError(f"{value} does not fit a FLOAT-Type")
    return ((exponent & 0xFF) << 24) | (mantissa & 0xFFFFFF)
