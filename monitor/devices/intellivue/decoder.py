"""The passive IntelliVue decoder: bytes a monitor sent in, Samples, DeviceStatus changes and OtherValues out.

Used alone for captures and replays (`decode --protocol intellivue-mib`); the driver (which also talks) reads
messages through read() and answers them. Facts from shared/protocols/README.md §3:

* Times: poll results carry the monitor's RelativeTime (1/8 ms ticks); the MDS Create Event Report pairs one
  RelativeTime with the monitor's wall clock (AbsoluteTime), so t = abs + (rel - rel_at_abs) / 8000. Before that
  event (a capture joined mid-session) the arrival time stands in.
* A numeric with one of the measurement-state bits invalid, questionable, unavailable, calibrating, test or demo
  data is not a reading: a mapped parameter is reported unavailable in the DeviceStatus (as the DRI decoder reports
  a status code); NaN/NRes/±Inf likewise ("not a number"); a number outside the parameter's physical range
  (monitor.params) too, counted in stats.invalid_values.
* A physio id that maps to no canonical parameter, or comes in a unit the parameter is not kept in, is an
  OtherValue with its label and unit: every numeric the monitor sends is kept.
* NIBP: "measurement ongoing" sets NIBP_MEASURING; a cuff reading whose own time stamp (NOM_ATTR_TIME_STAMP_ABS) is
  more than 60 s before the poll is STALE, as the DRI's "older than 60 s" label bit (§2.8): numbers measured before
  the program connected are not a reading taken now (monitor.clinical.nibp).
* When two ids feed one parameter (airway and impedance respiration rate), the first usable in PARAM_OF's
  preference wins; the other is kept as an OtherValue.
"""

from __future__ import annotations

import functools
import operator
from typing import ClassVar

from monitor.devices.events import (
    NOT_A_READING,
    DecoderStats,
    DeviceEvent,
    DeviceStatus,
    LineSettings,
    MeasurementState,
    OtherValue,
    ProtocolInfo,
    Sample,
    SampleFlag,
    ValueState,
    value_state,
)
from monitor.devices.intellivue import messages as msg
from monitor.devices.intellivue.frame import FrameReader
from monitor.devices.intellivue.nomenclature import (
    KPA,
    MMHG_PER_KPA,
    PARAM_OF,
    RR_PREFERENCE,
    expected_units,
    label_of,
    unit_of,
)

PROTOCOL = "intellivue-mib"
LINE = LineSettings(baudrate=115200)  # 8N1, no flow control (§3.1; the monitor's Data Export set to "Fix 115200")
INFO = ProtocolInfo(
    name=PROTOCOL,
    line=LINE,
    description="Philips IntelliVue MP/MX Data Export over the MIB/RS-232 port, numerics",
)

_NOT_A_READING = functools.reduce(operator.or_, NOT_A_READING)  # invalid, questionable, unavailable, calibrating, ...
_NIBP = ("NIBP_SYS", "NIBP_DIA", "NIBP_MEAN")
NIBP_STALE_S = 60.0  # as the DRI's NIBP "data older than 60 s" bit (shared/protocols/README.md §2.8)
_RANK = {physio: rank for rank, physio in enumerate(RR_PREFERENCE)}


def _reading_state(obs: msg.NumericObs) -> ValueState | None:
    """Why the monitor says `obs` is not a reading, or None."""
    if obs.state & MeasurementState.CALIBRATION_ONGOING:
        return ValueState.NOT_CALIBRATED
    if obs.state & _NOT_A_READING:
        return ValueState.INVALID
    if obs.value is None:
        return ValueState.NOT_A_NUMBER
    return None


def _nibp_flags(obs: msg.NumericObs, t: float) -> SampleFlag:
    flags = SampleFlag.NONE
    if obs.state & MeasurementState.MEASUREMENT_ONGOING:
        flags |= SampleFlag.NIBP_MEASURING
    if obs.measured_at is not None and t - obs.measured_at > NIBP_STALE_S:
        flags |= SampleFlag.STALE
    return flags


