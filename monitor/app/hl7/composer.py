"""What goes to the EHR, and when (issue 20 point 1): the composer turns the local record into ORU^R01 messages in
the HL7 outbox. Qt-free; the sender thread (app.hl7.sender) calls `compose` on its own connection before each pass.

Per session (its chair is the location, PV1-3; its patient the PID):
- vital signs at the clinic's interval (Hl7Settings.interval_s, clinic default 5 min): slots aligned on the clock
  (10:00, 10:05, ...); one message per slot with the latest VALID value of each parameter in it, at that value's own
  time. Valid is the live screen's rule (app.latest_values.invalid_reasons): a number the monitor reported
  unavailable, flagged old, or whose sensor was off is never sent; a parameter with no valid value in the slot is
  left out. A slot closes when the record has data past its end, or (this computer's clock) CLOSE_AFTER_S after its
  end, or when the session ends.
- every NIBP reading once (clinical.nibp: a repeated or flagged-old reading is not a new one), when it is taken;
- the nurse's scores (pain, RASS, MOAA/S), dissociation and side effects, when they are recorded; an amendment or
  strike as a new message with OBX-11 C (corrected) or D (deleted) keeping the original's OBX identity. A message in
  the outbox is never changed.
A session without a patient is held (nothing composed) until it is assigned, then composed from its start; with
Unassigned.SEND it is composed at once with the location only.

Idempotent: each message has a key (f"s{session}:vitals:{slot end}", f"s{session}:nibp:{t}",
f"s{session}:entry:{entry id}"). After a restart the composer takes each session up again from its history and
skips what the outbox already holds (its watermarks and keys), so nothing is composed twice; the outbox refuses a
key it holds in any case. At start it looks at sessions still open or ended within CATCH_UP_S; later, at every
session a new row touches (an assignment, a correction of an older session).
"""

from __future__ import annotations

import heapq
import logging
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from monitor.app.hl7.ack import new_control_id
from monitor.app.hl7.oru import Hl7Patient, Obs, ObsKind, ResultStatus, build_oru
from monitor.app.hl7.settings import Hl7Settings, Unassigned
from monitor.app.latest_values import invalid_reasons
from monitor.app.session_service import entries_from_rows
from monitor.clinical.entries import Entry, EntryAction, EntryKind
from monitor.clinical.nibp import NIBP_PARAMS, NibpReadingDetector
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, SampleFlag, ValueState
from monitor.storage import hl7_feed
from monitor.storage.db import EntryRow, SessionRow, StatusRow
from monitor.storage.hl7_outbox import enqueue, latest_covered
from monitor.storage.patients import session_course

log = logging.getLogger(__name__)

CLOSE_AFTER_S = 5.0  # program default: a slot closes this long after its end (the writer commits within 1 s)
MAX_PER_PASS = 40  # program default: messages built per pass (hl7apy validates each: ~50 ms here)
CATCH_UP_S = 24 * 3600.0  # program default: at start, sessions ended within the last day are taken up again
SENT_KINDS = (EntryKind.SCORE, EntryKind.DISSOCIATION, EntryKind.SIDE_EFFECT)
FLAGGED = SampleFlag.STALE | SampleFlag.NIBP_MEASURING  # a number the monitor itself says is not current


@dataclass(frozen=True, slots=True)
class Draft:
    """One message to compose: what it covers (key, covers_t) and its observations."""

    key: str
    covers_t: float
    obs: tuple[Obs, ...]


@dataclass
class _NewRows:
    """The rows added since the last pass, by session."""

    samples: dict[int, list[Sample]] = field(default_factory=dict)
    statuses: dict[int, list[StatusRow]] = field(default_factory=dict)
    entries: dict[int, list[EntryRow]] = field(default_factory=dict)

    @property
    def sessions(self) -> set[int]:
        return set(self.samples) | set(self.statuses) | set(self.entries)


