"""SessionService: the nurse's entries for one session -- validate, store durably, then tell the listeners.

Qt-free; any thread may call it. `record`, `amend` and `strike` validate at once (raising EntryError with the
message for the nurse, and storing nothing) and return a Future that completes when the entry is committed
and fsynced. The GUI confirms an entry only from that future, so it never waits for the disk itself.
Listeners run on the writer thread, after the entry is on disk.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from monitor.app.desk import Desk
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ClinicProtocol, ProtocolKind
from monitor.clinical.cosign import COSIGNED_BY, Safeguard, above_ceiling, screening_override
from monitor.clinical.entries import (
    PROGRAM_INITIALS,
    Entry,
    EntryAction,
    EntryKind,
    EntryView,
    resolve,
    validate_initials,
    validate_payload,
    validate_reason,
)
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits, InfusionStatus
from monitor.clinical.record_rules import check_screening, infusion_status, latest, refuse_after_discharge
from monitor.clinical.record_rules import discharge_facts as record_discharge_facts
from monitor.clinical.recovery import (
    CIRCULATION_IN,
    DischargeFacts,
    MonitorValues,
    aldrete_contradictions,
    discharge_refusals,
)
from monitor.clinical.schedule import BP_BEFORE_END, Check, CheckStatus, checks, rems_bp_checks
from monitor.clinical.screening import ScreeningResult
from monitor.clinical.screening import evaluate as evaluate_screening
from monitor.storage.db import EntryRow
from monitor.storage.writer import SessionWriter
from monitor.timefmt import clock_text

log = logging.getLogger(__name__)

EntryListener = Callable[[Entry], None]
AlarmSource = Callable[[], Sequence[str]]  # the high-priority clinical alarms indicated now
ValuesSource = Callable[[], MonitorValues | None]  # what the monitor shows now, judged current or not
FUTURE_SLACK_S = 60.0  # a back-dated time may not lie ahead of now; a minute covers clock skew between PCs


class SessionService:
    def __init__(
        self,
        writer: SessionWriter,
        session_id: int,
        started_at: float,
        *,
        clock: Callable[[], float] = time.time,
        limits: InfusionLimits | None = None,
        initials: str = "",
        entries: list[Entry] | None = None,
        require_screening: bool = False,
        min_observation_s: float | None = None,
        protocol: ClinicProtocol = DEFAULT_PROTOCOL,
    ) -> None:
        """`require_screening`: the infusion may start only after a screening that allows it (the clinic
        workflow; off for bare recordings and tests of other things). `protocol`: the clinic's numbers (dose
        limits, check interval, start gate, observation time); `limits` and `min_observation_s` override it."""
        self.writer = writer
        self.session_id = session_id
        self.started_at = started_at
        self.clock = clock
        self.protocol = protocol
        self.limits = limits or protocol.infusion
        self._initials = validate_initials(initials) if initials else ""
        self._desk: Desk | None = None  # with a desk, who records is its signed-in account, never typed
        self.require_screening = require_screening
        self.min_observation_s = protocol.min_observation_s if min_observation_s is None else min_observation_s
        self._lock = threading.Lock()
        self._stored: list[Entry] = list(entries or [])
        self._pending: dict[int, Entry] = {}  # submitted, not yet on disk; ids below zero until then
        self._provisional = itertools.count(-1, -1)
        self._listeners: list[EntryListener] = []
        self._high_alarms: AlarmSource = lambda: ()
        self._monitor_values: ValuesSource = lambda: None
        self._patient_assigned: Callable[[], bool] | None = None
        self._acts_alone: Callable[[], bool] | None = None
        self._missed_lock = threading.Lock()  # one caller at a time decides which missed checks are new

    def watch_alarms(self, source: AlarmSource) -> None:
        """Where discharge learns the high-priority clinical alarms of this session (the chair's AlarmService)."""
        self._high_alarms = source

    def require_patient(self, assigned: Callable[[], bool]) -> None:
        """The infusion may start only once `assigned()` says a patient is assigned to this session (the clinic
        workflow: a Chair wires it; bare recordings and tests of other things leave it off)."""
        self._patient_assigned = assigned

    def require_cosign(self, acts_alone: Callable[[], bool]) -> None:
        """Overriding a blocking screening, and a dose above the ceiling where the clinic allows exceeding it, need
        a co-signer (`cosigned_by`, from app.cosign) unless `acts_alone()` says the signed-in user is a charge
        nurse / prescriber (issue 18 point 4)."""
        self._acts_alone = acts_alone

    def needs_cosign(self, kind: EntryKind, payload: Mapping[str, Any]) -> Safeguard | None:
        """The safeguard this entry (as a form would submit it) needs a co-signer for, or None: not one, the
        signed-in user acts alone, or it would be refused even co-signed (past the absolute bolus limit, a locked
        desk...: `record` says why, and nobody is asked to co-sign what cannot be recorded)."""
        kind = EntryKind(kind)
        try:
            clean = self._against_monitor(kind, validate_payload(kind, payload, self.limits))
            safeguard = self._safeguard(kind, clean)
            if safeguard is None or self._alone(safeguard):
                return None
            self._submit(kind, clean | {COSIGNED_BY: "?"}, None, EntryAction.CREATE, None, "", dry_run=True)
        except EntryError:
            return None
        return safeguard

    def _alone(self, safeguard: Safeguard) -> bool:
        # no hook wired: a screening override stays as before; a dose above the ceiling (new, only where the clinic
        # allows exceeding it) is refused, nobody being there to vouch for it
        return self._acts_alone() if self._acts_alone else safeguard is Safeguard.SCREENING_OVERRIDE

    def _check_cosign(self, kind: EntryKind, payload: Mapping[str, Any]) -> None:
        safeguard = self._safeguard(kind, payload)
        if safeguard is not None and not payload.get(COSIGNED_BY) and not self._alone(safeguard):
            raise EntryError(
                f"{safeguard.capitalize()} needs a charge nurse or prescriber: ask one to co-sign with their PIN"
            )
        if payload.get(COSIGNED_BY) and payload[COSIGNED_BY] == self.initials:
            raise EntryError("A second person co-signs: not the signed-in user")

    def _safeguard(self, kind: EntryKind, payload: Mapping[str, Any]) -> Safeguard | None:
        """Which act where a second person is the safeguard this entry is, if any."""
        if kind is EntryKind.INFUSION and self._above_ceiling(payload):
            return Safeguard.DOSE_ABOVE_CEILING
        blocks = evaluate_screening(payload, self.protocol.bp_gate).blocks if kind is EntryKind.SCREENING else ()
        return Safeguard.SCREENING_OVERRIDE if screening_override(payload, blocks) else None

    def _above_ceiling(self, payload: Mapping[str, Any]) -> bool:
        if not self.limits.allow_above_ceiling:
            return False  # refused outright, as before (validation and the infusion fold say why)
        rate = payload.get("rate_mg_kg_h")
        if rate is not None and above_ceiling(rate, self.limits.max_rate_mg_kg_h):
            return True
        settings = self.infusion().settings
        dose = payload.get("dose_mg")
        return (
            dose is not None
            and settings is not None
            and above_ceiling(dose, self.limits.max_bolus_mg_kg * settings.weight_kg)
        )

    def _check_patient(self) -> None:
        if self._patient_assigned is not None and not self._patient_assigned():
            raise EntryError("Assign the patient to this session before starting the infusion (Patient & course…)")

    def watch_values(self, source: ValuesSource) -> None:
        """Where an Aldrete score is checked against the monitor's values; called on the recording thread."""
        self._monitor_values = source

    def add_listener(self, listener: EntryListener) -> None:
        self._listeners.append(listener)

    def set_initials(self, text: str) -> str:
        """Headless recordings and tests only: at a desk the initials are the signed-in account's (sign_in_at)."""
        self._initials = validate_initials(text)
        return self.initials

    def sign_in_at(self, desk: Desk) -> None:
        """Entries are attributed to `desk`'s signed-in account; a locked desk records none (NotSignedIn)."""
        self._desk = desk

    @property
    def initials(self) -> str:
        return self._desk.initials if self._desk is not None else self._initials

    # --- reading --------------------------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._stored)

    def views(self) -> list[EntryView]:
        return resolve(self.entries())

    def infusion(self, now: float | None = None) -> InfusionStatus:
        return infusion_status(resolve(self.entries()), self.clock() if now is None else now, self.limits)

    def _latest_screening(self) -> EntryView | None:
        return latest(self.views(), EntryKind.SCREENING)

    def baseline(self) -> Mapping[str, float] | None:
        """The pre-infusion vitals (sys, dia, hr, spo2) for the recovery comparison ([ALDRETE] circulation: "the
        pre-infusion level"): the screening's, the latest one recorded before the infusion started -- the values the
        start was judged on -- not a screening recorded later, nor the first cuff reading (which may come after
        the start, or be a single reading the nurse never confirmed)."""
        views = self.views()
        started = infusion_status(views, self.clock(), self.limits).started_at
        screening = latest(views, EntryKind.SCREENING, float("inf") if started is None else started)
        return screening.payload.get("baseline") if screening else None

    def screening(self) -> ScreeningResult | None:
        """What the latest screening means for the start (None: not screened yet)."""
        screening = self._latest_screening()
        return evaluate_screening(screening.payload, self.protocol.bp_gate) if screening else None

    def schedule(self, nibp_times: Iterable[float], now: float | None = None) -> list[Check]:
        """The observation checks of this session so far, from the infusion start to discharge."""
        now = self.clock() if now is None else now
        views = self.views()
        discharge = latest(views, EntryKind.DISCHARGE)
        start = infusion_status(views, now, self.limits).started_at
        end = discharge.t if discharge else None
        nibp_times = list(nibp_times)
        interval = self.protocol.check_interval_s
        regular = checks(start, end, now, views, nibp_times, interval, self.protocol.check_grace_s)
        if self.protocol.kind is not ProtocolKind.ESKETAMINE_REMS:
            return regular
        scheduled = rems_bp_checks(start, end, now, nibp_times, interval, self.min_observation_s)
        return sorted([*regular, *scheduled], key=lambda c: c.due_at)

    def discharge_refusals(self, checklist: Mapping[str, bool], now: float | None = None) -> list[str]:
        now = self.clock() if now is None else now
        return discharge_refusals(
            self._discharge_facts(self.views(), now, self._last_cuff_at()),
            checklist,
            now,
            self.min_observation_s,
            self.protocol.check_interval_s,
            self.protocol.observe_from,
            self.protocol.kind is ProtocolKind.ESKETAMINE_REMS,
        )

    def record_missed_checks(self, nibp_times: Iterable[float], now: float | None = None) -> list[Future[Entry]]:
        """Put each missed check on the record once, as an entry by the program (PROGRAM_INITIALS) at the check's
        due time. Idempotent: a check already on the record (stored, in flight, or struck since) is never recorded
        again, in this run or after a restart (the session's entries are read back on resume)."""
        with self._missed_lock:
            with self._lock:
                known = {
                    (float(e.payload["due_at"]), e.payload.get("check", ""))
                    for e in (*self._stored, *self._pending.values())
                    if e.kind is EntryKind.MISSED_CHECK and e.action is EntryAction.CREATE
                }
            return [
                self._submit(
                    EntryKind.MISSED_CHECK,
                    {"due_at": c.due_at, "missing": list(c.missing)} | ({"check": c.what} if c.what else {}),
                    c.due_at,
                    EntryAction.CREATE,
                    None,
                    "",
                    by=PROGRAM_INITIALS,
                )
                for c in self.schedule(nibp_times, now)
                if c.status is CheckStatus.MISSED and (c.due_at, c.what) not in known and c.what != BP_BEFORE_END
            ]

    def discharged(self) -> bool:
        return self.discharge() is not None

    def discharge(self) -> EntryView | None:
        """The discharge that closed this session (when and by whom), or None while it is open."""
        return latest(self.views(), EntryKind.DISCHARGE)

    # --- writing --------------------------------------------------------------------------------------------

    def record(self, kind: EntryKind, payload: Mapping[str, Any], t: float | None = None) -> Future[Entry]:
        """A new entry at `t` (default now)."""
        kind = EntryKind(kind)
        clean = self._against_monitor(kind, validate_payload(kind, payload, self.limits))
        self._check_cosign(kind, clean)
        return self._submit(kind, clean, t, EntryAction.CREATE, None, "")

    def check(self, kind: EntryKind, payload: Mapping[str, Any], t: float | None = None) -> Entry:
        """The entry `record` would store now, or EntryError with why not; nothing is stored (so a form can ask
        the nurse to confirm exactly what will be recorded)."""
        kind = EntryKind(kind)
        clean = self._against_monitor(kind, validate_payload(kind, payload, self.limits))
        self._check_cosign(kind, clean)
        return self._submit(kind, clean, t, EntryAction.CREATE, None, "", dry_run=True).result()

    def amend(self, target_id: int, payload: Mapping[str, Any], reason: str, t: float | None = None) -> Future[Entry]:
        """Correct an entry: new content (and time, if given) with a reason; the original stays on record."""
        original = self._original(target_id)
        if original.initials == PROGRAM_INITIALS:
            raise EntryError("What the program recorded cannot be amended; strike it through with a reason if wrong")
        clean = self._against_monitor(original.kind, validate_payload(original.kind, payload, self.limits))
        self._check_cosign(original.kind, clean)
        when = self._current(original.id).t if t is None else t
        return self._submit(original.kind, clean, when, EntryAction.AMEND, original.id, validate_reason(reason))

    def strike(self, target_id: int, reason: str) -> Future[Entry]:
        """Strike an entry through with a reason; it stays on record, shown struck, and counts no more."""
        original = self._original(target_id)
        current = self._current(original.id)
        return self._submit(
            original.kind, dict(current.payload), current.t, EntryAction.STRIKE, original.id, validate_reason(reason)
        )

    # --- internals ------------------------------------------------------------------------------------------

    def _discharge_facts(self, views: list[EntryView], now: float, cuff_at: float | None) -> DischargeFacts:
        facts = record_discharge_facts(views, now, self.limits)
        return replace(facts, high_alarms=tuple(self._high_alarms()), last_cuff_at=cuff_at)

    def _last_cuff_at(self) -> float | None:
        """When the monitor's latest cuff reading was taken (not under self._lock: the source reads the entries)."""
        if self.protocol.kind is not ProtocolKind.ESKETAMINE_REMS:
            return None  # only that protocol's discharge asks (BP before the session ends)
        values = self._monitor_values()
        return values.cuff_taken_at if values else None

    def _against_monitor(self, kind: EntryKind, payload: dict[str, Any]) -> dict[str, Any]:
        """An Aldrete score may not claim more than the monitor shows; where the clinic allows it, it is kept
        with the nurse's reason, what it contradicts and the values, on the record."""
        if kind is not EntryKind.ALDRETE:
            return payload
        # which circulation variant the score was given in, so the record (and its PDF) says what "2" meant
        payload[CIRCULATION_IN] = self.protocol.aldrete_circulation.value
        values = self._monitor_values()
        if values is None:  # no monitor to judge by (a bare service): nothing to contradict
            payload.pop("override_reason", None)
            return payload
        rr = self.protocol.limits.get("RR")
        found = aldrete_contradictions(
            payload, values, (rr.low, rr.high) if rr else (None, None), self.protocol.aldrete_circulation
        )
        if not found:
            payload.pop("override_reason", None)
            return payload
        shown = f"The Aldrete score contradicts the monitor: {'; '.join(found)} (now: {values.describe()})"
        if not self.protocol.aldrete_override:
            raise EntryError(shown + ". Score what the patient and the monitor show now.")
        if len(payload.get("override_reason", "")) < 3:
            raise EntryError(shown + ". To keep this score, give the reason (recorded with it).")
        return payload | {"contradicts": [*found, f"monitor: {values.describe()}"]}

    def _original(self, entry_id: int) -> Entry:
        with self._lock:
            by_id = {e.id: e for e in self._stored}
        entry = by_id.get(entry_id)
        if entry is None:
            raise EntryError(f"There is no entry {entry_id} in this session")
        if entry.target_id is not None:  # a correction was picked: correct the entry it corrects
            entry = by_id[entry.target_id]
        view = next(v for v in resolve(by_id.values()) if v.id == entry.id)
        if view.struck:
            raise EntryError("This entry is struck through already; record a new entry instead")
        return entry

    def _current(self, original_id: int) -> Entry:
        return next(v.current for v in self.views() if v.id == original_id)

    def _check_time(self, t: float) -> None:
        now = self.clock()
        if t < self.started_at:
            raise EntryError(
                f"Time {clock_text(t)} is before this session started ({clock_text(self.started_at)}): "
                "choose a time within the session"
            )
        if t > now + FUTURE_SLACK_S:
            raise EntryError(f"Time {clock_text(t)} is in the future (it is now {clock_text(now)})")

    def _submit(
        self,
        kind: EntryKind,
        payload: dict[str, Any],
        t: float | None,
        action: EntryAction,
        target_id: int | None,
        reason: str,
        dry_run: bool = False,
        by: str | None = None,
    ) -> Future[Entry]:
        """Check and store; with `dry_run`, only check (EntryError with why not) and return a done future.
        `by`: who records it, when not the nurse at the desk (PROGRAM_INITIALS for the program's own)."""
        if not by and self._desk is not None:
            self._desk.require("record an entry")
        initials = by or self.initials
        if not initials:
            raise EntryError("Enter your initials (2 to 4 letters) before recording")
        now = self.clock()
        when = now if t is None else float(t)
        self._check_time(when)
        if kind is EntryKind.INFUSION and payload.get("action") == "start" and action is EntryAction.CREATE:
            self._check_patient()  # a read of the database: outside the lock
        cuff_at = self._last_cuff_at() if kind is EntryKind.DISCHARGE else None  # outside the lock too
        with self._lock:
            refuse_after_discharge(resolve([*self._stored, *self._pending.values()]))
            entry = Entry(
                next(self._provisional),
                self.session_id,
                kind,
                when,
                now,
                initials,
                payload,
                action,
                target_id,
                reason,
            )
            views = resolve([*self._stored, *self._pending.values(), entry])
            if kind is EntryKind.INFUSION:
                # Fold the whole sequence with this entry in place: an impossible order is refused here.
                infusion_status(views, now, self.limits)
                if self.require_screening and payload.get("action") == "start" and action is not EntryAction.STRIKE:
                    check_screening(views, when, self.protocol.bp_gate)
            elif kind is EntryKind.DISCHARGE and action is EntryAction.CREATE:
                refusals = discharge_refusals(
                    self._discharge_facts(views, now, cuff_at),
                    payload,
                    when,
                    self.min_observation_s,
                    self.protocol.check_interval_s,
                    self.protocol.observe_from,
                    self.protocol.kind is ProtocolKind.ESKETAMINE_REMS,
                )
                if refusals:
                    raise EntryError("Cannot discharge yet: " + "; ".join(refusals))
            if dry_run:
                checked: Future[Entry] = Future()
                checked.set_result(entry)
                return checked
            self._pending[entry.id] = entry
        row = EntryRow(self.session_id, kind.value, when, now, initials, payload, action.value, target_id, reason)
        done: Future[Entry] = Future()
        self.writer.add_entry(row).add_done_callback(lambda f: self._stored_or_failed(entry, f, done))
        return done

    def _stored_or_failed(self, provisional: Entry, write: Future[int], done: Future[Entry]) -> None:
        with self._lock:
            self._pending.pop(provisional.id, None)
            error = write.exception()
            if error is None:
                stored = _with_id(provisional, write.result())
                self._stored.append(stored)
        if error is not None:
            log.error("entry not stored: %s", error)
            done.set_exception(EntryError(f"The entry was NOT saved: the database refused it ({error})"))
            return
        for listener in self._listeners:
            listener(stored)
        done.set_result(stored)


def entries_from_rows(rows: Iterable[EntryRow]) -> list[Entry]:
    """Stored rows as domain entries (to continue a session after a restart)."""
    return [
        Entry(
            int(r.id or 0),
            r.session_id,
            EntryKind(r.kind),
            r.t,
            r.recorded_at,
            r.initials,
            r.payload,
            EntryAction(r.action),
            r.target_id,
            r.reason,
        )
        for r in rows
    ]


def _with_id(entry: Entry, entry_id: int) -> Entry:
    return replace(entry, id=entry_id)
