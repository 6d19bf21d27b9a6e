"""A resumed session's alarm state, rebuilt from its own alarm record (the alarm_events table).

Qt-free. After a crash the chair must not fall back to the clinic's limits nor forget an alarm nobody answered:
- every limit the nurse changed for the session is changed again, in order (a LIMIT_CHANGED event carries the new
  low and high in its value and limit fields);
- every latching alarm (high-priority clinical, IEC 60601-1-8 as in clinical.md) not acknowledged when the program
  stopped is indicated again, as it was: active (sounding) or latched (condition gone, still to be acknowledged).
  Non-latching alarms are not restored: they follow the monitor's values again within their delay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from monitor.clinical.alarm_limits import AlarmPriority, Limit, adjust_limit
from monitor.clinical.alarms import Alarm, AlarmAction, AlarmCategory, AlarmEngine, AlarmEvent, AlarmStatus
from monitor.clinical.errors import EntryError
from monitor.storage.db import AlarmEventRow

log = logging.getLogger(__name__)

_RAISING = frozenset({AlarmAction.ONSET.value, AlarmAction.ESCALATE.value, AlarmAction.WORSENED.value})
_HIGH = AlarmPriority.HIGH.name.lower()


def restored_limits(clinic: Mapping[str, Limit], rows: Iterable[AlarmEventRow]) -> dict[str, Limit]:
    """The clinic's limits with the session's own changes applied in order."""
    limits = dict(clinic)
    for row in rows:
        if row.action != AlarmAction.LIMIT_CHANGED.value or row.key not in limits:
            continue
        try:
            limits[row.key] = adjust_limit(limits[row.key], row.value, row.limit_value)
        except EntryError as exc:  # a record from before the new limits were stored with the change
            log.warning("limit change not restored (%s: %s): %s", row.key, row.message, exc)
    return limits


def restored_alarms(rows: Iterable[AlarmEventRow]) -> dict[str, Alarm]:
    """The latching alarms not acknowledged at the end of the record, with the status they had.

    Mirrors the engine (session.alarms): an onset or a worsening makes an alarm active; acknowledging answers it;
    a latching alarm that clears unanswered stays, latched. (A latched alarm whose condition returns is active
    again without an event of its own; when it clears again, it latches again: the same rule.)"""
    alarms: dict[str, Alarm] = {}
    for row in rows:
        if row.category != AlarmCategory.CLINICAL.value or row.priority != _HIGH:
            continue  # not latching: followed from the monitor's values again
        if row.action in _RAISING:
            alarm = alarms.get(row.key)
            if alarm is None or row.action == AlarmAction.ONSET.value:
                alarm = alarms[row.key] = _alarm(row)
            alarm.status, alarm.value, alarm.message = AlarmStatus.ACTIVE, row.value, row.message
        elif row.action == AlarmAction.ACKNOWLEDGE.value:
            alarms.pop(row.key, None)  # answered: a latched one is gone, an active one silenced
        elif row.action == AlarmAction.CLEAR.value and row.key in alarms:
            alarms[row.key].status = AlarmStatus.LATCHED
    return alarms


def restored_engine(
    clinic: Mapping[str, Limit], rows: Iterable[AlarmEventRow], *, discharged: bool = False
) -> AlarmEngine:
    """An alarm engine that continues the session's: its limits, its unanswered latching alarms (none once the
    patient is discharged: their alarms ended with the discharge)."""
    rows = list(rows)
    engine = AlarmEngine(limits=restored_limits(clinic, rows))
    if not discharged:
        engine.alarms.update(restored_alarms(rows))
    for alarm in engine.alarms.values():
        log.info("alarm restored after restart: %s (%s)", alarm.message, alarm.status.value)
    return engine


def _alarm(row: AlarmEventRow) -> Alarm:
    """A restored alarm; `param` puts it on its tile (limit alarms "HR low", the capnograph's apnoea on RR)."""
    param = row.key.rsplit(" ", 1)[0] if row.key.endswith((" low", " high")) else "RR" if row.key == "apnea" else ""
    return Alarm(
        row.key,
        AlarmCategory.CLINICAL,
        AlarmPriority.HIGH,
        row.message,
        row.t,
        row.value,
        row.limit_value,
        escalated_at=row.t,
        param=param,
    )


def recorded_event(row: AlarmEventRow) -> AlarmEvent:
    """An alarm event as recorded, in the form the live views take (the review shows the same lane and history)."""
    priority = AlarmPriority[row.priority.upper()] if row.priority else None
    category = AlarmCategory(row.category) if row.category else None
    action = AlarmAction(row.action)
    return AlarmEvent(row.t, action, row.key, row.message, priority, category, row.value, row.limit_value, row.who)
