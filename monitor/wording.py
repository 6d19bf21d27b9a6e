"""Words a nurse reads: counts with their noun ("1 entry", "3 entries") and the monitor's parameters by their
display label ("SpO₂", never "SPO2"), in one place.

Qt-free and below every layer (like monitor.params and monitor.timefmt), so the rules, the services, the windows
and the command line write a count or a parameter the same way. Codes stay in the database and the exports' column
headers; what is shown on screen, in an alarm text or in the PDF goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable

from monitor.params import PARAMS

_ES_AFTER = ("s", "x", "z", "ch", "sh")


def plural(noun: str) -> str:
    """The English plural of a regular noun: entry → entries, bolus → boluses, check → checks."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(_ES_AFTER):
        return noun + "es"
    return noun + "s"


def count(n: int, noun: str, many: str | None = None) -> str:
    """'1 entry', '0 entries', '3 entries'; `many` for an irregular plural."""
    return f"{n} {noun if n == 1 else (many or plural(noun))}"


def param_label(name: str) -> str:
    """The parameter as a nurse reads it ("SpO₂", "NIBP systolic"); an unknown code as it came."""
    p = PARAMS.get(name)
    return p.label if p is not None else name


def param_labels(names: Iterable[str]) -> str:
    """Several parameters by label, comma-separated, in the table's order (HR before SpO₂ before NIBP)."""
    order = {name: i for i, name in enumerate(PARAMS)}
    return ", ".join(param_label(n) for n in sorted(set(names), key=lambda n: (order.get(n, len(order)), n)))
