"""A simulated Philips IntelliVue on its MIB/RS-232 Data Export port: the MONITOR's side of the conversation.

It hears what a host sends (association request, MDS Create Result, poll requests, release) and builds what a monitor
sends (association response, MDS Create Event Report, poll results split into linked results, release response,
abort); `IntellivueEncoder` plays the session for the SimulatedMonitor. Layouts: shared/protocols/README.md §3 and the
real monitor's frames in shared/vectors (§3), whose session/presentation wrapper the association response repeats.
The host's side (the program's driver) is monitor.devices.intellivue; this module only shares its framing and
FLOAT-Type, so a mistake on one side is not silently mirrored on the other.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from monitor.devices.events import MeasurementState
from monitor.devices.intellivue.float_type import NAN, encode_float
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.simulator.physiology import PatientModel, VitalsState
from monitor.devices.simulator.scenario import Scenario

PROTOCOL = "intellivue-mib"

# Session SPDU types (first byte of a message outside the data-export protocol).
SPDU_CONNECT = 0x0D  # CN: association request
SPDU_ACCEPT = 0x0E  # AC
SPDU_REFUSE = 0x0C  # RF
SPDU_RELEASE_REQUEST = 0x09  # RLRQ
SPDU_RELEASE_RESPONSE = 0x0A  # RLRE
SPDU_ABORT = 0x19  # AB

SPPDU = b"\xe1\x00\x00\x02"  # session id 0xE100, presentation context 2: every data-export message starts so
RO_INVOKE, RO_RESULT, RO_LINKED_RESULT = 1, 2, 5
CMD_CONFIRMED_EVENT_REPORT, CMD_CONFIRMED_ACTION = 1, 7
LINKED_FIRST, LINKED_MIDDLE, LINKED_LAST = 1, 2, 3
MDS = (0x0021, 0, 0)  # managed object: NOM_MOC_VMS_MDS, context 0, handle 0
NOTI_MDS_CREATE = 0x0D06
ACT_POLL, ACT_POLL_EXT = 0x0C16, 0xF13B
METRIC_NU = (1, 6)  # polled object type: partition 1 (objects), NOM_MOC_VMO_METRIC_NU

# Attribute ids
ATTR_ID_HANDLE = 0x0921
ATTR_ID_LABEL = 0x0924
ATTR_ID_LABEL_STRING = 0x0927
ATTR_ID_MODEL = 0x0928
ATTR_NU_CMPD_VAL_OBS = 0x094B
ATTR_NU_VAL_OBS = 0x0950
ATTR_SYS_ID = 0x0984
ATTR_TIME_ABS = 0x0987
ATTR_TIME_REL = 0x098F
ATTR_TIME_STAMP_ABS = 0x0990
POLL_PROFILE_SUPPORT = 0x0001  # the poll profile's id inside the association user info
POLL_PROFILE_EXT = 0xF001

# Unit codes
UNIT_BPM = 0x0AA0
UNIT_PERCENT = 0x0220
UNIT_MMHG = 0x0F20
UNIT_RPM = 0x0AE0
UNIT_CELSIUS = 0x17A0
UNIT_NONE = 0x0200

TICKS_PER_S = 8000  # RelativeTime: 1/8 ms
REL_TIME_AT_START = 1_950_208  # the monitor was switched on before the session: its relative clock is not at 0
MONITOR_MTU = 996  # the largest message this monitor sends or takes (a real one's association response)
NO_ABS_TIME = b"\xff" * 8  # poll results carry no absolute time stamp, as a real monitor's do not

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


def silence_timeout_s(min_poll_period_s: float) -> float:
    """How long the monitor waits for the host before it drops the association (mdpnp's rule, protocols README
    §3.3): 10 s for periods up to 3.3 s, three periods up to 43 s, else 130 s."""
    if min_poll_period_s <= 3.3:
        return 10.0
    if min_poll_period_s <= 43.0:
        return 3 * min_poll_period_s
    return 130.0


def rel_ticks(t: float) -> int:
    """The monitor's relative clock at session time `t` (u32, wraps after ~6 days)."""
    return (REL_TIME_AT_START + round(t * TICKS_PER_S)) % 2**32


