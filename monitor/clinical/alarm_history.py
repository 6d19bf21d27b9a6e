"""Alarm history for reading: repeats of one condition collapse into one row with a count and first/last time.

Qt-free. The database keeps every alarm event; the Alarm history tab and the PDF show each repeated condition
once ("clear [high] RR low … ×30, 14:02–14:58"), so an hour of one alarm coming and going is one line, not a
page. A repeat is the same action on the same condition at the same priority by the same person; limit changes
(each with its own values and reason) never collapse.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from monitor.clinical.alarms import AlarmAction


class AlarmEventLike(Protocol):
    """An AlarmEvent, or an AlarmEventRow read back from the database."""

    @property
    def t(self) -> float: ...
    @property
    def action(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def priority(self) -> Hashable: ...
    @property
    def who(self) -> str: ...


E = TypeVar("E", bound=AlarmEventLike)


@dataclass(slots=True)
class AlarmRepeat(Generic[E]):
    first: E
    last: E
    count: int = 1

    def span_text(self, clock: Callable[[float], str]) -> str:
        """'×30, last 14:58:10' for a repeated condition; '' for one event. `clock`: a time as text."""
        return f"×{self.count}, last {clock(self.last.t)}" if self.count > 1 else ""


class AlarmRepeats(Generic[E]):
    """Rows in order of first occurrence; `add` says which row an event went to and whether it is new."""

    def __init__(self) -> None:
        self.rows: list[AlarmRepeat[E]] = []
        self._index: dict[tuple[Hashable, ...], int] = {}

    def add(self, event: E) -> tuple[int, bool]:
        key = _repeat_key(event)
        row = self._index.get(key)
        if row is None:
            self._index[key] = len(self.rows)
            self.rows.append(AlarmRepeat(event, event))
            return len(self.rows) - 1, True
        repeat = self.rows[row]
        repeat.last, repeat.count = event, repeat.count + 1
        return row, False


def collapse_repeats(events: Iterable[E]) -> list[AlarmRepeat[E]]:
    repeats: AlarmRepeats[E] = AlarmRepeats()
    for e in events:
        repeats.add(e)
    return repeats.rows


def _repeat_key(event: AlarmEventLike) -> tuple[Hashable, ...]:
    action = str(event.action)
    distinct = event.t if action == AlarmAction.LIMIT_CHANGED.value else None
    return (action, event.key, str(event.priority), event.who, distinct)