class IntellivueDecoder:
    """Incremental MIB decoder: the monitor's side of a Data Export conversation in, events out."""

    protocol: ClassVar[str] = PROTOCOL

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self.frames = FrameReader()
        self.assembler = msg.LinkedAssembler()
        self.messages_by_kind: dict[str, int] = {}
        self._clock: tuple[float, int] | None = None  # (abs_time, rel_time) of the last MDS create event
        self._status: DeviceStatus | None = None
        self._texts: dict[int, str] = {}  # physio id -> the monitor's label, remembered across polls
        self._malformed = 0  # frames whose FCS was right but whose message was not

    def feed(self, data: bytes, host_time: float) -> list[DeviceEvent]:
        return self.read(data, host_time)[1]

    def read(self, data: bytes, host_time: float) -> tuple[list[msg.Message], list[DeviceEvent]]:
        """The messages `data` completes (for a driver to answer) and the events they carry."""
        self.stats.bytes_in += len(data)
        messages: list[msg.Message] = []
        events: list[DeviceEvent] = []
        for user_data in self.frames.feed(data):
            message = msg.parse_message(user_data)
            messages.append(message)
            kind = type(message).__name__
            self.messages_by_kind[kind] = self.messages_by_kind.get(kind, 0) + 1
            if isinstance(message, msg.Unknown) and message.malformed:
                self._malformed += 1
            events += self.events_of(message, host_time)
        f = self.frames.stats
        self.stats.frames_ok = f.good - self._malformed
        self.stats.bad_frames = f.bad + self._malformed
        self.stats.resyncs = f.resyncs
        self.stats.skipped_bytes = f.garbage
        return messages, events

    def events_of(self, message: msg.Message, host_time: float) -> list[DeviceEvent]:
        if isinstance(message, msg.MdsCreate):
            if message.abs_time is not None:
                self._clock = (message.abs_time, message.rel_time)
            return []
        if isinstance(message, msg.AssociationResult) and not message.accepted:
            self.assembler = msg.LinkedAssembler()  # a poll cut by the end of the association never completes
            return []
        if not isinstance(message, msg.PollResult) or message.polled_code != msg.NOM_MOC_VMO_METRIC_NU:
            return []
        poll = self.assembler.add(message)
        if poll is None or not poll.observations:
            return []
        return self._poll_events(poll, host_time)

    def device_time(self, rel_time: int, host_time: float) -> float:
        if self._clock is None:
            return host_time
        abs_time, rel0 = self._clock
        delta = (rel_time - rel0) & 0xFFFFFFFF
        if delta >= 0x80000000:  # before the event (RelativeTime wraps after about six days)
            delta -= 0x100000000
        return abs_time + delta / msg.TICKS_PER_SECOND

    def _poll_events(self, poll: msg.PollResult, host_t: float) -> list[DeviceEvent]:
        t = self.device_time(poll.rel_time, host_t)
        events: list[DeviceEvent] = []
        unavailable: list[tuple[str, ValueState]] = []
        chosen = self._chosen_sources(poll.observations)
        for obs in poll.observations:
            if obs.label_text:
                self._texts[obs.physio_id] = obs.label_text
            param = PARAM_OF.get(obs.physio_id)
            if param is None or chosen.get(param) is not obs or obs.unit_code not in expected_units(param):
                events.append(self._other(obs, t, host_t))
                continue
            why = _reading_state(obs)
            if why is None and obs.value is not None:
                value = obs.value * MMHG_PER_KPA if obs.unit_code == KPA else obs.value
                why = value_state(param, value)
                if why is None:
                    flags = _nibp_flags(obs, t) if param in _NIBP else SampleFlag.NONE
                    events.append(Sample(param, value, t, host_t, flags))
                    continue
            if why in (ValueState.NOT_A_NUMBER, ValueState.IMPLAUSIBLE):
                self.stats.invalid_values += 1
            unavailable.append((param, why))
        status = DeviceStatus(t, host_t, frozenset(), tuple(sorted(set(unavailable))))
        if not status.same_state(self._status):
            self._status = status
            events.append(status)
        return events

    @staticmethod
    def _chosen_sources(observations: list[msg.NumericObs]) -> dict[str, msg.NumericObs]:
        """For each parameter, the observation that feeds it: the first usable by preference, else the first."""
        chosen: dict[str, msg.NumericObs] = {}
        for obs in sorted(observations, key=lambda o: (_reading_state(o) is not None, _RANK.get(o.physio_id, 0))):
            param = PARAM_OF.get(obs.physio_id)
            if param is not None and obs.unit_code in expected_units(param):
                chosen.setdefault(param, obs)
        return chosen

    def _other(self, obs: msg.NumericObs, t: float, host_t: float) -> OtherValue:
        text = obs.label_text or self._texts.get(obs.physio_id)
        label = f"{text} — {label_of(obs.physio_id)}" if text else label_of(obs.physio_id)
        return OtherValue(obs.physio_id, label, unit_of(obs.unit_code), obs.value, t, host_t, obs.state)
