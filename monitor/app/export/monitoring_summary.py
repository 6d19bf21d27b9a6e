"""The monitoring summary of one session: what the [PI]/[REMS] patient monitoring form and an IV ketamine handover
sheet ask for, from the session record. Qt-free; the PDF's summary page (monitor.ui.report_pdf) and the FHIR
bundle's Composition (monitor.app.export.fhir) both carry it.

Sources (shared/clinical.md "Monitoring during infusion" [PI]/[REMS], issue 19 point 6): BP before dosing, about
40 min after dosing, and before the session ends, with the times the readings were actually taken; sedation,
dissociation and respiratory depression yes/no with when each began and resolved; total monitoring time; when the
patient was clinically stable and ready to leave; concomitant medications; the dose. Nothing else of the [REMS]
form is invented here: REMS_FIELDS lists what this summary covers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from monitor.app.export.report_content import duration, when
from monitor.app.session_record import SessionRecord
from monitor.clinical.alarms import AlarmAction
from monitor.clinical.clinic_protocol import ProtocolKind
from monitor.clinical.entries import EntryKind, EntryView
from monitor.clinical.infusion import InfusionAction
from monitor.clinical.recovery import DISCHARGE_ALDRETE_AT_LEAST, aldrete_total
from monitor.clinical.scales import DissociationLevel, SideEffect
from monitor.clinical.sedation import SEDATION, Episode, pre_dose_moaas, sedation_episodes

BP_PEAK_AFTER_DOSING_S = 40 * 60.0  # [PI]: BP about 40 min after dosing (the rise peaks then)
REMS_OBSERVATION_S = 2 * 3600.0  # [PI]: observe at least 2 h after dosing (esketamine)
DISSOCIATION = "dissociation"
RESPIRATORY_DEPRESSION = "respiratory depression"
# The alarm conditions that mean respiratory depression (issue 19 point 6: SpO2/RR/EtCO2 alarms of the session):
# desaturation, a slow respiratory rate, hypoventilation (EtCO2 high, clinical.md "50 hypoventilation").
RESPIRATORY_ALARMS = ("SPO2 low", "RR low", "ETCO2 high")
MAX_EPISODES_LISTED = 4  # more than this are summed up (count, first and last), so the page stays one page

# What the summary covers of the [REMS] patient monitoring form, as clinical.md and issue 19 name its fields.
REMS_FIELDS: tuple[str, ...] = (
    "blood pressure before dosing",
    "blood pressure about 40 min after dosing",
    "blood pressure before the session ends",
    "sedation (yes/no, began, resolved)",
    "dissociation (yes/no, began, resolved)",
    "respiratory depression (yes/no, began, resolved)",
    "respiratory status incl. pulse oximetry",
    "total monitoring time (at least 2 h after dosing)",
    "clinically stable and ready to leave (time)",
    "concomitant medications",
    "dose",
)


@dataclass(frozen=True)
class BpCheck:
    """One scheduled blood pressure: the moment it was due and the reading nearest it (None: no reading)."""

    label: str
    due: float | None  # None: the moment is unknown (no dosing recorded)
    taken_at: float | None
    sys: float | None
    dia: float | None
    source: str = "NIBP"  # or "screening baseline" (typed by the nurse, before dosing)

    @property
    def off_by_s(self) -> float | None:
        """How far the reading was from the moment it was due (signed: negative = before)."""
        if self.due is None or self.taken_at is None:
            return None
        return self.taken_at - self.due


@dataclass(frozen=True)
class Occurrence:
    """Whether something happened in the session, and its episodes."""

    what: str
    episodes: tuple[Episode, ...]
    note: str = ""  # why it could not be judged fully (e.g. no pre-dose MOAA/S)

    @property
    def occurred(self) -> bool:
        return bool(self.episodes)

    @property
    def began(self) -> float | None:
        return min((e.began for e in self.episodes), default=None)

    @property
    def resolved(self) -> float | None:
        """When the last episode resolved; None when none occurred or one still lasts at the end of the record."""
        if not self.episodes or any(e.resolved is None for e in self.episodes):
            return None
        return max(e.resolved for e in self.episodes if e.resolved is not None)


@dataclass(frozen=True)
class MonitoringSummary:
    kind: ProtocolKind
    dosed_at: float | None  # the infusion's start
    bp: tuple[BpCheck, BpCheck, BpCheck]  # before dosing, ~40 min after, before the end
    sedation: Occurrence
    dissociation: Occurrence
    respiratory_depression: Occurrence
    lowest_spo2: float | None  # respiratory status: pulse oximetry over the session
    monitored_from: float
    monitored_to: float
    stable_at: float | None  # the first Aldrete >= 9 after the infusion stopped
    discharged_at: float | None
    medications: str | None  # from the screening; None: none recorded
    total_mg: float | None
    total_mg_kg: float | None
    rates: tuple[tuple[float, float], ...]  # (time, mg/kg/h) at the start and each change
    boluses: tuple[tuple[float, float], ...]  # (time, mg)

    @property
    def monitored_s(self) -> float:
        return self.monitored_to - self.monitored_from

    @property
    def observed_after_dosing_s(self) -> float | None:
        return None if self.dosed_at is None else self.monitored_to - self.dosed_at


def _live(record: SessionRecord, kind: EntryKind) -> list[EntryView]:
    return [v for v in record.entries if v.live and v.kind is kind]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _readings(record: SessionRecord) -> list[tuple[float, float | None, float | None]]:
    """The cuff readings with a systolic or diastolic value, as (time, sys, dia), in time order."""
    readings = [(record.nibp_time(r), _finite(r.sys), _finite(r.dia)) for r in record.nibp]
    return sorted(r for r in readings if r[1] is not None or r[2] is not None)


def _bp_before(record: SessionRecord, dosed_at: float | None) -> BpCheck:
    label = "Before dosing"
    if dosed_at is None:
        return BpCheck(label, None, None, None, None)
    before = [r for r in _readings(record) if r[0] <= dosed_at]
    if before:
        t, sys, dia = before[-1]
        return BpCheck(label, dosed_at, t, sys, dia)
    screenings = [v for v in _live(record, EntryKind.SCREENING) if v.t <= dosed_at]
    if screenings:  # the baseline the nurse typed with the screening
        s = screenings[-1]
        base = s.payload.get("baseline") or {}
        return BpCheck(label, dosed_at, s.t, base.get("sys"), base.get("dia"), "screening baseline")
    return BpCheck(label, dosed_at, None, None, None)


def _bp_nearest(record: SessionRecord, label: str, due: float | None) -> BpCheck:
    if due is None:
        return BpCheck(label, None, None, None, None)
    readings = _readings(record)
    if not readings:
        return BpCheck(label, due, None, None, None)
    t, sys, dia = min(readings, key=lambda r: abs(r[0] - due))
    return BpCheck(label, due, t, sys, dia)


def _bp_before_end(record: SessionRecord, end: float) -> BpCheck:
    before = [r for r in _readings(record) if r[0] <= end]
    if not before:
        return BpCheck("Before the end", end, None, None, None)
    t, sys, dia = before[-1]
    return BpCheck("Before the end", end, t, sys, dia)


def _dissociation(record: SessionRecord) -> Occurrence:
    """From the quick ratings (a level above "none" begins an episode, a "none" rating resolves it) and the
    dissociation side-effect entries (begin one; only a later "none" rating resolves it)."""
    marks: list[tuple[float, str | None]] = []  # (time, level; None = resolved)
    for v in _live(record, EntryKind.DISSOCIATION):
        level = str(v.payload["level"])
        marks.append((v.t, None if level == DissociationLevel.NONE else level))
    for v in _live(record, EntryKind.SIDE_EFFECT):
        if v.payload.get("effect") == SideEffect.DISSOCIATION:
            marks.append((v.t, f"{v.payload.get('severity', '')} (side effect)".strip()))
    marks.sort(key=lambda m: m[0])
    episodes: list[Episode] = []
    began: float | None = None
    levels: list[str] = []
    for t, level in marks:
        if level is not None:
            if began is None:
                began, levels = t, []
            levels.append(level)
        elif began is not None:
            episodes.append(Episode(DISSOCIATION, began, t, ", ".join(levels)))
            began = None
    if began is not None:
        episodes.append(Episode(DISSOCIATION, began, None, ", ".join(levels)))
    return Occurrence(DISSOCIATION, tuple(episodes))


def _respiratory_depression(record: SessionRecord) -> Occurrence:
    """Each onset of a respiratory alarm of the session, resolved when that alarm cleared."""
    episodes: list[Episode] = []
    open_: dict[str, tuple[float, str]] = {}
    for a in sorted(record.alarms, key=lambda a: a.t):
        if a.key not in RESPIRATORY_ALARMS:
            continue
        if a.action == AlarmAction.ONSET and a.key not in open_:
            open_[a.key] = (a.t, a.message)
        elif a.action == AlarmAction.CLEAR and a.key in open_:
            began, message = open_.pop(a.key)
            episodes.append(Episode(RESPIRATORY_DEPRESSION, began, a.t, message))
    episodes += [Episode(RESPIRATORY_DEPRESSION, t, None, message) for t, message in open_.values()]
    return Occurrence(RESPIRATORY_DEPRESSION, tuple(sorted(episodes, key=lambda e: e.began)))


def _sedation(record: SessionRecord) -> Occurrence:
    pre = pre_dose_moaas(record.entries)
    note = "" if pre is not None else "no pre-dose MOAA/S recorded: only loss of consciousness (MOAA/S 0) is marked"
    return Occurrence(SEDATION, tuple(sedation_episodes(record.entries, pre)), note)


def _stable_at(record: SessionRecord) -> float | None:
    stopped = record.infusion.stopped_at
    scores = [
        v.t
        for v in _live(record, EntryKind.ALDRETE)
        if (stopped is None or v.t >= stopped) and aldrete_total(v.payload) >= DISCHARGE_ALDRETE_AT_LEAST
    ]
    return min(scores, default=None)


def _dose_steps(events: Sequence[EntryView]) -> tuple[tuple[tuple[float, float], ...], tuple[tuple[float, float], ...]]:
    rates = tuple(
        (v.t, float(v.payload["rate_mg_kg_h"]))
        for v in events
        if v.payload["action"] in (InfusionAction.START, InfusionAction.RATE)
    )
    boluses = tuple((v.t, float(v.payload["dose_mg"])) for v in events if v.payload["action"] == InfusionAction.BOLUS)
    return rates, boluses


def monitoring_summary(record: SessionRecord) -> MonitoringSummary:
    """The summary of `record` under its clinic's protocol kind (record.protocol_kind)."""
    inf = record.infusion
    dosed_at = inf.started_at
    discharges = _live(record, EntryKind.DISCHARGE)
    discharged_at = discharges[-1].t if discharges else None
    end = discharged_at if discharged_at is not None else record.end
    screenings = _live(record, EntryKind.SCREENING)
    medications = str(screenings[-1].payload.get("medications") or "") if screenings else ""
    spo2 = record.series.get("SPO2")
    finite = spo2.value[np.isfinite(spo2.value)] if spo2 is not None else np.array([])
    lowest = float(finite.min()) if finite.size else None
    rates, boluses = _dose_steps(_live(record, EntryKind.INFUSION))
    dosed = inf.settings is not None and dosed_at is not None
    due_40 = None if dosed_at is None else dosed_at + BP_PEAK_AFTER_DOSING_S
    return MonitoringSummary(
        kind=record.protocol_kind,
        dosed_at=dosed_at,
        bp=(
            _bp_before(record, dosed_at),
            _bp_nearest(record, "About 40 min after dosing", due_40),
            _bp_before_end(record, end),
        ),
        sedation=_sedation(record),
        dissociation=_dissociation(record),
        respiratory_depression=_respiratory_depression(record),
        lowest_spo2=lowest,
        monitored_from=record.session.started_at,
        monitored_to=end,
        stable_at=_stable_at(record),
        discharged_at=discharged_at,
        medications=medications or None,
        total_mg=inf.total_mg if dosed else None,
        total_mg_kg=inf.total_mg_kg if dosed else None,
        rates=rates,
        boluses=boluses,
    )


