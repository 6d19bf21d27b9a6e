"""IntelliVue Data Export messages: parse what a monitor sends, build what a host sends.

Layouts restated from shared/protocols/README.md §3.3-3.4 (all big-endian). The user data of one frame is either a
session message (first byte: 0x0E accept, 0x0C refuse, 0x19 abort, 0x0A release response, 0x09 release request) or
a data-export message:

    0  SPpdu      session_id 0xE100, p_context_id 0x0002
    4  ROapdus    ro_type (1 invoke, 2 result, 3 error, 5 linked result), length
    8  [linked]   state u8 (1 first, 2 middle, 3 last), count u8        -- ro_type 5 only
    .  RO header  invoke_id, command_type, length
    .  body       event report (MDS create) or action result (poll), see _parse_poll / _parse_mds_create

parse_message never raises: whatever it cannot read comes back as Unknown(reason).
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from monitor.devices.intellivue.float_type import decode_float

# Session layer
SPDU_ACCEPT = 0x0E
SPDU_REFUSE = 0x0C
SPDU_ABORT = 0x19
SPDU_RELEASE_RESPONSE = 0x0A
SPDU_RELEASE_REQUEST = 0x09
SESSION_ID = 0xE100
P_CONTEXT_ID = 0x0002

# Remote operations
RO_INVOKE = 1
RO_RESULT = 2
RO_ERROR = 3
RO_LINKED_RESULT = 5
LINKED_FIRST, LINKED_MIDDLE, LINKED_LAST = 1, 2, 3
CMD_EVENT_REPORT = 0
CMD_CONFIRMED_EVENT_REPORT = 1
CMD_CONFIRMED_ACTION = 7

NOM_MOC_VMS_MDS = 0x0021
NOM_MOC_VMO_METRIC_NU = 0x0006
NOM_NOTI_MDS_CREAT = 0x0D06
NOM_ACT_POLL_MDIB_DATA = 0x0C16
NOM_ACT_POLL_MDIB_DATA_EXT = 0xF13B
NOM_PART_OBJ = 1  # partition of object classes

# Attributes
NOM_ATTR_ID_LABEL = 0x0924
NOM_ATTR_ID_LABEL_STRING = 0x0927
NOM_ATTR_NU_CMPD_VAL_OBS = 0x094B
NOM_ATTR_NU_VAL_OBS = 0x0950
NOM_ATTR_TIME_ABS = 0x0987
NOM_ATTR_TIME_REL = 0x098F
NOM_ATTR_TIME_STAMP_ABS = 0x0990  # when an object's value was measured (NIBP: the cuff reading)
NOM_ATTR_TIME_PD_POLL = 0xF13E
NOM_POLL_PROFILE_SUPPORT = 0x0001

TICKS_PER_SECOND = 8000  # RelativeTime: 1/8 ms

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_RO = struct.Struct(">HH")  # ro_type, length
_RO_HEADER = struct.Struct(">HHH")  # invoke_id, command_type, length
_MO = struct.Struct(">HHH")  # m_obj_class, context_id, handle
_NU_OBS = struct.Struct(">HHHI")  # physio_id, state, unit_code, FLOAT value


class MessageError(ValueError):
    """The bytes do not hold the structure their lengths announce."""


@dataclass(frozen=True, slots=True)
class ManagedObject:
    m_obj_class: int
    context_id: int
    handle: int


@dataclass(frozen=True)
class AssociationResult:
    """The monitor's answer to an association request, or its end: accepted only for an accept."""

    accepted: bool
    kind: str
    min_poll_period_ticks: int | None = None  # negotiated poll profile (accept only)


@dataclass(frozen=True)
class Refuse(AssociationResult):
    accepted: bool = False
    kind: str = "refuse"


@dataclass(frozen=True)
class Abort(AssociationResult):
    accepted: bool = False
    kind: str = "abort"


@dataclass(frozen=True)
class Release(AssociationResult):
    """The association released: the monitor's answer to our release request (or its own request)."""

    accepted: bool = False
    kind: str = "release"


