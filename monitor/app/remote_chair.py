"""RemoteChair and RemoteDesks: other desks' open sessions as this desk shows them, read-only (issue 17 point 4).

Qt-free. Fed with what the hub watcher (monitor.app.hub_watch) read from the clinic database, on one thread (the
GUI thread drains the watcher's queue into it, as the facade does for a local chair). A remote chair holds what
its card and its read-only workspace show: the latest values judged by the one currency rule (LatestValues, the
same as a local chair's: invalid at once, stale dimmed with its age), the link state, the infusion state folded
from the entries, and the active alarms mirrored from the alarm events (onset, escalation, acknowledgement, clear).
While this desk has no connection to the clinic database, no remote value is current: each says since when.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.app.latest_values import LatestValues
from monitor.app.live_chair import LINK_REASON
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import CLINIC_DB_KEY, SOUND_KEY, Alarm, AlarmAction, AlarmCategory, AlarmStatus
from monitor.clinical.currency import ShownValue
from monitor.clinical.entries import Entry, EntryAction, EntryKind, EntryView, resolve
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits, InfusionStatus
from monitor.clinical.record_rules import infusion_status
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, SampleFlag, ValueState
from monitor.devices.link import LinkState
from monitor.storage.hub_live import DeskRows, RemoteSession
from monitor.timefmt import hm_text

log = logging.getLogger(__name__)

_RAISING = frozenset({AlarmAction.ONSET.value, AlarmAction.ESCALATE.value, AlarmAction.WORSENED.value})
# The recording desk's standing conditions, in words for a reader at another desk (theirs say "this computer").
_DESK_CONDITIONS = {
    SOUND_KEY: "no alarm sound there",
    CLINIC_DB_KEY: "not reaching the clinic database",
}


@dataclass(frozen=True, slots=True)
class RemotePatient:
    name: str


def hub_lost_text(desk: str, since: float | None) -> str:
    """What a card of `desk` says while this desk cannot read the clinic database."""
    when = f" since {hm_text(since)}" if since is not None else " yet"
    return f"{desk}: no data from the clinic database{when}"


class RemoteChair:
    """One open session of another desk. Never written to: this desk only reads what that desk recorded."""

    def __init__(self, session: RemoteSession, limits: InfusionLimits | None = None) -> None:
        self.session = session
        # Judged on the recording desk's host clock, the one comparable with this desk's (both kept by NTP).
        self.values = LatestValues(use_device_time=False)
        self.link: LinkState | None = None
        self.status: DeviceStatus | None = None
        self._entries: list[Entry] = []
        self._alarms: dict[str, Alarm] = {}
        self._desk_conditions: dict[str, str] = {}  # the recording desk's standing conditions, by key
        self._limits = limits or InfusionLimits()
        self.hub_lost = ""  # why no value is current on this side ("" while the clinic database is read)
        self.last_row_at: float | None = None  # the newest sample's time on the recording desk's clock

    @property
    def desk(self) -> str:
        return self.session.desk

    @property
    def chair(self) -> str:
        return self.session.chair

    @property
    def key(self) -> tuple[str, int]:
        return self.session.desk, self.session.id

    @property
    def patient(self) -> RemotePatient | None:
        return RemotePatient(self.session.patient) if self.session.patient else None

    @property
    def nurse(self) -> str:
        """The initials of the latest entry (the record's); "" before any."""
        return self._entries[-1].initials if self._entries else ""

    @property
    def receiving(self) -> bool:
        return self.values.receiving

    @property
    def link_state(self) -> LinkState | None:
        return self.link

    @property
    def read_only_text(self) -> str:
        """Where the session is recorded, and what stands at that desk (its own words say "this computer")."""
        standing = f" ({'; '.join(self._desk_conditions.values())})" if self._desk_conditions else ""
        return f"recorded at {self.desk}{standing} — read-only"

    # --- feeding (one thread) ---------------------------------------------------------------------------------

    def apply(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        if table == "samples":
            samples = [_sample(r) for r in rows]
            self.values.on_samples(samples)
            if samples:
                self.last_row_at = max(self.last_row_at or 0.0, max(s.host_time for s in samples))
        elif table == "device_status":
            for r in rows:
                self.status = _status(r)
                self.values.on_status(self.status)
        elif table == "link_events":
            for r in rows:
                if r["state"] in LinkState.__members__.values():
                    self.link = LinkState(r["state"])
            self._judge_link()
        elif table == "entries":
            self._entries += [_entry(r) for r in rows]
        elif table == "alarm_events":
            for r in rows:
                self._alarm_event(r)

    def set_hub(self, lost: str) -> None:
        """`lost`: why this desk reads nothing from the clinic database now ("" when it does)."""
        if lost != self.hub_lost:
            self.hub_lost = lost
            self._judge_link()

    def _judge_link(self) -> None:
        if self.hub_lost:
            self.values.on_link(False, self.hub_lost)
        elif self.link is LinkState.RECEIVING:
            self.values.on_link(True)
        else:
            reason = LINK_REASON.get(self.link, "monitor not sending") if self.link else "monitor not sending"
            self.values.on_link(False, f"{self.desk}: {reason}")

    def _alarm_event(self, r: Mapping[str, Any]) -> None:
        """As the recording desk's engine (monitor.clinical.alarms) changed its alarm, from the event it recorded."""
        key, action = r["key"], r["action"]
        if not key:
            return  # audio pause and resume: the recording desk's sound, not an alarm shown here
        if key in _DESK_CONDITIONS:  # about that desk, not the patient: said on the card's last line, not as an alarm
            if action in _RAISING:
                self._desk_conditions[key] = _DESK_CONDITIONS[key]
            elif action == AlarmAction.CLEAR.value:
                self._desk_conditions.pop(key, None)
            return
        if action in _RAISING and r["priority"] and r["category"]:
            alarm = self._alarms.get(key)
            priority = AlarmPriority[str(r["priority"]).upper()]
            if alarm is None or action == AlarmAction.ONSET.value:
                category = AlarmCategory(r["category"])
                alarm = self._alarms[key] = Alarm(key, category, priority, r["message"], float(r["t"]))
            alarm.priority, alarm.status, alarm.value = priority, AlarmStatus.ACTIVE, r["value"]
            if action != AlarmAction.ESCALATE.value:
                alarm.message = r["message"]
        elif action == AlarmAction.ACKNOWLEDGE.value and key in self._alarms:
            alarm = self._alarms[key]
            if alarm.status is AlarmStatus.LATCHED:
                del self._alarms[key]
            else:
                alarm.status = AlarmStatus.ACKNOWLEDGED
        elif action == AlarmAction.CLEAR.value and key in self._alarms:
            alarm = self._alarms[key]
            if alarm.latching and alarm.status is AlarmStatus.ACTIVE and "latched" in r["message"]:
                alarm.status = AlarmStatus.LATCHED
            else:
                del self._alarms[key]

    # --- reading ----------------------------------------------------------------------------------------------

    def shown(self, param: str, now: float) -> ShownValue:
        return self.values.shown(param, now)

    def views(self) -> list[EntryView]:
        return resolve(self._entries)

    def infusion(self, now: float) -> InfusionStatus:
        try:
            return infusion_status(self.views(), now, self._limits)
        except EntryError as exc:  # recorded under another clinic's limits: show the record, say it cannot fold
            log.warning("%s %s: infusion not folded here: %s", self.desk, self.chair, exc)
            return InfusionStatus()

    def discharged(self) -> bool:
        return any(v.kind is EntryKind.DISCHARGE and v.live for v in self.views())

    def alarms(self) -> list[Alarm]:
        """The active alarms, highest first, then the newest."""
        return sorted(self._alarms.values(), key=lambda a: (-a.priority, -a.onset))


class RemoteDesks:
    """Every open session of the other desks, by (desk, session id). One thread feeds and reads it."""

    def __init__(self, limits: InfusionLimits | None = None) -> None:
        self._limits = limits
        self.chairs: dict[tuple[str, int], RemoteChair] = {}
        self.hub_lost = ""  # "lost" while the watcher cannot read the clinic database
        self.lost_since: float | None = None
        self.version = 0  # bumped on every change: a window rebuilds its cards when the set of chairs changes

    def apply(self, batch: DeskRows) -> None:
        """What the watcher read from one desk: its open sessions now (closed or discharged ones leave), then the
        new rows of the sessions held."""
        open_now = {s.id: s for s in batch.sessions}
        for key in [k for k in self.chairs if k[0] == batch.desk and k[1] not in open_now]:
            del self.chairs[key]
            self.version += 1
        for sid, session in open_now.items():
            chair = self.chairs.get((batch.desk, sid))
            if chair is None:
                chair = self.chairs[(batch.desk, sid)] = RemoteChair(session, self._limits)
                chair.set_hub(hub_lost_text(batch.desk, self.lost_since) if self.hub_lost else "")
                self.version += 1
            else:
                chair.session = session  # a patient assigned since
        for table, rows in batch.rows.items():
            by_session: dict[int, list[Mapping[str, Any]]] = {}
            for r in rows:
                by_session.setdefault(int(r["session_id"]), []).append(r)
            for sid, session_rows in by_session.items():
                chair = self.chairs.get((batch.desk, sid))
                if chair is not None:  # rows of closed sessions: not shown
                    chair.apply(table, session_rows)
        for key in [k for k, c in self.chairs.items() if k[0] == batch.desk and c.discharged()]:
            del self.chairs[key]  # discharged: closed for real (the session row follows)
            self.version += 1

    def set_hub(self, lost_since: float | None, connected: bool) -> None:
        """The watcher's connection: while it is lost, every remote card says since when."""
        lost = "" if connected else "lost"
        self.lost_since = lost_since
        if lost != self.hub_lost:
            self.hub_lost = lost
            for chair in self.chairs.values():
                chair.set_hub(hub_lost_text(chair.desk, lost_since) if lost else "")

    def ordered(self) -> list[RemoteChair]:
        """By desk, then chair name."""
        return sorted(self.chairs.values(), key=lambda c: (c.desk, c.chair, c.session.id))

    def alarms(self, at_least: AlarmPriority = AlarmPriority.HIGH) -> list[tuple[RemoteChair, Alarm]]:
        return [(c, a) for c in self.ordered() for a in c.alarms() if a.priority >= at_least]


def _sample(r: Mapping[str, Any]) -> Sample:
    return Sample(r["param"], float(r["value"]), float(r["t"]), float(r["host_t"]), SampleFlag(int(r["flags"] or 0)))


def _status(r: Mapping[str, Any]) -> DeviceStatus:
    """As the writer stored it (monitor.storage.writer.add_status); a value this program does not know is kept out
    with a warning rather than stopping the card."""
    conditions, unavailable = set(), []
    for c in json.loads(r["conditions"] or "[]"):
        try:
            conditions.add(DeviceCondition(c))
        except ValueError:
            log.warning("unknown device condition %r from the clinic database", c)
    for param, state in json.loads(r["unavailable"] or "{}").items():
        try:
            unavailable.append((param, ValueState(state)))
        except ValueError:
            log.warning("unknown value state %r for %s from the clinic database", state, param)
    return DeviceStatus(float(r["t"]), float(r["host_t"]), frozenset(conditions), tuple(unavailable))


def _entry(r: Mapping[str, Any]) -> Entry:
    payload = r["payload"]
    return Entry(
        int(r["id"]),
        int(r["session_id"]),
        EntryKind(r["kind"]),
        float(r["t"]),
        float(r["recorded_at"]),
        r["initials"],
        json.loads(payload) if isinstance(payload, str) else payload,
        EntryAction(r["action"]),
        None if r["target_id"] is None else int(r["target_id"]),
        r["reason"] or "",
    )