# --- the summary as text: the PDF page and the FHIR Composition say the same -------------------------------------


def summary_title(kind: ProtocolKind) -> str:
    if kind is ProtocolKind.ESKETAMINE_REMS:
        return "Monitoring summary — REMS patient monitoring form"
    return "Monitoring summary — handover sheet"


def _signed(seconds: float) -> str:
    return f"{duration(abs(seconds))} {'before' if seconds < 0 else 'after'}"


def bp_text(record: SessionRecord, check: BpCheck) -> str:
    if check.due is None:
        return "no dosing recorded"
    if check.taken_at is None:
        return f"due {when(record, check.due)}: no reading"
    sys = "—" if check.sys is None else f"{check.sys:g}"
    dia = "—" if check.dia is None else f"{check.dia:g}"
    off = check.off_by_s
    off_text = "at that moment" if off is None or abs(off) < 1 else f"{_signed(off)} it was due"
    source = "" if check.source == "NIBP" else f" ({check.source})"
    return f"{sys}/{dia} mmHg taken {when(record, check.taken_at)}{source}; due {when(record, check.due)}, {off_text}"


def occurrence_text(record: SessionRecord, occurrence: Occurrence) -> str:
    episodes = occurrence.episodes
    one_kind = all(e.kind == occurrence.what for e in episodes)  # sedation's are of two kinds: each says its own

    def episode_text(e: Episode) -> str:
        resolved = f"resolved {when(record, e.resolved)}" if e.resolved is not None else "not resolved by the end"
        return f"{'' if one_kind else f'{e.kind}: '}began {when(record, e.began)}, {resolved} ({e.detail})"

    if not episodes:
        text = "No"
    elif len(episodes) > MAX_EPISODES_LISTED:  # e.g. an alarm flapping at its limit: the span, the first and last
        resolved = occurrence.resolved
        last = f"resolved {when(record, resolved)}" if resolved is not None else "not all resolved by the end"
        text = (
            f"Yes — {len(episodes)} episodes, the first began {when(record, occurrence.began or 0)}, {last}; "
            f"first: {episode_text(episodes[0])}; last: {episode_text(episodes[-1])}"
        )
    else:
        text = "Yes — " + "; ".join(episode_text(e) for e in episodes)
    return f"{text} ({occurrence.note})" if occurrence.note else text