def _bcd(n: int) -> int:
    return (n // 10) << 4 | n % 10


def bcd_time(unix_s: float) -> bytes:
    """AbsoluteTime: century, year, month, day, hour, minute, second, hundredths, each one BCD byte (local time:
    the monitor's clock shows the ward's time)."""
    tm = time.localtime(unix_s)
    hundredths = int((unix_s % 1) * 100)
    fields = (tm.tm_year // 100, tm.tm_year % 100, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
    return bytes(_bcd(f) for f in (*fields, hundredths))


# --- what the host says ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssociationRequest:
    min_poll_period_ticks: int
    max_mtu_rx: int  # the largest message the host takes


@dataclass(frozen=True, slots=True)
class PollRequest:
    invoke_id: int
    poll_number: int
    extended: bool
    obj_type: tuple[int, int]  # (partition, code)


@dataclass(frozen=True, slots=True)
class EventAcknowledged:
    invoke_id: int


@dataclass(frozen=True, slots=True)
class HostRelease:
    pass


@dataclass(frozen=True, slots=True)
class HostAbort:
    pass


@dataclass(frozen=True, slots=True)
class UnreadableAssociationRequest:
    reason: str


@dataclass(frozen=True, slots=True)
class NotUnderstood:
    reason: str


HostMessage = (
    AssociationRequest
    | UnreadableAssociationRequest
    | PollRequest
    | EventAcknowledged
    | HostRelease
    | HostAbort
    | NotUnderstood
)

_USER_INFO_START = bytes.fromhex("80000000 40000000")  # MDSEUserInfoStd: protocol 0x80000000, nomenclature 0x40000000


def read_host_message(data: bytes) -> HostMessage:
    """What a host's message (a frame's user data) asks; never raises."""
    try:
        return _read(data)
    except struct.error as exc:  # cut short
        if data[:1] == bytes((SPDU_CONNECT,)):
            return UnreadableAssociationRequest(str(exc))
        return NotUnderstood(str(exc))


def _read(data: bytes) -> HostMessage:
    if not data:
        return NotUnderstood("empty message")
    first = data[0]
    if first == SPDU_CONNECT:
        return _association_request(data)
    if first == SPDU_RELEASE_REQUEST:
        return HostRelease()
    if first == SPDU_ABORT:
        return HostAbort()
    if not data.startswith(SPPDU):
        return NotUnderstood(f"neither a session SPDU nor a data-export message (0x{first:02X})")
    ro_type, _length = struct.unpack_from(">HH", data, 4)
    invoke_id, command = struct.unpack_from(">HH", data, 8)
    if ro_type == RO_RESULT and command == CMD_CONFIRMED_EVENT_REPORT:
        return EventAcknowledged(invoke_id)
    if ro_type == RO_INVOKE and command == CMD_CONFIRMED_ACTION:
        # 12: length, 14: managed object (6), 20: scope (4), 24: action type, 26: length, 28: poll number
        action, _ = struct.unpack_from(">HH", data, 24)
        if action in (ACT_POLL, ACT_POLL_EXT):
            poll_number, partition, code = struct.unpack_from(">HHH", data, 28)
            return PollRequest(invoke_id, poll_number, action == ACT_POLL_EXT, (partition, code))
        return NotUnderstood(f"action 0x{action:04X}")
    return NotUnderstood(f"remote operation {ro_type}, command {command}")


def _association_request(data: bytes) -> AssociationRequest | UnreadableAssociationRequest:
    """The poll profile in the request's MDSEUserInfoStd (the BER wrapper around it is canned: found by its start)."""
    at = data.find(_USER_INFO_START)
    if at < 0:
        return UnreadableAssociationRequest("no MDSE user info")
    pos = at + 20  # protocol, nomenclature, functional units, system type, startup mode
    _count, length = struct.unpack_from(">HH", data, pos)
    pos += 4 + length  # option list
    count, _length = struct.unpack_from(">HH", data, pos)
    pos += 4
    for _ in range(count):  # supported profiles: AVAs
        attr, length = struct.unpack_from(">HH", data, pos)
        if attr == POLL_PROFILE_SUPPORT:
            _revision, period, mtu_rx = struct.unpack_from(">III", data, pos + 4)
            if period == 0 or mtu_rx < 100:
                return UnreadableAssociationRequest(f"a poll profile with period {period} ticks, MTU {mtu_rx}")
            return AssociationRequest(period, mtu_rx)
        pos += 4 + length
    return UnreadableAssociationRequest("no poll profile")


# --- what the monitor says -------------------------------------------------------------------------------------

# The session and presentation wrapper of a real monitor's association response (shared/vectors §3, frame 0) up to
# its MDSEUserInfoStd; the wrapper's BER lengths stay right as long as the user info keeps its 72 bytes.
_ACCEPT_HEAD = bytes.fromhex(
    "0ece0508130100160102800014020002c1be3180a0808001010000a280a00300"
    "0001a58030808001008102510100003080800100810c2a8648ce140201000000"
    "02010000000061803080020101a0806180a180060c2a8648ce14020100000003"
    "010000a203020100a305a103020100be8028800201028148"
)
_ACCEPT_TAIL = bytes(16)  # the end-of-contents octets of the wrapper's indefinite lengths
_USER_INFO_SIZE = 72


def association_response(min_poll_period_ticks: int, mtu: int) -> bytes:
    """AC: accepted, with this monitor's poll profile (the period the host asked for, the MTU both can take)."""
    profile = struct.pack(">6I", 0x80000000, min_poll_period_ticks, mtu, mtu, 0xFFFFFFFF, 0x60000000)
    ext = _U16.pack(POLL_PROFILE_EXT) + _U16.pack(8) + _U32.pack(0x8E000000) + _U32.pack(0)  # ext options, no attrs
    optional = struct.pack(">HH", 1, len(ext)) + ext
    aprofile = struct.pack(">HH", POLL_PROFILE_SUPPORT, len(profile + optional)) + profile + optional
    user_info = (
        # protocol version, nomenclature version, functional units, system type server, startup mode hot start
        struct.pack(">5I", 0x80000000, 0x40000000, 0, 0x00800000, 0x80000000)
        + struct.pack(">HH", 0, 0)  # option list: empty
        + struct.pack(">HH", 1, len(aprofile))
        + aprofile
    )
    assert len(user_info) == _USER_INFO_SIZE, "the wrapper's lengths assume a 72-byte user info"
    return _ACCEPT_HEAD + user_info + _ACCEPT_TAIL


def refuse() -> bytes:
    """RF: the association is refused (a request this monitor cannot read). The session parameter 0x11 (transport
    disconnect) says the connection is released; the host needs no more than the SPDU type."""
    return bytes((SPDU_REFUSE, 0x03, 0x11, 0x01, 0x03))


def abort() -> bytes:
    """AB: the monitor drops the association (same parameter as the refusal)."""
    return bytes((SPDU_ABORT, 0x03, 0x11, 0x01, 0x03))


def release_response() -> bytes:
    """RLRE: the host's release request (RLRQ, protocols README §3.3) answered in kind -- the same session and
    presentation wrapper around an ACSE release response ([APPLICATION 3], reason normal), then the end-of-contents
    octets of its four indefinite lengths."""
    body = bytes.fromhex("c116 6180 3080 020101 a080 6380 800100".replace(" ", "")) + bytes(8)
    return bytes((SPDU_RELEASE_RESPONSE, len(body))) + body


def _ava(attr: int, value: bytes) -> bytes:
    return struct.pack(">HH", attr, len(value)) + value


def _attribute_list(avas: list[bytes]) -> bytes:
    body = b"".join(avas)
    return struct.pack(">HH", len(avas), len(body)) + body


def _variable_label(text: str) -> bytes:
    raw = text.encode("ascii") + b"\0"
    raw += b"\0" * (len(raw) % 2)
    return _U16.pack(len(raw)) + raw


def _remote_operation(ro_type: int, invoke_id: int, command: int, body: bytes, linked: tuple[int, int] | None) -> bytes:
    op = struct.pack(">HHH", invoke_id, command, len(body)) + body
    if linked is not None:
        op = bytes(linked) + op
    return SPPDU + struct.pack(">HH", ro_type, len(op)) + op


def mds_create_event(invoke_id: int, abs_time: float, rel_time: int) -> bytes:
    """The MDS Create Event Report a monitor sends right after it accepts: who it is and its two clocks, read at
    the same moment (`abs_time` Unix s, `rel_time` ticks)."""
    attributes = _attribute_list(
        [
            _ava(ATTR_SYS_ID, _U16.pack(6) + bytes.fromhex("00095e000001")),
            _ava(ATTR_ID_MODEL, _variable_label("Simulated") + _variable_label("MIB-SIM")),
            _ava(ATTR_TIME_ABS, bcd_time(abs_time)),
            _ava(ATTR_TIME_REL, _U32.pack(rel_time)),
        ]
    )
    info = struct.pack(">3H", *MDS) + attributes
    body = struct.pack(">3H", *MDS) + _U32.pack(rel_time) + struct.pack(">HH", NOTI_MDS_CREATE, len(info)) + info
    return _remote_operation(RO_INVOKE, invoke_id, CMD_CONFIRMED_EVENT_REPORT, body, None)


@dataclass(frozen=True, slots=True)
class Numeric:
    """One numeric object of the monitor: its handle, label, label text, and one value or several (a compound)."""

    handle: int
    label: int  # physio id of the object (its TextId's code)
    text: str  # what the monitor's screen calls it, <= 6 characters
    values: tuple[tuple[int, int, int, float | None], ...]  # (physio id, state, unit, value)
    compound: bool = False
    digits: int = 0  # decimals the monitor shows
    measured_at: float | None = None  # Unix s of the measurement, for an episodic one (NIBP)


def encode_numeric(numeric: Numeric) -> bytes:
    """One ObservationPoll: the object's handle and its attributes."""

    def obs(physio: int, state: int, unit: int, value: float | None) -> bytes:
        raw = NAN if value is None else encode_float(value, numeric.digits)
        return struct.pack(">HHHI", physio, state, unit, raw)

    text = (numeric.text[:6].ljust(6) + "\0").encode("utf-16-be")
    avas = [
        _ava(ATTR_ID_HANDLE, _U16.pack(numeric.handle)),
        _ava(ATTR_ID_LABEL, _U32.pack(0x00020000 | numeric.label)),
        _ava(ATTR_ID_LABEL_STRING, _U16.pack(len(text)) + text),
    ]
    encoded = [obs(*value) for value in numeric.values]
    if numeric.compound:
        avas.append(_ava(ATTR_NU_CMPD_VAL_OBS, struct.pack(">HH", len(encoded), 10 * len(encoded)) + b"".join(encoded)))
    else:
        avas.append(_ava(ATTR_NU_VAL_OBS, encoded[0]))
    if numeric.measured_at is not None:
        avas.append(_ava(ATTR_TIME_STAMP_ABS, bcd_time(numeric.measured_at)))
    return _U16.pack(numeric.handle) + _attribute_list(avas)


def poll_results(request: PollRequest, rel_time: int, observations: list[bytes], mtu: int) -> list[bytes]:
    """The answer to a poll: one result (RORS) when it fits `mtu`, else linked results (RORLS first, middle...,
    last) each within it, then an empty RORS -- the split a real monitor makes (shared/vectors §3)."""

    def message(ro_type: int, linked: tuple[int, int] | None, part: list[bytes]) -> bytes:
        body = b"".join(part)
        polls = struct.pack(">HHH", 0, len(part), len(body)) + body if part else b""  # one context: 0
        info = struct.pack(">HH", 1 if part else 0, len(polls)) + polls
        reply = _U16.pack(request.poll_number)
        if request.extended:
            reply += _U16.pack(0)  # sequence number
        reply += _U32.pack(rel_time) + NO_ABS_TIME + struct.pack(">HHH", *request.obj_type, 0) + info
        action = ACT_POLL_EXT if request.extended else ACT_POLL
        body = struct.pack(">3H", *MDS) + struct.pack(">HH", action, len(reply)) + reply
        return _remote_operation(ro_type, request.invoke_id, CMD_CONFIRMED_ACTION, body, linked)

    whole = message(RO_RESULT, None, observations)
    if len(whole) <= mtu:
        return [whole]
    budget = mtu - len(message(RO_LINKED_RESULT, (0, 0), [])) - 6  # the context's own header
    parts: list[list[bytes]] = [[]]
    for obs in observations:
        if parts[-1] and sum(map(len, parts[-1])) + len(obs) > budget:
            parts.append([])
        parts[-1].append(obs)
    out = []
    for i, part in enumerate(parts, start=1):
        state = LINKED_FIRST if i == 1 else LINKED_LAST if i == len(parts) else LINKED_MIDDLE
        out.append(message(RO_LINKED_RESULT, (state, i % 256), part))
    out.append(message(RO_RESULT, None, []))
    return out


# --- the scenario's values, as the monitor's numerics ---------------------------------------------------------


def numerics(state: VitalsState, start_time: float) -> list[Numeric]:
    """What the monitor shows for this state: ECG, SpO2 (invalid with the probe off), NIBP (unavailable before the
    first reading; the last one, flagged as measuring, while the cuff inflates), CO2, temperature -- the mapped
    parameters and ones the program has no name for (PVC, perfusion)."""
    off = state.sensor_off
    spo2_state = MeasurementState.INVALID if off else 0

    def single(
        handle: int, physio: int, text: str, unit: int, value: float | None, st: int = 0, dp: int = 0
    ) -> Numeric:
        return Numeric(handle, physio, text, ((physio, st, unit, value),), digits=dp)

    if state.nibp is None:
        nibp_state, nibp, measured = MeasurementState.UNAVAILABLE, (None, None, None), None
    else:
        nibp_state = MeasurementState.MEASUREMENT_ONGOING if state.nibp_measuring else 0
        nibp, measured = (state.nibp.sys, state.nibp.dia, state.nibp.mean), start_time + state.nibp.time
    return [
        single(0x0101, 0x4182, "HR", UNIT_BPM, state.hr),
        single(0x0102, 0x4261, "PVC", UNIT_BPM, 0),
        single(0x0201, 0x4BB8, "SpO2", UNIT_PERCENT, None if off else state.spo2, spo2_state),
        single(0x0202, 0x4822, "Pulse", UNIT_BPM, None if off else state.pr, spo2_state),
        single(0x0203, 0x4BB0, "Perf", UNIT_NONE, None if off else state.pi, spo2_state, dp=2),
        Numeric(
            0x0301,
            0x4A04,
            "NBP",
            tuple((p, nibp_state, UNIT_MMHG, v) for p, v in zip((0x4A05, 0x4A06, 0x4A07), nibp, strict=True)),
            compound=True,
            measured_at=measured,
        ),
        single(0x0401, 0x5012, "awRR", UNIT_RPM, state.rr),
        single(0x0402, 0x50B0, "etCO2", UNIT_MMHG, state.etco2),
        single(0x0403, 0x50BA, "imCO2", UNIT_MMHG, state.fico2),
        single(0x0501, 0x4B48, "T1", UNIT_CELSIUS, state.temp, dp=1),
    ]


# --- the session ------------------------------------------------------------------------------------------------


class Association(Enum):
    IDLE = "idle"  # waiting for an association request
    WAITING_ACK = "waiting for the MDS create result"
    ASSOCIATED = "associated"


class IntellivueEncoder:
    """An IntelliVue's data export: silent until a host asks to associate; then the association response and the MDS
    Create Event; once the host has answered that, poll results with the scenario's values. A host silent past the
    negotiated timeout loses the association (abort); a release ends it politely. Link timing runs on `clock`
    (wall seconds: the host's polls come in real time whatever the simulation's speed); values and the monitor's
    clocks run on session time."""

    def __init__(
        self,
        model: PatientModel,
        scenario: Scenario,
        start_time: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model, self.scenario, self.start_time = model, scenario, start_time
        self._clock = clock
        self.requests_seen = 0  # polls heard
        self.associations = 0
        self.aborts_sent = 0
        self.releases = 0
        self.linked_results_sent = 0
        self.not_understood = 0
        self.state = Association.IDLE
        self.timeout_s = 10.0
        self._reader = FrameReader()
        self._mtu = MONITOR_MTU
        self._invoke_id = 0
        self._event_id: int | None = None
        self._last_heard = 0.0

    def reset(self) -> None:
        self._reader = FrameReader()
        self.state = Association.IDLE  # a new cable: the host must associate again

    def hear(self, data: bytes, t: float) -> list[bytes]:
        out: list[bytes] = []
        for user_data in self._reader.feed(data):
            if self.state is not Association.IDLE:
                self._last_heard = self._clock()  # any message keeps the association alive
            out += [encode_frame(m) for m in self._answer(read_host_message(user_data), t)]
        return out

    def due(self, t: float) -> list[bytes]:
        if self.state is Association.IDLE or self._clock() - self._last_heard <= self.timeout_s:
            return []
        self.state = Association.IDLE
        self.aborts_sent += 1
        return [encode_frame(abort())]

    def _answer(self, message: HostMessage, t: float) -> list[bytes]:
        match message:
            case AssociationRequest():
                return self._associate(message, t)
            case PollRequest():
                self.requests_seen += 1
                if self.state is not Association.ASSOCIATED:
                    return []  # no answer before the host has taken the MDS create event
                return self._poll(message, t)
            case EventAcknowledged(invoke_id) if self.state is Association.WAITING_ACK and invoke_id == self._event_id:
                self.state = Association.ASSOCIATED
            case HostRelease() if self.state is not Association.IDLE:
                self.state = Association.IDLE
                self.releases += 1
                return [release_response()]
            case HostAbort():
                self.state = Association.IDLE
            case UnreadableAssociationRequest():
                self.not_understood += 1
                self.state = Association.IDLE
                return [refuse()]
            case NotUnderstood():
                self.not_understood += 1
        return []

    def _associate(self, request: AssociationRequest, t: float) -> list[bytes]:
        """Accept (afresh, if the host asks again while associated) and announce the MDS."""
        self.associations += 1
        self.state = Association.WAITING_ACK
        self._mtu = min(request.max_mtu_rx, MONITOR_MTU)
        self.timeout_s = silence_timeout_s(request.min_poll_period_ticks / TICKS_PER_S)
        self._last_heard = self._clock()
        self._invoke_id = (self._invoke_id + 1) % 2**16
        self._event_id = self._invoke_id
        # The clocks as read at one whole second: the absolute one has no finer digits a host must parse.
        second = int(self.start_time + t)
        event = mds_create_event(self._event_id, second, rel_ticks(second - self.start_time))
        return [association_response(request.min_poll_period_ticks, self._mtu), event]

    def _poll(self, request: PollRequest, t: float) -> list[bytes]:
        observations = []
        if request.obj_type == METRIC_NU:
            observations = [encode_numeric(n) for n in numerics(self.model.state_at(t), self.start_time)]
        results = poll_results(request, rel_ticks(t), observations, self._mtu)
        self.linked_results_sent += len(results) - 1
        return results
