"""AlarmService: runs the AlarmEngine on one session's live data, records every alarm event, tells listeners.

Qt-free, so the headless recorder alarms and records the same way as the GUI. Inputs arrive on the serial link's
worker thread (samples, link states, device status) and from a 1 Hz ticker thread (escalation, audio pause);
nurse actions come from any thread. One lock serialises them. Listeners get each batch of AlarmEvents on the
thread that caused them and must hand them on at once (a queue).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from monitor.app.acquisition import Acquisition
from monitor.app.clock import SessionClock
from monitor.app.desk import Desk
from monitor.app.session_service import SessionService
from monitor.clinical.alarm_limits import AlarmPriority, Limit, adjust_limit
from monitor.clinical.alarms import Alarm, AlarmCategory, AlarmEngine, AlarmEvent, AlarmStatus
from monitor.clinical.cosign import Safeguard, limit_outside_defaults
from monitor.clinical.entries import latest_sedation
from monitor.clinical.errors import EntryError
from monitor.clinical.nibp import NibpReading, NibpReadingDetector
from monitor.devices.events import DeviceEvent, DeviceStatus, Sample
from monitor.devices.link import LinkEvent
from monitor.storage.writer import SessionWriter
from monitor.timefmt import clock_text

log = logging.getLogger(__name__)

AlarmListener = Callable[[list[AlarmEvent]], None]
ReadingListener = Callable[[list[NibpReading]], None]
TICK_S = 1.0


class AlarmService:
    def __init__(
        self,
        acquisition: Acquisition,
        writer: SessionWriter,
        clock: SessionClock,
        engine: AlarmEngine | None = None,
    ) -> None:
        """Create before `acquisition.start()`, so no event of the session is missed."""
        self.acquisition = acquisition
        self.writer = writer
        self.clock = clock
        self.engine = engine or AlarmEngine()
        self._clinic_limits = dict(self.engine.limits)  # the clinic's defaults, before any session change
        self._acts_alone: Callable[[], bool] | None = None
        self._nibp = NibpReadingDetector()
        self._lock = threading.Lock()
        self._desk: Desk | None = None
        self._listeners: list[AlarmListener] = []
        self._reading_listeners: list[ReadingListener] = []
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._discharged = False  # the patient has gone: their values no longer alarm
        acquisition.add_event_listener(self._on_device_events)
        acquisition.add_link_listener(self._on_link)

    def add_listener(self, listener: AlarmListener) -> None:
        self._listeners.append(listener)

    def add_reading_listener(self, listener: ReadingListener) -> None:
        """Told each new cuff reading, once: this service's detector is the chair's one (the live model reads
        it too). Called on the link's thread, in the order the readings were taken."""
        self._reading_listeners.append(listener)

    def start(self) -> None:
        self._ticker = threading.Thread(target=self._tick_loop, name="alarm ticker", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(2 * TICK_S)

    # --- reading (any thread) -------------------------------------------------------------------------------

    def alarms(self) -> list[Alarm]:
        """The alarms to show, highest priority first, newest first within a priority (copies). Standing
        conditions are not among them: they have a place of their own (standing())."""
        with self._lock:
            current = [replace(a) for a in self.engine.alarms.values() if not a.standing]
        return sorted(current, key=lambda a: (-a.priority, -a.onset))

    def standing(self) -> list[Alarm]:
        """Standing technical conditions (e.g. no alarm sound): shown apart, permanently while true (copies)."""
        with self._lock:
            return [replace(a) for a in self.engine.alarms.values() if a.standing]

    def high_clinical(self) -> list[str]:
        """The high-priority clinical alarms indicated now -- present (acknowledged or not) or latched -- each as
        its message; what discharge may not ignore."""
        out = []
        for alarm in self.alarms():
            if alarm.category is AlarmCategory.CLINICAL and alarm.priority is AlarmPriority.HIGH:
                latched = " (condition gone, not yet acknowledged)" if alarm.status is AlarmStatus.LATCHED else ""
                out.append(alarm.message + latched)
        return out

    def audio_priority(self) -> AlarmPriority | None:
        with self._lock:
            return self.engine.audio_priority(self.clock.now())

    def paused_until(self) -> float | None:
        with self._lock:
            return self.engine.paused_until

    def level_for(self, params: tuple[str, ...]) -> AlarmPriority | None:
        with self._lock:
            return self.engine.level_for(params)

    def limits(self) -> dict[str, Limit]:
        with self._lock:
            return dict(self.engine.limits)

    def watch_entries(self, service: SessionService) -> None:
        """Sedation scores the nurse records (and corrects) count as alarm input; a resumed session's too."""
        service.add_listener(lambda _entry: self._on_sedation(service))
        self._on_sedation(service)

    def _on_sedation(self, service: SessionService) -> None:
        if service.discharged():
            self._end_patient()
            return
        latest = latest_sedation(service.views())
        self._apply(lambda now: self.engine.on_sedation(latest, now))

    def sound_unavailable(self, problem: str) -> list[AlarmEvent]:
        """This computer cannot sound an alarm (the window's player says why): a standing condition, recorded."""
        return self._apply(lambda now: self.engine.on_alarm_sound(problem, now))

    def clinic_db_problem(self, problem: str | None) -> list[AlarmEvent]:
        """The desk's record is not reaching the clinic database (app.replication says why), or is again (None):
        a standing condition, recorded; never waits on the network (the caller has the text already)."""
        return self._apply(lambda now: self.engine.on_clinic_db(problem, now))

    def desk_condition(self, key: str, problem: str | None) -> list[AlarmEvent]:
        """A condition of the desk's EHR interface (clinical.alarms.DESK_KEYS), shown and recorded like
        clinic_db_problem's; None clears it."""
        return self._apply(lambda now: self.engine.on_desk_condition(key, problem, now))

    def _end_patient(self) -> None:
        """After the discharge is on disk: the session's clinical alarms end and patient values are not judged."""

        def end(now: float) -> list[AlarmEvent]:
            if self._discharged:
                return []
            self._discharged = True
            return self.engine.end_patient(now)

        self._apply(end)

    # --- nurse actions --------------------------------------------------------------------------------------

    def sign_in_at(self, desk: Desk) -> None:
        """Who answers an alarm is `desk`'s signed-in account, or LOCKED_SCREEN while it is locked (Acknowledge
        and Audio pause work on a locked desk); a limit change needs a signed-in account."""
        self._desk = desk

    def _answering(self, who: str | None) -> str:
        if who is None and self._desk is not None:
            return self._desk.alarm_who()
        return who or "??"

    def acknowledge(self, who: str | None = None) -> list[AlarmEvent]:
        """`who`: None at a desk (its signed-in account, or "from the locked screen")."""
        who = self._answering(who)
        return self._apply(lambda now: self.engine.acknowledge(now, who))

    def pause_audio(self, who: str | None = None) -> list[AlarmEvent]:
        who = self._answering(who)
        return self._apply(lambda now: self.engine.pause_audio(now, who))

    def require_cosign(self, acts_alone: Callable[[], bool]) -> None:
        """A limit outside the clinic's defaults needs a co-signer unless `acts_alone()` says the signed-in user
        is a charge nurse / prescriber (issue 18 point 4; app.cosign gets the co-signature)."""
        self._acts_alone = acts_alone

    def needs_cosign(self, param: str, low: float | None, high: float | None) -> bool:
        """Whether this change needs a second person (a limit less strict than the clinic's default). A change the
        hard bounds refuse raises that EntryError first: nobody is asked to co-sign what cannot be recorded."""
        adjust_limit(self.limits()[param], low, high)
        default = self._clinic_limits.get(param)
        outside = default is not None and limit_outside_defaults(default, low, high)
        return outside and self._acts_alone is not None and not self._acts_alone()

    def set_limit(
        self, param: str, low: float | None, high: float | None, who: str | None, reason: str, cosigned_by: str = ""
    ) -> AlarmEvent:
        """Change a limit for this session; refused (EntryError) outside the hard bounds or without who and why,
        or, outside the clinic's defaults, without the co-signer a nurse needs. `who`: None at a desk (its
        signed-in account; NotSignedIn while locked)."""
        if who is None and self._desk is not None:
            who = self._desk.require("change an alarm limit").initials
        if not who:
            raise EntryError("Enter your initials before changing an alarm limit")
        if len(reason.strip()) < 3:
            raise EntryError("Say why the limit is changed (a reason is recorded with the change)")
        if cosigned_by and cosigned_by == who:
            raise EntryError("A second person co-signs: not the signed-in user")
        if not cosigned_by and self.needs_cosign(param, low, high):
            raise EntryError(
                f"{Safeguard.LIMIT_OUTSIDE_DEFAULTS.capitalize()} needs a charge nurse or prescriber: "
                "ask one to co-sign with their PIN"
            )

        def change(now: float) -> list[AlarmEvent]:
            event = self.engine.set_limit(param, low, high, now, who, cosigned_by)
            return [replace(event, message=f"{event.message} — {reason.strip()}")]

        (event,) = self._apply(change)
        return event

    # --- inputs (worker threads) ----------------------------------------------------------------------------

    def _on_device_events(self, events: list[DeviceEvent]) -> None:
        samples = [e for e in events if isinstance(e, Sample)]
        time_of = self.clock.sample_time

        def judge(_now: float) -> list[AlarmEvent]:
            readings = self._nibp.feed(samples)  # shown after discharge too: only the alarms end with the patient
            if readings:
                for listener in self._reading_listeners:
                    listener(readings)
            if self._discharged:
                return []
            out = self.engine.on_samples((s, time_of(s)) for s in samples)
            use_device = self.clock.use_device_time
            out += self.engine.on_nibp((r, r.t if use_device else r.host_t) for r in readings)
            for status in (e for e in events if isinstance(e, DeviceStatus)):
                out += self.engine.on_device_status(status, status.time if use_device else status.host_time)
            return out

        self._apply(judge)

    def _on_link(self, event: LinkEvent) -> None:
        self._apply(lambda now: self.engine.on_link(str(event.state), now, _since(event)))

    def _tick_loop(self) -> None:
        while not self._stop.wait(TICK_S):
            try:
                self._apply(self.engine.tick)
            except Exception:  # the ticker must outlive one bad tick; the error is logged with its trace
                log.exception("alarm tick failed")

    def _apply(self, change: Callable[[float], list[AlarmEvent]]) -> list[AlarmEvent]:
        # Recorded and handed on under the lock (both only queue), so the record and the screen keep the order
        # the engine saw: an acknowledgement never overtakes the onset it answers.
        with self._lock:
            events = change(self.clock.now())
            session_id = self.acquisition.session_id  # set by start() before the port opens
            for e in events:
                assert session_id is not None
                self.writer.add_alarm_event(
                    session_id,
                    e.t,
                    e.action.value,
                    e.key,
                    e.message,
                    e.priority.name.lower() if e.priority else None,
                    e.category.value if e.category else None,
                    e.value,
                    e.limit,
                    e.who,
                )
            if events:
                for listener in self._listeners:
                    listener(events)
        return events


def _since(event: LinkEvent) -> str:
    return f"since {clock_text(event.since)}" if event.since else ""
