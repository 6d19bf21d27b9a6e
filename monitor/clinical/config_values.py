"""Type checks for values read from the program's JSON settings files (clinic.json, station.json).

JSON gives any type anywhere: "40" for 40, true for 1, NaN, 1e999 (infinity) or 10**400 (too big for a float).
Each check refuses such a value with a ConfigError naming the entry (`alarm_limits.HR.low`, `Chair 2.speed`), so
a damaged file stops start-up with one clear line instead of a traceback or a silently odd limit.
"""

from __future__ import annotations

import json
import math
from typing import Any


class ConfigError(ValueError):
    """A settings value of the wrong type or out of range; the message names the entry."""


def number(value: Any, entry: str, low: float | None = None, high: float | None = None) -> float:
    """`value` as a finite float within [low, high]; bools, text, null, NaN and infinities are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{entry} must be a number, got {_shown(value)}")
    try:
        result = float(value)
    except OverflowError:
        raise ConfigError(f"{entry} is far too large a number") from None
    if not math.isfinite(result):
        raise ConfigError(f"{entry} must be a finite number, got {value!r}")
    if (low is not None and result < low) or (high is not None and result > high):
        raise ConfigError(f"{entry} {result:g} is outside {_bound(low)}–{_bound(high)}")
    return result


def integer(value: Any, entry: str, low: int | None = None, high: int | None = None) -> int:
    """`value` as an int within [low, high]; bools, floats and text are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{entry} must be a whole number, got {_shown(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        shown = f"{value}" if abs(value) < 10**12 else "a huge number"
        raise ConfigError(f"{entry} {shown} is outside {_bound(low)}–{_bound(high)}")
    return value


def text(value: Any, entry: str, max_length: int = 200) -> str:
    """`value` as a non-empty single-line string of at most `max_length` characters."""
    if not isinstance(value, str):
        raise ConfigError(f"{entry} must be text, got {_shown(value)}")
    if not value.strip() or len(value) > max_length or any(ord(c) < 32 for c in value):
        raise ConfigError(f"{entry} must be one line of 1 to {max_length} characters")
    return value


def _bound(b: float | None) -> str:
    return "…" if b is None else f"{b:g}"


def _shown(value: Any) -> str:
    kind = {bool: "true/false", str: "text", type(None): "null", list: "a list", dict: "an object"}
    shown = json.dumps(value) if isinstance(value, bool) or (isinstance(value, str) and len(value) < 40) else ""
    return f"{kind.get(type(value), type(value).__name__)} {shown}".strip()