@dataclass
class _Feed:
    """One session as the composer follows it."""

    session: SessionRow
    vitals_done: float  # every slot ending at or before this is composed (or had nothing valid)
    nibp_done: float  # readings at or before this are composed
    sent_entries: set[str]  # keys of this session's entries already in the outbox
    slot_end: float | None = None  # the open slot
    slot_values: dict[str, tuple[float, float]] = field(default_factory=dict)  # param -> (t, value), latest valid
    invalid: dict[str, str] = field(default_factory=dict)  # param -> why the monitor has no valid value now
    detector: NibpReadingDetector = field(default_factory=NibpReadingDetector)
    entries: dict[int, Entry] = field(default_factory=dict)  # every entry seen, by id (corrections name theirs)
    drafts: list[Draft] = field(default_factory=list)  # from samples, in time order
    entry_drafts: list[Draft] = field(default_factory=list)  # from entries, in id order

    @property
    def device_time(self) -> bool:
        return self.session.timebase == "device"

    def at(self, t: float, host_t: float) -> float:
        """A time on the session's clock (app.clock.SessionClock.sample_time)."""
        return t if self.device_time else host_t

    @property
    def finished(self) -> bool:
        return self.session.ended_at is not None and self.slot_end is None


class Composer:
    def __init__(self, settings: Hl7Settings, desk: str) -> None:
        self.settings = settings
        self.desk = desk
        self.interval_s = settings.interval_s
        if not (math.isfinite(self.interval_s) and self.interval_s > 0):
            raise ValueError(f"the HL7 interval must be a positive number of seconds, not {self.interval_s!r}")
        self._cursors: hl7_feed.Cursors | None = None
        self._feeds: dict[int, _Feed] = {}
        self._queue: dict[int, tuple[SessionRow, list[Draft]]] = {}  # drafted, not yet in the outbox, in order

    # --- the pass -------------------------------------------------------------------------------------------

    def compose(self, conn: sqlite3.Connection, now: float) -> int:
        """Compose what is due and enqueue it (one transaction); returns how many messages were enqueued."""
        try:
            return self._pass(conn, now)
        except BaseException:
            # Half a pass is never continued: the next one takes every session up again from the record and the
            # outbox (what was enqueued is skipped), as after a restart.
            self._cursors, self._feeds, self._queue = None, {}, {}
            raise

    def _pass(self, conn: sqlite3.Connection, now: float) -> int:
        upto = hl7_feed.current(conn)
        new = _NewRows()
        if self._cursors is None:
            touched = set(hl7_feed.recent_sessions(conn, now - CATCH_UP_S))
        else:
            after = self._cursors
            for s in hl7_feed.new_samples(conn, after, upto):
                new.samples.setdefault(s.session_id, []).append(s.sample)
            for st in hl7_feed.new_statuses(conn, after, upto):
                new.statuses.setdefault(st.session_id, []).append(st.status)
            for e in hl7_feed.new_entries(conn, after, upto):
                new.entries.setdefault(e.session_id, []).append(e)
            touched = hl7_feed.changed_sessions(conn, after, upto) | new.sessions
        for session_id in sorted(touched | set(self._feeds)):
            self._follow(conn, session_id, upto, new, now)
        for session_id, feed in self._feeds.items():
            drafts = _in_order(feed)
            if drafts:
                self._queue.setdefault(session_id, (feed.session, []))[1].extend(drafts)
        count = self._enqueue(conn, now)
        self._cursors = upto
        for session_id in [sid for sid, feed in self._feeds.items() if feed.finished and sid not in self._queue]:
            del self._feeds[session_id]  # taken up again from its history if a later row touches it
        return count

    def _follow(
        self,
        conn: sqlite3.Connection,
        session_id: int,
        upto: hl7_feed.Cursors,
        new: _NewRows,
        now: float,
    ) -> None:
        found = hl7_feed.session_row(conn, session_id)
        if found is None:
            return
        session, assigned = found
        if not assigned and self.settings.unassigned is Unassigned.HOLD:
            self._feeds.pop(session_id, None)  # held: taken up from its start once assigned
            return
        feed = self._feeds.get(session_id)
        if feed is None:
            feed = self._take_up(conn, session, upto)
            self._feeds[session_id] = feed
        else:
            feed.session = session
            self._apply(
                feed,
                new.samples.get(session_id, []),
                new.statuses.get(session_id, []),
                new.entries.get(session_id, []),
            )
        self._close_slot_by_time(feed, now)

    def _take_up(self, conn: sqlite3.Connection, session: SessionRow, upto: hl7_feed.Cursors) -> _Feed:
        """A session followed from its start: what the outbox already covers is skipped."""
        prefix = f"s{session.id}:"
        feed = _Feed(
            session,
            vitals_done=latest_covered(conn, session.id, prefix + "vitals:") or -math.inf,
            nibp_done=latest_covered(conn, session.id, prefix + "nibp:") or -math.inf,
            sent_entries=hl7_feed.enqueued_keys(conn, session.id, prefix + "entry:"),
        )
        self._apply(
            feed,
            [s.sample for s in hl7_feed.session_samples(conn, session.id, upto)],
            [s.status for s in hl7_feed.session_statuses(conn, session.id, upto)],
            hl7_feed.session_entries(conn, session.id, upto),
        )
        return feed

    # --- samples: vital-sign slots and NIBP readings ---------------------------------------------------------

    def _apply(self, feed: _Feed, samples: list[Sample], statuses: list[StatusRow], entries: list[EntryRow]) -> None:
        # In the session's time order; a status applies to the samples of its own record (the live screen's order)
        events: list[tuple[float, int, int, Sample | StatusRow]] = [
            (feed.at(s.t, s.host_t), 0, i, s) for i, s in enumerate(statuses)
        ]
        events += [(feed.at(s.time, s.host_time), 1, i, s) for i, s in enumerate(samples)]
        events.sort(key=lambda e: e[:3])
        nibp: list[Sample] = []
        for t, _, _, event in events:
            if isinstance(event, StatusRow):
                feed.invalid = invalid_reasons(_device_status(event))
            elif event.param in NIBP_PARAMS:
                nibp.append(event)
            else:
                self._vital(feed, t, event)
        self._readings(feed, nibp)
        self._entries(feed, entries_from_rows(entries))

    def _vital(self, feed: _Feed, t: float, sample: Sample) -> None:
        if t < feed.vitals_done:
            return  # its slot is composed already
        slot_end = (math.floor(t / self.interval_s) + 1) * self.interval_s
        if feed.slot_end is not None and slot_end > feed.slot_end:
            self._close_slot(feed)  # the record is past the open slot's end
        if feed.slot_end is None:
            feed.slot_end = slot_end
        if sample.flags & FLAGGED or sample.param in feed.invalid:
            return  # never sent as a number
        latest = feed.slot_values.get(sample.param)
        if latest is None or t >= latest[0]:
            feed.slot_values[sample.param] = (t, sample.value)

    def _close_slot(self, feed: _Feed) -> None:
        end = feed.slot_end
        if end is None:
            return
        if feed.slot_values:
            obs = tuple(Obs(ObsKind.VITAL, param, value, t) for param, (t, value) in sorted(feed.slot_values.items()))
            feed.drafts.append(Draft(f"s{feed.session.id}:vitals:{end:.3f}", end, obs))
        feed.vitals_done = end
        feed.slot_end = None
        feed.slot_values = {}

    def _close_slot_by_time(self, feed: _Feed, now: float) -> None:
        end = feed.slot_end
        if end is None:
            return
        if feed.session.ended_at is not None or (not feed.device_time and now >= end + CLOSE_AFTER_S):
            self._close_slot(feed)

    def _readings(self, feed: _Feed, samples: list[Sample]) -> None:
        for r in feed.detector.feed(samples):
            t = feed.at(r.t, r.host_t)
            if t <= feed.nibp_done:
                continue
            values = (("NIBP_SYS", r.sys), ("NIBP_DIA", r.dia), ("NIBP_MEAN", r.mean))
            obs = tuple(Obs(ObsKind.NIBP, name, v, t) for name, v in values if v is not None)
            if obs:
                feed.drafts.append(Draft(f"s{feed.session.id}:nibp:{t:.3f}", t, obs))
            feed.nibp_done = t

    # --- nurse entries ---------------------------------------------------------------------------------------

    def _entries(self, feed: _Feed, entries: Iterable[Entry]) -> None:
        for entry in entries:
            feed.entries[entry.id] = entry
            original = feed.entries.get(entry.target_id) if entry.target_id is not None else entry
            if original is None or original.kind not in SENT_KINDS:
                continue
            key = f"s{feed.session.id}:entry:{entry.id}"
            if key in feed.sent_entries:
                continue
            obs = self._entry_obs(feed, entry, original)
            if obs:
                feed.entry_drafts.append(Draft(key, entry.t, obs))
            feed.sent_entries.add(key)

    def _entry_obs(self, feed: _Feed, entry: Entry, original: Entry) -> tuple[Obs, ...]:
        if entry.action is EntryAction.CREATE:
            return entry_obs(original, original, ResultStatus.FINAL)
        if entry.action is EntryAction.AMEND:
            return entry_obs(entry, original, ResultStatus.CORRECTED)
        # a strike: the content it deletes is the latest amendment before it, or the original
        current = original
        for e in sorted(feed.entries.values(), key=lambda e: e.id):
            if e.target_id == original.id and e.action is EntryAction.AMEND and e.id < entry.id:
                current = e
        return entry_obs(
            replace(current, action=entry.action, initials=entry.initials, reason=entry.reason),
            original,
            ResultStatus.DELETED,
        )

    # --- enqueueing ------------------------------------------------------------------------------------------

    def _enqueue(self, conn: sqlite3.Connection, now: float) -> int:
        """Build the next drafts (at most MAX_PER_PASS, taking in turn from each session, so a session taken up
        from a long history never holds up the live ones) and store them in one transaction."""
        messages: list[tuple[Draft, int, str, str]] = []
        patients: dict[int, Hl7Patient | None] = {}
        for session, draft in self._next_drafts():
            if session.id not in patients:
                patients[session.id] = _patient(conn, session.id)
            control_id = new_control_id()
            try:
                message = build_oru(
                    control_id=control_id,
                    sent_at=now,
                    sending_facility=self.settings.facility,
                    desk=self.desk,
                    chair=session.chair or session.source,  # a headless recording: its port
                    session_id=session.id,
                    patient=patients[session.id],
                    obs=draft.obs,
                )
            except ValueError:  # a fault of this program: said in the log; the session's other messages still go
                log.exception("HL7 message %s not composed", draft.key)
                continue
            messages.append((draft, session.id, control_id, message))
        if not messages:
            return 0
        count = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for draft, session_id, control_id, message in messages:
                count += enqueue(
                    conn,
                    key=draft.key,
                    session_id=session_id,
                    control_id=control_id,
                    message=message,
                    covers_t=draft.covers_t,
                    queued_at=now,
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return count

    def _next_drafts(self) -> list[tuple[SessionRow, Draft]]:
        taken: list[tuple[SessionRow, Draft]] = []
        while len(taken) < MAX_PER_PASS and self._queue:
            for session_id in list(self._queue):
                session, drafts = self._queue[session_id]
                taken.append((session, drafts.pop(0)))
                if not drafts:
                    del self._queue[session_id]
                if len(taken) == MAX_PER_PASS:
                    break
        return taken


def _in_order(feed: _Feed) -> list[Draft]:
    """The session's new drafts in time order, each stream's own order kept (a correction after its original)."""
    by_time = sorted(feed.drafts, key=lambda d: d.covers_t)  # slots and readings (each kind's own order kept)
    drafts = list(heapq.merge(by_time, feed.entry_drafts, key=lambda d: d.covers_t))
    feed.drafts, feed.entry_drafts = [], []
    return drafts


def entry_obs(content: Entry, original: Entry, status: ResultStatus) -> tuple[Obs, ...]:
    """The observation of a nurse entry: `content` (the original, an amendment, or what a strike deletes) under the
    original's identity (its entry id: OBX-4), with OBX-11 `status`; the nurse's note and a correction's reason go
    with it (NTE)."""
    p = content.payload
    kind = original.kind
    note = "; ".join(
        n
        for n in (
            str(p.get("note") or ""),
            f"{content.action.value} by {content.initials}: {content.reason}"
            if content.action is not EntryAction.CREATE
            else "",
        )
        if n
    )
    if kind is EntryKind.SCORE:
        code, value = str(p["scale"]), int(p["score"])
        obs_kind = ObsKind.SCORE
    elif kind is EntryKind.DISSOCIATION:
        code, value, obs_kind = "dissociation", str(p["level"]), ObsKind.SCORE
    elif kind is EntryKind.SIDE_EFFECT:
        code, value, obs_kind = str(p["effect"]), str(p["severity"]), ObsKind.SIDE_EFFECT
    else:
        return ()
    return (Obs(obs_kind, code, value, content.t, entry_id=original.id, status=status, note=note),)


def _patient(conn: sqlite3.Connection, session_id: int) -> Hl7Patient | None:
    assigned = session_course(conn, session_id)
    if assigned is None:
        return None
    p = assigned[0]
    return Hl7Patient(mrn=p.mrn, name=p.name, dob=p.dob)


def _device_status(row: StatusRow) -> DeviceStatus:
    return DeviceStatus(
        row.t,
        row.host_t,
        frozenset(DeviceCondition(c) for c in row.conditions),
        tuple((p, ValueState(s)) for p, s in row.unavailable.items()),
    )
