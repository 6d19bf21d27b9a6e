"""The one error a nurse sees when an entry is refused: its message says what is wrong and what to do."""

from __future__ import annotations


class EntryError(ValueError):
    """Invalid nurse input; nothing was stored."""


def parse_number(text: str | float, what: str, unit: str) -> float:
    """A number typed by a nurse ('0,5' accepted as 0.5), or EntryError naming the field and its unit."""
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = text.strip().replace(",", ".")
        if not cleaned:
            raise EntryError(f"{what} is empty: enter a number in {unit}")
        try:
            value = float(cleaned)
        except ValueError:
            raise EntryError(f"{what} must be a number in {unit}, not {text.strip()!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise EntryError(f"{what} must be a finite number in {unit}")
    return value
