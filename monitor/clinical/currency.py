"""Whether a value on screen is current: the one rule every place that shows a monitor value follows.

- INVALID: the monitor flagged the value, reports the parameter unavailable or its sensor off, or the link is down.
  Shown as not current at once: "--" with the reason, never the last good number in full colour.
- STALE: older than its staleness limit. Shown dimmed with its age.
- CURRENT: shown bright.
- NONE: no value yet ("--").
Limits: a continuous value 30 s (this program's default); a cuff reading 15 min (clinical.md "Monitoring during
infusion": NIBP at least every 15 min, so an older reading is not current).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from monitor.params import format_value
from monitor.timefmt import age_text

STALE_AFTER_S = 30.0  # a continuous parameter not refreshed for this long is stale; this program's default
NIBP_STALE_AFTER_S = 15 * 60.0  # clinical.md "Monitoring during infusion": NIBP at least every 15 min


class Currency(StrEnum):
    CURRENT = "current"
    STALE = "stale"
    INVALID = "invalid"
    NONE = "none"  # no value yet


def stale_after(param: str) -> float:
    return NIBP_STALE_AFTER_S if param.startswith("NIBP") else STALE_AFTER_S


@dataclass(frozen=True, slots=True)
class ShownValue:
    """A value as it may be shown now: the number, whether it is current, and why not."""

    param: str
    value: float | None
    currency: Currency
    age_s: float | None = None
    reason: str = ""  # why it is INVALID (e.g. "sensor off", "monitor not sending")

    @property
    def current(self) -> bool:
        return self.currency is Currency.CURRENT

    @property
    def text(self) -> str:
        """The number, or "--" when there is none that may be shown (an invalid value is never printed)."""
        return self.shown_text()

    def shown_text(self, text: str | None = None) -> str:
        """`text` (the value formatted otherwise, e.g. "120/80" for a cuff reading; by default the number) where a
        number may be shown, "--" where none may (invalid, or no value yet): what a tile or a station card prints."""
        if self.value is None or self.currency in (Currency.INVALID, Currency.NONE):
            return "--"
        return format_value(self.param, self.value) if text is None else text

    @property
    def note(self) -> str:
        """What the reader must know beside the number: the reason it is invalid, or its age when stale."""
        if self.currency is Currency.INVALID:
            return self.reason or "no valid value"
        if self.currency is Currency.STALE and self.age_s is not None:
            return age_text(self.age_s)
        return ""


def judge(param: str, value: float | None, at: float | None, now: float, invalid: str = "") -> ShownValue:
    """The rule: `invalid` (a reason, "" when none) wins at once; then age against the parameter's limit."""
    if invalid:
        return ShownValue(param, value, Currency.INVALID, None if at is None else now - at, invalid)
    if value is None or at is None:
        return ShownValue(param, None, Currency.NONE)
    age = max(0.0, now - at)
    return ShownValue(param, value, Currency.STALE if age > stale_after(param) else Currency.CURRENT, age)
