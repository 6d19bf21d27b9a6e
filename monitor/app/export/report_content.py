"""What the PDF session record says: its texts and rows, section by section, from a SessionRecord.

Qt-free: strings, (label, value) rows and small dataclasses. How they are laid out on A4 pages and painted is
monitor.ui.report_pdf (with monitor.ui.report_pdf_charts for the vital-sign charts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from monitor.app.lifecycle import end_text
from monitor.app.session_record import SessionRecord
from monitor.clinical.alarm_history import collapse_repeats
from monitor.clinical.alarms import SOUND_KEY, AlarmAction
from monitor.clinical.entries import EntryAction, EntryKind, EntryView, describe
from monitor.clinical.infusion import InfusionSettings, InfusionState
from monitor.clinical.nibp import NIBP_PARAMS
from monitor.storage.db import SessionState
from monitor.timefmt import clock_text
from monitor.wording import count

TITLE = "Ketamine infusion session record"
LINK_GAP_STATES = frozenset({"disconnected", "silent", "gap"})
_UNIX_TIME = re.compile(r"\b1\d{9}(?:\.\d+)?\b")


def when(record: SessionRecord, t: float) -> str:
    """Local time; with the date when it is not the session's first day (a session may pass midnight)."""
    when = datetime.fromtimestamp(t)
    if when.date() == datetime.fromtimestamp(record.session.started_at).date():
        return clock_text(t)
    return when.strftime("%d %b %H:%M:%S")


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def header_rows(record: SessionRecord) -> list[tuple[str, str]]:
    """The (label, value) rows under the title: patient, course, session, times, monitor, nurses, alarm sound."""
    s = record.session
    start, end = s.started_at, record.end
    if s.state is SessionState.OPEN:
        times = f"{when(record, start)} – {end_text(s)}; data to {when(record, end)} ({duration(end - start)})"
    else:
        times = f"{when(record, start)} – {when(record, end)} ({duration(end - start)}); {end_text(s)}"
    timebase = "the monitor's clock" if s.timebase == "device" else "this computer's clock"
    return [
        ("Patient", record.patient_text),
        ("Course", record.course_text),
        ("Session", f"{s.id}, {datetime.fromtimestamp(start).strftime('%A %Y-%m-%d')}"),
        ("Time (local)", times),
        ("Monitor", f"{s.source} · protocol {s.protocol} · times from {timebase}"),
        ("Clinic protocol", ", then ".join(k.value for k in record.protocol_kinds)),
        ("Nurses (initials)", ", ".join(record.initials) or "none recorded"),
        *sound_rows(record),
    ]


def chain_head_text(record: SessionRecord) -> str:
    """The audit chain's hash after this session's last entry, and how to prove the file still matches this paper
    (`verify --expect`): a chain rewritten after printing no longer contains it."""
    if not record.chain_head:
        return "no entries recorded (nothing chained to check against)"
    at_desk = f" at desk {record.desk}" if record.desk else ""  # the desk's own key checks it
    return f"{record.chain_head} — check{at_desk}: infusion-monitor verify --expect {record.chain_head} " \
        f"--session {record.session.id}"


def sound_rows(record: SessionRecord) -> list[tuple[str, str]]:
    """The standing 'no alarm sound' condition, said at the top: from then on the session's alarms were visual."""
    onsets = [a for a in record.alarms if a.key == SOUND_KEY and a.action == AlarmAction.ONSET]
    return [("Alarm sound", f"NONE from {when(record, onsets[0].t)}: {onsets[0].message}")] if onsets else []


def _infusion_events(record: SessionRecord) -> list[EntryView]:
    """The infusion events that count: struck ones are not part of the totals, amended ones as corrected."""
    return [v for v in record.entries if v.kind is EntryKind.INFUSION and v.live]


def _rate_text(record: SessionRecord, events: Sequence[EntryView], settings: InfusionSettings) -> str:
    lines = []
    for v in events:
        action = v.payload["action"]
        if action in ("start", "rate"):
            rate = float(v.payload["rate_mg_kg_h"])
            what = "start" if action == "start" else "changed"
            lines.append(f"{when(record, v.t)}   {rate:g} mg/kg/h = {settings.pump_rate_ml_h(rate):.1f} mL/h ({what})")
    return "\n".join(lines)


def _pause_text(record: SessionRecord, events: Sequence[EntryView]) -> str:
    spans: list[str] = []
    since: float | None = None
    for v in events:
        action = v.payload["action"]
        if action == "pause":
            since = v.t
        elif action in ("resume", "stop") and since is not None:
            spans.append(f"{when(record, since)} – {when(record, v.t)} ({duration(v.t - since)})")
            since = None
    if since is not None:
        spans.append(f"from {when(record, since)}, still paused at the end of the record")
    return "\n".join(spans) or "none"