@dataclass(frozen=True, slots=True)
class MdsCreate:
    invoke_id: int
    obj: ManagedObject
    abs_time: float | None  # Unix seconds of the monitor's clock (local time read in this computer's zone)
    rel_time: int  # RelativeTime ticks at abs_time


@dataclass(frozen=True, slots=True)
class NumericObs:
    physio_id: int
    state: int  # MeasurementState bits (monitor.devices.events)
    unit_code: int
    value: float | None  # None: NaN, NRes or infinite
    rel_time: int
    label: int | None = None  # the object's TextId (NOM_ATTR_ID_LABEL)
    label_text: str | None = None  # the monitor's display label (NOM_ATTR_ID_LABEL_STRING), e.g. "Perf"
    measured_at: float | None = None  # the object's NOM_ATTR_TIME_STAMP_ABS as Unix seconds (as MdsCreate.abs_time)


@dataclass(frozen=True, slots=True)
class PollResult:
    invoke_id: int
    linked_state: int | None  # LINKED_FIRST / MIDDLE / LAST for a linked part; None for the (final) result
    poll_number: int
    rel_time: int
    observations: list[NumericObs] = field(default_factory=list)
    polled_code: int = NOM_MOC_VMO_METRIC_NU  # object class polled (6 numerics, 9 waves, ...)
    linked_count: int = 0


@dataclass(frozen=True, slots=True)
class Unknown:
    reason: str
    malformed: bool = False  # the bytes break the layout (not merely a message this program does not use)


Message = AssociationResult | MdsCreate | PollResult | Unknown


def parse_message(user_data: bytes) -> Message:
    """What one frame's user data says; Unknown(reason) for anything else or anything malformed."""
    try:
        return _parse(user_data)
    except (MessageError, struct.error, IndexError) as exc:
        return Unknown(f"malformed: {exc}", malformed=True)


def _parse(data: bytes) -> Message:
    if not data:
        return Unknown("empty")
    first = data[0]
    if first == SPDU_ACCEPT:
        return AssociationResult(True, "accept", _poll_period(data))
    if first == SPDU_REFUSE:
        return Refuse()
    if first == SPDU_ABORT:
        return Abort()
    if first in (SPDU_RELEASE_RESPONSE, SPDU_RELEASE_REQUEST):
        return Release()
    if _U16.unpack_from(data, 0)[0] != SESSION_ID:
        return Unknown(f"session byte 0x{first:02X}")
    ro_type, _length = _RO.unpack_from(data, 4)
    if ro_type == RO_INVOKE:
        return _parse_invoke(data)
    if ro_type in (RO_RESULT, RO_LINKED_RESULT):
        return _parse_result(data, ro_type)
    if ro_type == RO_ERROR:
        invoke_id, error = struct.unpack_from(">HH", data, 8)
        return Unknown(f"remote operation error {error} for invoke id {invoke_id}")
    return Unknown(f"ro_type {ro_type}")


def _poll_period(data: bytes) -> int | None:
    # The poll profile is an AVA (NOM_POLL_PROFILE_SUPPORT, 40 bytes) in the user-info part, revision 0x80000000
    # first, then min_poll_period.
    at = data.find(b"\x00\x01\x00\x28\x80\x00\x00\x00")
    if at < 0 or at + 12 > len(data):
        return None
    return _U32.unpack_from(data, at + 8)[0]


