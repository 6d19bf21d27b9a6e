"""The last values of a recorded session, judged by the same currency rule as the live screen (the PDF's line).

Qt-free. The record's last sample of each parameter, its last cuff reading and the monitor's last reported status
go through LatestValues, judged at the end of the record: a value the monitor flagged is "--" with the reason, one
older than its limit says how old it was.
"""

from __future__ import annotations

from monitor.app.latest_values import LatestValues
from monitor.app.session_record import SessionRecord
from monitor.clinical.currency import Currency, ShownValue
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, ValueState

SHOWN = (("HR", "HR"), ("SPO2", "SpO₂"), ("RR", "RR"), ("ETCO2", "EtCO₂"))


def last_values(record: SessionRecord) -> LatestValues:
    values = LatestValues(record.session.timebase == "device")
    values.on_link(True)  # the link's end is the session's end: each value is judged by its own age and flags
    values.on_samples(
        Sample(name, float(s.value[-1]), float(s.device_t[-1]), float(s.host_t[-1]))
        for name, s in record.series.items()
        if len(s.t) and not name.startswith("NIBP")
    )
    if record.nibp:
        r = record.nibp[-1]
        values.on_samples(
            Sample(name, v, r.t, r.host_t)
            for name, v in (("NIBP_SYS", r.sys), ("NIBP_DIA", r.dia), ("NIBP_MEAN", r.mean))
            if v is not None
        )
    if record.status:
        last = record.status[-1]
        values.on_status(
            DeviceStatus(
                last.t,
                last.host_t,
                frozenset(DeviceCondition(c) for c in last.conditions),
                tuple((p, ValueState(state)) for p, state in last.unavailable.items()),
            )
        )
    return values


def last_values_text(record: SessionRecord) -> str:
    """'HR 72 · SpO₂ -- (sensor off) · NIBP 122/78 (14 min before the end: not current) · RR 14'."""
    values = last_values(record)
    nibp = values.nibp(record.end)
    parts = [_part(label, values.shown(param, record.end)) for param, label in SHOWN[:2]]
    parts.append(_part("NIBP", nibp.sys, nibp.text))
    parts += [_part(label, values.shown(param, record.end)) for param, label in SHOWN[2:]]
    return " · ".join(p for p in parts if p) or "no monitor values recorded"


def _part(label: str, shown: ShownValue, text: str | None = None) -> str:
    if shown.currency is Currency.NONE:
        return ""
    if shown.currency is Currency.INVALID:
        return f"{label} -- ({shown.note})"
    if shown.currency is Currency.STALE:
        return f"{label} {text or shown.text} ({shown.note.replace(' ago', ' before the end')}: not current)"
    return f"{label} {text or shown.text}"
