"""AlarmEngine: clinical limit alarms and technical alarms as a state machine. Qt-free, no clock of its own.

Fed with samples, NIBP readings, link states and device status (each with the session-clock time), and ticked
about once a second; every change comes back as AlarmEvents for the timeline and the record. Conventions after
IEC 60601-1-8 as summarised in shared/clinical.md [IEC-60601-1-8]:
- three priorities; a condition must persist for its limit's delay (single-sample artifacts), except a cuff reading,
  which alarms at once;
- a limit alarm clears with hysteresis: only once the value is back inside by a margin, for a time (clinic
  defaults in alarm_limits: IEC 60601-1-8 gives no numbers), so a value hovering at its limit is one alarm;
- high-priority clinical alarms latch: they stay indicated after the condition clears until acknowledged;
- acknowledging silences and stops escalation; an unacknowledged alarm escalates a priority after a while;
- audio pause is time-limited (default 2 min) and covers the alarms present when it was pressed: a new alarm sounds.
A limit alarm's message shows the live value and, past the values where clinical.md's limits table says what to
do (SpO2 below 90, NIBP above 180/110), that action; crossing into it makes the alarm sound again even if it was
acknowledged ("worsened"). The capnograph's apnoea flag and a sedation score at the stop threshold are
high-priority clinical alarms.
Technical alarms (monitor disconnected, no data, sensor off, invalid values) are distinct and never latch.
A computer that cannot sound an alarm is a standing technical condition (on_alarm_sound): shown while it is true,
and no acknowledgement, audio pause or escalation changes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from monitor.clinical.alarm_limits import DEFAULT_LIMITS, AlarmPriority, Limit, action_for, adjust_limit
from monitor.clinical.nibp import NibpReading
from monitor.clinical.scales import SCALES, sedation_needs_action
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, ValueState
from monitor.params import PARAMS, format_value
from monitor.wording import param_label, param_labels

AUDIO_PAUSE_S = 120.0  # clinical.md: audio pause is time-limited, commonly 2 min
ESCALATE_AFTER_S = {AlarmPriority.LOW: 300.0, AlarmPriority.MEDIUM: 120.0}  # this program's defaults
INVALID_DELAY_S = 10.0  # a moment without a valid value (movement) is not yet a fault; this program's default
SOUND_KEY = "alarm sound"  # the standing condition: this computer cannot sound an alarm
CLINIC_DB_KEY = "clinic database"  # the standing condition: the desk's record is not reaching the clinic database
EHR_OUT_KEY = "EHR interface"  # the standing condition: results wait for the EHR (backlog, unreachable, refused)
EHR_IN_KEY = "EHR patients in"  # the standing condition: the ADT listener cannot take patients from the EHR
DESK_KEYS = frozenset({CLINIC_DB_KEY, EHR_OUT_KEY, EHR_IN_KEY})  # about the desk's links, not the patient
SENSOR_CONDITIONS = frozenset(
    {
        DeviceCondition.SENSOR_OFF,
        DeviceCondition.NO_SENSOR,
        DeviceCondition.DEFECTIVE_SENSOR,
        DeviceCondition.UNRECOGNIZED_SENSOR,
    }
)


class AlarmCategory(StrEnum):
    CLINICAL = "clinical"
    TECHNICAL = "technical"


class AlarmStatus(StrEnum):
    ACTIVE = "active"  # condition present, not acknowledged: flashing, sounding
    ACKNOWLEDGED = "acknowledged"  # condition present, acknowledged: steady, silent
    LATCHED = "latched"  # high-priority condition gone, not yet acknowledged


class AlarmAction(StrEnum):
    ONSET = "onset"
    ESCALATE = "escalate"
    WORSENED = "worsened"  # past the value where the protocol says what to do: sounds again even if acknowledged
    ACKNOWLEDGE = "acknowledge"
    CLEAR = "clear"
    AUDIO_PAUSED = "audio paused"
    AUDIO_RESUMED = "audio resumed"
    LIMIT_CHANGED = "limit changed"


LINK_KEYS = frozenset({"monitor disconnected", "no data"})  # technical alarms about the link, not the patient


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    t: float
    action: AlarmAction
    key: str  # the condition, e.g. "HR high", "monitor disconnected"; "" for audio pause
    message: str
    priority: AlarmPriority | None = None
    category: AlarmCategory | None = None
    value: float | None = None  # the triggering value
    limit: float | None = None
    who: str = ""


@dataclass(slots=True)
class Alarm:
    key: str
    category: AlarmCategory
    priority: AlarmPriority
    message: str
    onset: float
    value: float | None = None
    limit: float | None = None
    status: AlarmStatus = AlarmStatus.ACTIVE
    escalated_at: float = 0.0  # last onset or escalation, for the next escalation
    param: str = ""
    action_due: bool = False  # the value has been past its action threshold (clinical.md): said once
    standing: bool = False  # shown while true; not acknowledged, paused, escalated or sounded (nothing to act on)

    @property
    def latching(self) -> bool:
        return self.category is AlarmCategory.CLINICAL and self.priority is AlarmPriority.HIGH


@dataclass(slots=True)
class _Pending:
    since: float
    value: float


@dataclass
class AlarmEngine:
    limits: dict[str, Limit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    audio_pause_s: float = AUDIO_PAUSE_S
    escalate_after_s: Mapping[AlarmPriority, float] = field(default_factory=lambda: dict(ESCALATE_AFTER_S))
    alarms: dict[str, Alarm] = field(default_factory=dict)
    paused_until: float | None = None
    _paused_keys: set[str] = field(default_factory=set)
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _clearing: dict[str, float] = field(default_factory=dict)  # since when a limit alarm's value is back inside
    _invalid: tuple[float, str] | None = None  # since when continuous parameters have had no valid value

    # --- inputs ---------------------------------------------------------------------------------------------

    def on_samples(self, samples: Iterable[tuple[Sample, float]]) -> list[AlarmEvent]:
        """Continuous parameters: (sample, its time on the session clock). NIBP goes through on_nibp."""
        events: list[AlarmEvent] = []
        for sample, t in samples:
            limit = self.limits.get(sample.param)
            if limit is None or sample.param.startswith("NIBP"):
                continue
            events += self._judge(limit, sample.value, t)
        return events

    def on_nibp(self, readings: Iterable[tuple[NibpReading, float]]) -> list[AlarmEvent]:
        """Each new cuff reading once: a single reading outside its limits alarms at once."""
        events: list[AlarmEvent] = []
        for reading, t in readings:
            for param, value in (("NIBP_SYS", reading.sys), ("NIBP_DIA", reading.dia)):
                if value is not None and param in self.limits:
                    events += self._judge(self.limits[param], value, t)
        return events

    def on_link(self, state: str, t: float, detail: str = "") -> list[AlarmEvent]:
        """Link states: disconnected and silent are technical alarms; receiving clears them."""
        events = []
        if state == "disconnected":
            events += self._clear("no data", t)
            events += self._raise(
                "monitor disconnected",
                AlarmCategory.TECHNICAL,
                AlarmPriority.MEDIUM,
                f"Monitor disconnected {detail}".strip(),
                t,
            )
        elif state == "silent":
            events += self._raise(
                "no data", AlarmCategory.TECHNICAL, AlarmPriority.MEDIUM, "No data from the monitor", t
            )
        elif state in ("receiving", "stopped"):
            events += self._clear("monitor disconnected", t) + self._clear("no data", t)
        if state in ("disconnected", "silent", "stopped"):
            self._pending.clear()  # no values: a pending limit condition cannot keep counting
            self._clearing.clear()  # nor can a limit alarm's time back inside
        return events

    def on_device_status(self, status: DeviceStatus, t: float) -> list[AlarmEvent]:
        events = []
        # The capnograph's own apnoea detection: no breath. Clinical and high priority (it latches), on the RR tile.
        if DeviceCondition.APNEA in status.conditions:
            events += self._raise(
                "apnea", AlarmCategory.CLINICAL, AlarmPriority.HIGH, "Apnoea (capnograph)", t, param="RR"
            )
        else:
            events += self._clear("apnea", t)
        sensor = sorted(c.value for c in status.conditions & SENSOR_CONDITIONS)
        if sensor:
            events += self._raise(
                "sensor", AlarmCategory.TECHNICAL, AlarmPriority.MEDIUM, "Check sensor: " + ", ".join(sensor), t
            )
        else:
            events += self._clear("sensor", t)
        # NIBP is intermittent: no reading yet is normal, and the monitor reports cuff faults itself.
        invalid = sorted(
            param
            for param, state in status.unavailable
            if param in self.limits and not param.startswith("NIBP") and state is not ValueState.NOT_UPDATED
        )
        if invalid:
            self._invalid = (self._invalid[0] if self._invalid else t, "No valid value: " + param_labels(invalid))
        else:
            self._invalid = None
            events += self._clear("invalid values", t)
        for param in invalid:  # an invalid parameter cannot keep a limit condition pending, nor count back inside
            for key in (f"{param} low", f"{param} high"):
                self._pending.pop(key, None)
                self._clearing.pop(key, None)
        return events

    def on_sedation(self, score: tuple[str, int] | None, t: float) -> list[AlarmEvent]:
        """The latest sedation score (scale key, score) the nurse recorded, after corrections; None: none yet.

        clinical.md "Sedation scales": MOAA/S <= 2 or RASS <= -3 -> stop the infusion, call for help. A high-
        priority clinical alarm (it latches), cleared by a later score above the threshold."""
        if score is None or not sedation_needs_action(*score):
            return self._clear("sedation", t)
        scale = SCALES[score[0]]
        message = f"{scale.name} {scale.label(score[1])} — stop the infusion, call for help"
        current = self.alarms.get("sedation")
        if current is not None:
            current.message, current.value = message, float(score[1])
            if current.status is AlarmStatus.LATCHED:  # deep again before anyone acknowledged: active again
                current.status = AlarmStatus.ACTIVE
            return []
        return self._raise("sedation", AlarmCategory.CLINICAL, AlarmPriority.HIGH, message, t, float(score[1]))

    def on_alarm_sound(self, problem: str, t: float) -> list[AlarmEvent]:
        """This computer cannot sound an alarm (`problem`: why). A medium-priority technical condition that stands
        for the rest of the run: the nurse must know every alarm is visual only, and clicking cannot change that."""
        message = "NO ALARM SOUND on this computer: alarms are visual only — watch the screen, call IT"
        events = self._raise(SOUND_KEY, AlarmCategory.TECHNICAL, AlarmPriority.MEDIUM, message, t)
        self.alarms[SOUND_KEY].standing = True
        return [replace(e, message=f"{e.message} ({problem})") for e in events]  # the record says why

    def on_clinic_db(self, problem: str | None, t: float) -> list[AlarmEvent]:
        """The desk's record is not reaching the clinic database (`problem`: what to show, e.g. "clinic database
        unreachable since 10:42 — recording locally"), or reaches it again (None). A low-priority technical
        condition standing while true: nothing for the nurse to silence (the recording is safe locally, and
        alarms never depend on the server); it clears itself when shipping resumes."""
        return self.on_desk_condition(CLINIC_DB_KEY, problem, t)

    def on_desk_condition(self, key: str, problem: str | None, t: float) -> list[AlarmEvent]:
        """A condition of one of the desk's links (DESK_KEYS: the clinic database, the EHR interface out and in),
        shown like on_clinic_db's: low-priority technical, standing while true, its text updated in place when it
        changes (a growing backlog: not a new onset), cleared by None."""
        if key not in DESK_KEYS:
            raise ValueError(f"{key!r} is not a desk condition")
        if problem is None:
            return self._clear(key, t)
        events = self._raise(key, AlarmCategory.TECHNICAL, AlarmPriority.LOW, problem, t)
        self.alarms[key].standing = True
        return events

    def tick(self, now: float) -> list[AlarmEvent]:
        """Persistent invalid values, escalation and the end of an audio pause."""
        events = []
        if self._invalid is not None and now - self._invalid[0] >= INVALID_DELAY_S:
            events += self._raise("invalid values", AlarmCategory.TECHNICAL, AlarmPriority.LOW, self._invalid[1], now)
        for alarm in self.alarms.values():
            wait = None if alarm.standing else self.escalate_after_s.get(alarm.priority)
            if alarm.status is AlarmStatus.ACTIVE and wait is not None and now - alarm.escalated_at >= wait:
                alarm.priority = AlarmPriority(alarm.priority + 1)
                alarm.escalated_at = now
                events.append(
                    self._event(
                        AlarmAction.ESCALATE,
                        alarm,
                        now,
                        f"{alarm.message}: not acknowledged, now {alarm.priority.name.lower()}",
                    )
                )
        if self.paused_until is not None and now >= self.paused_until:
            self.paused_until = None
            self._paused_keys.clear()
            events.append(AlarmEvent(now, AlarmAction.AUDIO_RESUMED, "", "Alarm audio on again"))
        return events

    # --- nurse actions --------------------------------------------------------------------------------------

    def acknowledge(self, now: float, who: str) -> list[AlarmEvent]:
        events = []
        for key, alarm in list(self.alarms.items()):
            if alarm.standing:
                continue
            if alarm.status is AlarmStatus.ACTIVE:
                alarm.status = AlarmStatus.ACKNOWLEDGED
                events.append(self._event(AlarmAction.ACKNOWLEDGE, alarm, now, f"{alarm.message}: acknowledged", who))
            elif alarm.status is AlarmStatus.LATCHED:
                del self.alarms[key]
                events.append(
                    self._event(
                        AlarmAction.ACKNOWLEDGE, alarm, now, f"{alarm.message}: acknowledged (had cleared)", who
                    )
                )
        return events

    def end_patient(self, now: float) -> list[AlarmEvent]:
        """The patient was discharged: every alarm about them ends, on the record; only the link's own stay (the
        monitor may still be connected). The caller stops feeding patient values from now on."""
        events = []
        for key, alarm in list(self.alarms.items()):
            if key not in LINK_KEYS and key not in DESK_KEYS:  # about the desk, not the patient
                del self.alarms[key]
                events.append(self._event(AlarmAction.CLEAR, alarm, now, f"{alarm.message}: ended, patient discharged"))
        self._pending.clear()
        self._invalid = None
        return events

    def pause_audio(self, now: float, who: str) -> list[AlarmEvent]:
        self.paused_until = now + self.audio_pause_s
        self._paused_keys = set(self.alarms)
        return [
            AlarmEvent(now, AlarmAction.AUDIO_PAUSED, "", f"Alarm audio paused for {self.audio_pause_s:.0f} s", who=who)
        ]

    def set_limit(
        self, param: str, low: float | None, high: float | None, now: float, who: str, cosigned_by: str = ""
    ) -> AlarmEvent:
        """Change a limit within its hard bounds (EntryError otherwise); the change is an event with who, and
        with the co-signer of a limit outside the clinic's defaults (app.cosign) when a nurse made it."""
        old = self.limits[param]
        self.limits[param] = adjust_limit(old, low, high)
        for key in (f"{param} low", f"{param} high"):
            self._pending.pop(key, None)
            self._clearing.pop(key, None)
        label = param_label(param)
        return AlarmEvent(
            now,
            AlarmAction.LIMIT_CHANGED,
            param,
            f"{label} limits {_range(old.low, old.high)} → {_range(low, high)}"
            + (f" (co-signed {cosigned_by})" if cosigned_by else ""),
            value=low,  # the new limits travel in the event's value fields: a resumed session restores them
            limit=high,
            who=who,
        )

    # --- presentation ---------------------------------------------------------------------------------------

    def audio_priority(self, now: float) -> AlarmPriority | None:
        """The priority the speaker should sound now: unacknowledged alarms not covered by an audio pause."""
        paused = self.paused_until is not None and now < self.paused_until
        sounding = [
            a.priority
            for k, a in self.alarms.items()
            if a.status is not AlarmStatus.ACKNOWLEDGED and not a.standing and not (paused and k in self._paused_keys)
        ]
        return max(sounding, default=None)

    def level_for(self, params: Iterable[str]) -> AlarmPriority | None:
        """The highest clinical alarm on any of `params` (a numerics tile's colour)."""
        names = set(params)
        levels = [a.priority for a in self.alarms.values() if a.param in names]
        return max(levels, default=None)

    # --- internals ------------------------------------------------------------------------------------------

    def _judge(self, limit: Limit, value: float, t: float) -> list[AlarmEvent]:
        events = []
        for side, bound, priority in (
            ("low", limit.low, limit.low_priority),
            ("high", limit.high, limit.high_priority),
        ):
            key = f"{limit.param} {side}"
            violated = bound is not None and (value < bound if side == "low" else value > bound)
            if not violated:
                self._pending.pop(key, None)
                if bound is None or self._back_inside(limit, side, bound, value, t):
                    events += self._clear(key, t)
                continue
            self._clearing.pop(key, None)
            action = action_for(key, value)
            message = _limit_message(limit.param, side, value, action)
            current = self.alarms.get(key)
            if current is not None:
                events += self._update(current, value, message, action is not None, t)
                continue
            pending = self._pending.setdefault(key, _Pending(t, value))
            if t - pending.since >= limit.delay_s:
                events += self._raise(key, AlarmCategory.CLINICAL, priority, message, t, value, bound, limit.param)
                self.alarms[key].action_due = action is not None
        return events

    def _back_inside(self, limit: Limit, side: str, bound: float, value: float, t: float) -> bool:
        """Hysteresis: an alarm on this side clears only once the value is inside by the limit's margin, and has
        stayed there for its hold time; until then it stays, showing the live value (alarm_limits.CLEAR_HOLD_S)."""
        key = f"{limit.param} {side}"
        alarm = self.alarms.get(key)
        if alarm is None or alarm.status is AlarmStatus.LATCHED:
            self._clearing.pop(key, None)
            return True
        inside = value >= bound + limit.clear_margin if side == "low" else value <= bound - limit.clear_margin
        if not inside:
            self._clearing.pop(key, None)
            alarm.value, alarm.message = value, _limit_message(limit.param, side, value, None)
            return False
        since = self._clearing.setdefault(key, t)
        if t - since < limit.clear_hold_s:
            return False
        del self._clearing[key]
        return True

    def _update(self, alarm: Alarm, value: float, message: str, action_due: bool, t: float) -> list[AlarmEvent]:
        """A present condition: the alarm shows the live value; past its action threshold it sounds again."""
        alarm.value, alarm.message = value, message
        if alarm.status is AlarmStatus.LATCHED:  # back before anyone acknowledged: active again
            alarm.status = AlarmStatus.ACTIVE
        if not action_due or alarm.action_due:
            return []
        alarm.action_due = True
        alarm.status, alarm.escalated_at = AlarmStatus.ACTIVE, t
        self._paused_keys.discard(alarm.key)
        return [self._event(AlarmAction.WORSENED, alarm, t, message)]

    def _raise(
        self,
        key: str,
        category: AlarmCategory,
        priority: AlarmPriority,
        message: str,
        t: float,
        value: float | None = None,
        limit: float | None = None,
        param: str = "",
    ) -> list[AlarmEvent]:
        current = self.alarms.get(key)
        if current is not None:
            if current.message != message and category is AlarmCategory.TECHNICAL:
                current.message = message
            return []
        alarm = Alarm(key, category, priority, message, t, value, limit, escalated_at=t, param=param)
        self.alarms[key] = alarm
        return [self._event(AlarmAction.ONSET, alarm, t, message)]

    def _clear(self, key: str, t: float) -> list[AlarmEvent]:
        alarm = self.alarms.get(key)
        if alarm is None or alarm.status is AlarmStatus.LATCHED:
            return []
        if alarm.latching and alarm.status is AlarmStatus.ACTIVE:
            alarm.status = AlarmStatus.LATCHED  # stays indicated until acknowledged
            return [self._event(AlarmAction.CLEAR, alarm, t, f"{alarm.message}: condition cleared (latched)")]
        del self.alarms[key]
        return [self._event(AlarmAction.CLEAR, alarm, t, f"{alarm.message}: cleared")]

    @staticmethod
    def _event(action: AlarmAction, alarm: Alarm, t: float, message: str, who: str = "") -> AlarmEvent:
        return AlarmEvent(t, action, alarm.key, message, alarm.priority, alarm.category, alarm.value, alarm.limit, who)


def _limit_message(param: str, side: str, value: float, action: str | None) -> str:
    label, unit = param_label(param), PARAMS[param].unit
    message = f"{label} {side}: {format_value(param, value)} {unit}"
    return f"{message} — {action}" if action else message


def _range(low: float | None, high: float | None) -> str:
    return f"{'—' if low is None else f'{low:g}'}–{'—' if high is None else f'{high:g}'}"