def _parse_invoke(data: bytes) -> Message:
    invoke_id, command, _length = _RO_HEADER.unpack_from(data, 8)
    if command not in (CMD_EVENT_REPORT, CMD_CONFIRMED_EVENT_REPORT):
        return Unknown(f"invoke of command {command}")
    # EventReportArgument: managed_object, event_time u32, event_type, length; then MdsCreateInfo
    obj = ManagedObject(*_MO.unpack_from(data, 14))
    event_time, event_type, _ = struct.unpack_from(">IHH", data, 20)
    if event_type != NOM_NOTI_MDS_CREAT:
        return Unknown(f"event report 0x{event_type:04X}")
    attrs = dict(_attributes(data, 34, len(data)))  # after MdsCreateInfo's managed_object (28..33)
    rel_time = _U32.unpack_from(attrs[NOM_ATTR_TIME_REL])[0] if NOM_ATTR_TIME_REL in attrs else event_time
    abs_raw = attrs.get(NOM_ATTR_TIME_ABS)
    return MdsCreate(invoke_id, obj, bcd_time(abs_raw) if abs_raw else None, rel_time)


def bcd_time(raw: bytes) -> float | None:
    """AbsoluteTime (century, year, month, day, hour, minute, second, fraction; BCD) as Unix seconds, reading the
    monitor's wall clock in this computer's time zone; None when unset (0xFF) or not a date."""
    digits = []
    for byte in raw[:8]:
        high, low = byte >> 4, byte & 0x0F
        if high > 9 or low > 9:
            return None
        digits.append(high * 10 + low)
    if len(digits) < 8:
        return None
    century, year, month, day, hour, minute, second, fraction = digits
    try:
        wall = dt.datetime(century * 100 + year, month, day, hour, minute, second)
    except ValueError:
        return None
    return wall.timestamp() + fraction / 100


def _attributes(data: bytes, at: int, end: int) -> list[tuple[int, bytes]]:
    """An AttributeList at `at`: count, length, then `count` AVAs (attribute_id, length, value)."""
    count, length = struct.unpack_from(">HH", data, at)
    at += 4
    stop = at + length
    if stop > end:
        raise MessageError("attribute list past its container")
    out = []
    for _ in range(count):
        attr_id, size = struct.unpack_from(">HH", data, at)
        at += 4
        if at + size > stop:
            raise MessageError(f"attribute 0x{attr_id:04X} past its list")
        out.append((attr_id, data[at : at + size]))
        at += size
    return out


def _parse_result(data: bytes, ro_type: int) -> Message:
    at = 8
    linked_state = linked_count = None
    if ro_type == RO_LINKED_RESULT:
        linked_state, linked_count = data[8], data[9]
        at = 10
    invoke_id, command, _length = _RO_HEADER.unpack_from(data, at)
    if command != CMD_CONFIRMED_ACTION:
        return Unknown(f"result of command {command}")
    at += 6 + _MO.size
    action, _alen = struct.unpack_from(">HH", data, at)
    if action not in (NOM_ACT_POLL_MDIB_DATA, NOM_ACT_POLL_MDIB_DATA_EXT):
        return Unknown(f"result of action 0x{action:04X}")
    at += 4
    poll_number = _U16.unpack_from(data, at)[0]
    at += 4 if action == NOM_ACT_POLL_MDIB_DATA_EXT else 2  # extended: + sequence_no
    rel_time = _U32.unpack_from(data, at)[0]
    at += 4 + 8  # rel_time_stamp, abs_time_stamp
    _partition, code, _attr_group = struct.unpack_from(">HHH", data, at)
    at += 6
    observations = list(_poll_info(data, at, rel_time))
    return PollResult(invoke_id, linked_state, poll_number, rel_time, observations, code, linked_count or 0)


def _poll_info(data: bytes, at: int, rel_time: int) -> Iterator[NumericObs]:
    """PollInfoList { SingleContextPoll: context_id, { ObservationPoll: handle, AttributeList } }."""
    count, length = struct.unpack_from(">HH", data, at)
    at += 4
    end = at + length
    if end > len(data):
        raise MessageError("poll info list past the message")
    for _ in range(count):
        _context, n_obs, obs_len = struct.unpack_from(">HHH", data, at)
        at += 6
        obs_end = at + obs_len
        if obs_end > end:
            raise MessageError("context poll past its list")
        for _ in range(n_obs):
            _handle = _U16.unpack_from(data, at)[0]
            attrs = _attributes(data, at + 2, obs_end)
            at += 2 + 4 + _U16.unpack_from(data, at + 4)[0]
            yield from _observations(attrs, rel_time)
        at = obs_end