def _bolus_text(record: SessionRecord, events: Sequence[EntryView]) -> str:
    boluses = [v for v in events if v.payload["action"] == "bolus"]
    if not boluses:
        return "none"
    total = sum(float(v.payload["dose_mg"]) for v in boluses)
    listed = "; ".join(f"{float(v.payload['dose_mg']):g} mg at {when(record, v.t)}" for v in boluses)
    return f"{len(boluses)}, {total:g} mg in all: {listed}"


def infusion_rows(record: SessionRecord) -> list[tuple[str, str]]:
    inf = record.infusion
    if inf.settings is None or inf.started_at is None:
        return [("Infusion", "No infusion recorded in this session")]
    events = _infusion_events(record)
    settings = inf.settings
    if inf.stopped_at is not None:
        stopped = when(record, inf.stopped_at)
    else:
        stopped = f"not stopped ({inf.state.value} at the end of the record)"
    rows = [
        ("Drug", f"{settings.drug} {settings.concentration_mg_ml:g} mg/mL"),
        ("Patient weight", f"{settings.weight_kg:g} kg"),
        ("Started – stopped", f"{when(record, inf.started_at)} – {stopped}"),
        ("Infusing time", f"{duration(inf.infused_s)} (pauses excluded)"),
        ("Dose rate", _rate_text(record, events, settings)),
        ("Pauses", _pause_text(record, events)),
        ("Boluses", _bolus_text(record, events)),
        (
            "Total dose",
            f"{inf.total_mg:.1f} mg = {inf.total_mg_kg:.2f} mg/kg "
            f"(infusion {inf.infused_mg:.1f} mg + boluses {inf.bolus_mg:g} mg)",
        ),
    ]
    if inf.state is InfusionState.RUNNING:
        rows.append(("Note", "The infusion was still running: totals are to the end of the record."))
    struck = [v for v in record.entries if v.kind is EntryKind.INFUSION and v.struck]
    if struck:
        struck_text = count(len(struck), "struck-through infusion entry", "struck-through infusion entries")
        rows.append(("Not counted", struck_text))
    return rows


@dataclass(frozen=True)
class EntryContent:
    """One row of the entries table: when, the entry (as corrected), the original beneath an amendment, who, and
    the corrections as (line, is a strike)."""

    when: str
    text: str
    struck: bool
    original: str | None
    initials: str
    corrections: list[tuple[str, bool]]


def entry_content(record: SessionRecord, v: EntryView) -> EntryContent:
    original = None
    if v.amended:
        original = describe(v.kind, v.original.payload)
        if v.original.t != v.current.t:
            original += f" at {when(record, v.original.t)}"
        original = f"Originally: {original}"
    corrections = []
    for c in v.corrections:
        verb = "Struck through" if c.action is EntryAction.STRIKE else "Amended"
        corrections.append(
            (f"{verb} {when(record, c.recorded_at)} by {c.initials}: {c.reason}", c.action is EntryAction.STRIKE)
        )
    return EntryContent(
        when(record, v.t), describe(v.kind, v.payload), v.struck, original, v.original.initials, corrections
    )


def alarm_rows(record: SessionRecord) -> list[tuple[float, str]]:
    """One row per alarm condition's repeats (count and last time), as in the Alarm history tab."""
    rows = []
    for r in collapse_repeats(record.alarms):
        a = r.first
        priority = f" [{a.priority}]" if a.priority else ""
        who = f" — {a.who}" if a.who else ""
        repeats = f" ({r.span_text(lambda t: when(record, t))})" if r.count > 1 else ""
        rows.append((a.t, f"{a.action}{priority}: {a.message}{who}{repeats}"))
    return rows


def _readable_detail(detail: str) -> str:
    """Link-event details written by the recorder carry Unix times (a restart's 'no data from X to Y'):
    shown to a reader as clock times."""
    return _UNIX_TIME.sub(lambda m: clock_text(float(m.group())), detail)


def link_gap_rows(record: SessionRecord) -> list[tuple[str, str, str, str]]:
    """Each disconnection or silence of the monitor: time, link state, detail, and when data came back."""
    rows = []
    events = sorted(record.link_events, key=lambda e: e.t)
    for i, e in enumerate(events):
        if e.state not in LINK_GAP_STATES:
            continue
        back = next((later for later in events[i + 1 :] if later.state == "receiving"), None)
        until = f"{when(record, back.t)} ({duration(back.t - e.t)})" if back else ""
        rows.append((when(record, e.t), e.state, _readable_detail(e.detail), until))
    return rows


def data_breaks(record: SessionRecord, gap_s: float) -> list[tuple[float, float]]:
    """Stretches with no continuous vital sign for more than `gap_s` (from the start, between samples, to the
    end): the breaks the charts show, whatever their cause."""
    times = [s.t for name, s in record.series.items() if name not in NIBP_PARAMS and s.t.size]
    start, end = record.session.started_at, record.end
    if not times:
        return [(start, end)] if end - start > gap_s else []
    t = np.unique(np.concatenate([[start], *times, [end]]))
    at = np.flatnonzero(np.diff(t) > gap_s)
    return [(float(t[i]), float(t[i + 1])) for i in at]