def summary_rows(record: SessionRecord, summary: MonitoringSummary | None = None) -> list[tuple[str, str]]:
    """(label, value) rows, in the order of the [PI]/[REMS] monitoring form's items as clinical.md lists them."""
    s = summary if summary is not None else monitoring_summary(record)
    rems = s.kind is ProtocolKind.ESKETAMINE_REMS
    rows = [("Protocol", f"{s.kind.value} (clinic.json \"protocol\")")]
    rows.append(("Dosing", f"started {when(record, s.dosed_at)}" if s.dosed_at is not None else "no dosing recorded"))
    rows += [(f"BP {c.label.lower()}", bp_text(record, c)) for c in s.bp]
    rows += [
        ("Sedation", occurrence_text(record, s.sedation)),
        ("Dissociation", occurrence_text(record, s.dissociation)),
        ("Respiratory depression", occurrence_text(record, s.respiratory_depression)),
        (
            "Pulse oximetry",
            f"lowest SpO₂ {s.lowest_spo2:g} %" if s.lowest_spo2 is not None else "no SpO₂ recorded",
        ),
    ]
    monitored = f"{duration(s.monitored_s)} ({when(record, s.monitored_from)} – {when(record, s.monitored_to)})"
    after = s.observed_after_dosing_s
    if after is not None:
        monitored += f"; {duration(after)} after dosing"
        if rems and after < REMS_OBSERVATION_S:
            monitored += " — less than the 2 h after dosing the [PI] asks for"
    rows.append(("Total monitoring time", monitored))
    if s.stable_at is None:
        stable = f"no modified Aldrete ≥ {DISCHARGE_ALDRETE_AT_LEAST} recorded after the infusion"
    else:
        stable = f"{when(record, s.stable_at)} (modified Aldrete ≥ {DISCHARGE_ALDRETE_AT_LEAST}"  # [ALDRETE]
        if s.dosed_at is not None:  # [REMS] asks it in minutes from the start of administration
            stable += f", {round((s.stable_at - s.dosed_at) / 60)} min from the start of dosing"
        stable += ")"
    discharged = f"; discharged {when(record, s.discharged_at)}" if s.discharged_at is not None else "; not discharged"
    rows.append(("Clinically stable, ready to leave", stable + discharged))
    rows.append(("Concomitant medications", s.medications or "none recorded with the screening"))
    if s.total_mg is None:
        rows.append(("Dose", "no infusion recorded"))
    else:
        dose = f"{s.total_mg:.1f} mg = {s.total_mg_kg:.2f} mg/kg in total"
        steps = [f"{rate:g} mg/kg/h from {when(record, t)}" for t, rate in s.rates]
        steps += [f"bolus {mg:g} mg at {when(record, t)}" for t, mg in s.boluses]
        rows.append(("Dose", dose + ("; " + "; ".join(steps) if steps else "")))
    return rows