def _observations(attrs: list[tuple[int, bytes]], rel_time: int) -> list[NumericObs]:
    label = measured_at = None
    values: list[tuple[int, int, int, int]] = []
    text_raw = b""
    for attr_id, value in attrs:
        if attr_id == NOM_ATTR_NU_VAL_OBS:
            values.append(_NU_OBS.unpack_from(value))
        elif attr_id == NOM_ATTR_NU_CMPD_VAL_OBS:
            count, length = struct.unpack_from(">HH", value)
            if 4 + length > len(value) or count * _NU_OBS.size > length:
                raise MessageError("compound value past its attribute")
            values.extend(_NU_OBS.unpack_from(value, 4 + i * _NU_OBS.size) for i in range(count))
        elif attr_id == NOM_ATTR_ID_LABEL:
            label = _U32.unpack_from(value)[0]
        elif attr_id == NOM_ATTR_ID_LABEL_STRING:
            text_raw = value
        elif attr_id == NOM_ATTR_TIME_STAMP_ABS:
            measured_at = bcd_time(value)
    if not values:
        return []  # an object described, no number sent (the first poll after association)
    text = _label_string(text_raw) if text_raw else None
    return [
        NumericObs(physio, state, unit, decode_float(raw), rel_time, label, text, measured_at)
        for physio, state, unit, raw in values
    ]


def _label_string(value: bytes) -> str | None:
    size = _U16.unpack_from(value)[0]
    text = value[2 : 2 + size].decode("utf-16-be", errors="replace").strip("\x00 ")
    return text or None


class LinkedAssembler:
    """Joins a poll's linked results (first, middle..., last) and the final result into one PollResult.

    A part out of order (a middle without its first, a count that skips) drops the poll being assembled: a
    partial poll would look like the monitor had stopped sending the missing values.
    """

    MAX_PENDING = 8

    def __init__(self) -> None:
        self._pending: dict[int, tuple[int, list[NumericObs]]] = {}  # invoke_id -> (last count, observations)
        self.dropped = 0

    def add(self, part: PollResult) -> PollResult | None:
        if part.linked_state is None:
            pending = self._pending.pop(part.invoke_id, None)
            if pending is None:
                return part
            return replace(part, observations=pending[1] + part.observations)
        if part.linked_state == LINKED_FIRST:
            if part.invoke_id in self._pending:
                self.dropped += 1
            if len(self._pending) >= self.MAX_PENDING:
                self._pending.pop(next(iter(self._pending)))
                self.dropped += 1
            self._pending[part.invoke_id] = (part.linked_count, list(part.observations))
            return None
        pending = self._pending.get(part.invoke_id)
        if pending is None or part.linked_count != (pending[0] + 1) & 0xFF:
            if self._pending.pop(part.invoke_id, None) is not None or pending is None:
                self.dropped += 1
            return None
        self._pending[part.invoke_id] = (part.linked_count, pending[1] + list(part.observations))
        return None


# --- What a host sends ---

# The association request's fixed part (session, presentation and ACSE headers up to the user information), and
# the end-of-contents octets after it: as Philips' Data Export test tool (DevIfTest) sends them (its log is cited
# in shared/protocols/README.md §3.3 and shared/vectors/README.md §3).
_AARQ_HEAD = bytes.fromhex(
    "0dec0508130100160102800014020002c1dc3180a0808001010000a280a003000001a48030800201010604520100013080060251010000"
    "00003080020102060c2a8648ce14020100000001013080060c2a8648ce140201000000020100000000000061803080020101a0806080a1"
    "80060c2a8648ce14020100000003010000be802880060c2a8648ce14020100000001010201028148"
)
_AARQ_TAIL = bytes(16)
PROTOCOL_VERSION = 0x80000000
NOMENCLATURE_VERSION = 0x40000000
SYSTEM_TYPE_CLIENT = 0x80000000
COLD_START = 0x20000000
POLL_PROFILE_REVISION = 0x80000000
P_OPT_DYN_CREATE_DELETE = 0x60000000
NOM_ATTR_POLL_PROFILE_EXT = 0xF001
EXT_OPTIONS = 0x89000000  # as DevIfTest: 1-s numerics, real-time samples, dynamic modalities
MTU = 1000


def association_request(
    min_poll_period_ticks: int, *, max_mtu: int = MTU, max_bw_tx: int = 0, ext_options: int = EXT_OPTIONS
) -> bytes:
    """The association request with a poll profile (MDSEUserInfoStd, 72 bytes) asking for `min_poll_period`."""
    profile = struct.pack(
        ">IIIIIIHHHHIHH",
        POLL_PROFILE_REVISION,
        min_poll_period_ticks,
        max_mtu,
        max_mtu,
        max_bw_tx,
        P_OPT_DYN_CREATE_DELETE,
        1,  # optional packages: one AVA of 12 bytes,
        4 + 8,
        NOM_ATTR_POLL_PROFILE_EXT,
        8,  # PollProfileExt: ext options, an empty attribute list
        ext_options,
        0,
        0,
    )
    user_info = struct.pack(">IIIII", PROTOCOL_VERSION, NOMENCLATURE_VERSION, 0, SYSTEM_TYPE_CLIENT, COLD_START)
    user_info += struct.pack(">HH", 0, 0)  # option list: empty
    user_info += struct.pack(">HHHH", 1, 4 + len(profile), NOM_POLL_PROFILE_SUPPORT, len(profile)) + profile
    assert len(user_info) == 72, len(user_info)
    return _AARQ_HEAD + user_info + _AARQ_TAIL


_RLRQ = bytes.fromhex("09 18 c1 16 61 80 30 80 02 01 01 a0 80 62 80 80 01 00 00 00 00 00 00 00 00 00")


def release_request() -> bytes:
    """The release request (RLRQ), as DevIfTest sends it."""
    return _RLRQ


def _sppdu() -> bytes:
    return struct.pack(">HH", SESSION_ID, P_CONTEXT_ID)


def mds_create_result(event: MdsCreate) -> bytes:
    """The confirmation of the monitor's MDS Create Event Report: its invoke id and managed object echoed."""
    body = _MO.pack(event.obj.m_obj_class, event.obj.context_id, event.obj.handle)
    body += struct.pack(">IHH", event.rel_time, NOM_NOTI_MDS_CREAT, 0)
    ro = _RO_HEADER.pack(event.invoke_id, CMD_CONFIRMED_EVENT_REPORT, len(body)) + body
    return _sppdu() + _RO.pack(RO_RESULT, len(ro)) + ro


def extended_poll_request(
    invoke_id: int, poll_number: int, *, code: int = NOM_MOC_VMO_METRIC_NU, period_ticks: int | None = None
) -> bytes:
    """An extended poll of all attribute groups of the objects of class `code` (numerics by default). With
    `period_ticks` the monitor keeps answering for that long (NOM_ATTR_TIME_PD_POLL); without, it answers once."""
    ext = b"" if period_ticks is None else struct.pack(">HHI", NOM_ATTR_TIME_PD_POLL, 4, period_ticks)
    ext_list = struct.pack(">HH", 1 if ext else 0, len(ext)) + ext
    action = struct.pack(">HHHH", poll_number, NOM_PART_OBJ, code, 0) + ext_list
    arg = _MO.pack(NOM_MOC_VMS_MDS, 0, 0) + _U32.pack(0) + struct.pack(">HH", NOM_ACT_POLL_MDIB_DATA_EXT, len(action))
    arg += action
    ro = _RO_HEADER.pack(invoke_id, CMD_CONFIRMED_ACTION, len(arg)) + arg
    return _sppdu() + _RO.pack(RO_INVOKE, len(ro)) + ro
