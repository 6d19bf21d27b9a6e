"""GE / Datex-Ohmeda S/5 Computer Interface (DRI): framing, requests and physiological records.

Runs on the serial worker thread (live) or in a replay; Qt-free. Facts restated from GE M1017617 (CI spec) and
GE 8005313 (DRI spec) as summarised in shared/protocols/README.md §2:

Frame (§2.3):  0x7E | escape(record + checksum) | 0x7E
    checksum = sum(record bytes) & 0xFF over the UNescaped record
    escape: 0x7E -> 7D 5E, 0x7D -> 7D 5D (the checksum byte is escaped too)
Record header `datex_hdr` (§2.4), 40 bytes little-endian:
    0 r_len int16 (whole record) | 2 r_nbr u8 | 3 dri_level u8 | 4 plug_id u16 | 6 r_time u32 (Unix s)
    10 n_subnet u8 | 11 u8 | 12 u16 | 14 r_maintype int16 (0 PHDB, 1 WAVE, 4 ALARM)
    16 sr_desc[8] = (sr_offset int16 from byte 40, sr_type u8); the list ends at sr_type 0xFF
PHDB subrecord (§2.6), 278 bytes: time u32 | physdata 270 | marker u8 | reserved u8 | cl_drilvl_subt u16
    class = bits 8-11 of cl_drilvl_subt (0 basic, 1 ext1, 2 ext2, 3 ext3) -- never the position.
Values (§2.7): int16; <= -32001 are status codes (invalid, not updated, ...), never numbers. A number outside
    the parameter's physical range (monitor.params) is reported as invalid too, and counted in stats.invalid_values.
    A group counts only when its status has bit 0 (exists) and bit 1 (active) set.

Only displayed-value subrecords (sr_type 1) are decoded: mixing in the 10-s/60-s trend averages makes the
chart jump between the current value and an average (LNhealth's reasoning, §2.6).

Waveforms (§2.11): request `wf_req` (r_maintype 1, 32 bytes at 40: req_type int16 0 start / 1 stop, res int16,
    type[8] u8 0xFF-terminated, addl_type[16], reserved[2] int16). Data records carry up to 8 subrecords, sr_type =
    wave type (1-3 ECG1-3 300/s in µV, 8 PLETH 100/s in 1/100 %, 9 CO2 25/s in 1/100 % of ambient pressure), each
    `wf_hdr` (act_len int16 samples, status u16: bit 0 gap, 2 pacer, 3 lead off; label u16 = ECG lead) + int16
    samples; samples <= -32000 are control codes, never values (-> NaN).
    Sample times: counted from the first packet's transmit second, and a record lost on the line (its number) is a
    gap (monitor.devices.dri_wave_clock).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import serial

from monitor.devices.dri_wave_clock import RecordNumbers, WaveClock
from monitor.devices.events import (
    DecoderStats,
    DeviceCondition,
    DeviceEvent,
    DeviceStatus,
    LineSettings,
    ProtocolInfo,
    Sample,
    SampleFlag,
    ValueState,
    Wave,
    WaveBlock,
    value_state,
)
from monitor.params import INVASIVE_LABELS

if TYPE_CHECKING:  # numpy is imported where the waves are decoded: the command line's parser lists the protocols
    import numpy as np  # and must start without it (tests/unit/test_export_registry.py)

# Line settings (CI spec §2): 19200 8E1 with RTS/CTS; CARESCAPE SW >= 3 may run at 115200.
LINE = LineSettings(baudrate=19200, parity=serial.PARITY_EVEN, rtscts=True)
BAUDRATES = (19200, 115200)
INFO = ProtocolInfo(
    name="datex-s5",
    line=LINE,
    description="GE/Datex-Ohmeda S/5 and CARESCAPE Computer Interface (DRI), displayed values and waveforms",
    baudrates=BAUDRATES,
)

FLAG = 0x7E
ESC = 0x7D
HEADER = struct.Struct("<hBBHIBBHh")  # datex_hdr without sr_desc
SR_DESC = struct.Struct("<hB")
HEADER_SIZE = 40
MAX_RECORD = HEADER_SIZE + 1450  # DRI spec §2.2.1: r_len <= 1490
# An escaped record can double in size; past this without a closing flag the stream is garbage.
MAX_FRAME_BYTES = 2 * (MAX_RECORD + 1) + 2
SUBRECORD_SIZE = 278
EOL_SUBR_LIST = 0xFF

MAINTYPE_PHDB = 0
MAINTYPE_WAVE = 1
MAINTYPE_ALARM = 4

PH_DISPL = 1  # phdb_rcrd_type / sr_type: displayed values
CLASS_BASIC = 0
# phdb_class_bf request bits (§2.5): basic is sent unless denied; ext classes on request.
REQ_EXT1, REQ_EXT2, REQ_EXT3 = 0x2, 0x4, 0x8
MIN_INTERVAL_S = 5  # a shorter tx_ival is not honoured by the monitor (§2.5)

DATA_INVALID_LIMIT = -32001  # values at or below are status codes (§2.7)
_STATUS_CODES = {
    -32767: ValueState.INVALID,
    -32766: ValueState.NOT_UPDATED,
    -32765: ValueState.DISCONTINUITY,
    -32764: ValueState.UNDER_RANGE,
    -32763: ValueState.OVER_RANGE,
    -32762: ValueState.NOT_CALIBRATED,
}
_STATE_CODES = {state: code for code, state in _STATUS_CODES.items()}

# Basic class physdata (§2.8), 270 bytes. One Struct unpacks it all; _F maps field names to tuple indexes.
_BASIC_LAYOUT: tuple[tuple[str, str], ...] = (
    ("ecg", "IH5h"),  # status, label, hr, st1, st2, st3, imp_rr
    ("p1", "IH4h"),
    ("p2", "IH4h"),
    ("p3", "IH4h"),
    ("p4", "IH4h"),  # status, label, sys, dia, mean, hr
    ("nibp", "IH4h"),  # status, label, sys, dia, mean, hr
    ("t1", "IHh"),
    ("t2", "IHh"),
    ("t3", "IHh"),
    ("t4", "IHh"),  # status, label, temp
    ("spo2", "IH4h"),  # status, label, spo2, pr, ir_amp, svo2
    ("co2", "IH4h"),  # status, label, et, fi, rr, amb_press
    ("o2", "IH2h"),
    ("n2o", "IH2h"),
    ("aa", "IH3h"),
    ("flow_vol", "IH8h"),
    ("co_wedge", "IH4h"),
    ("nmt", "IH3h"),
    ("ecg_extra", "3h"),
    ("svo2", "IHh"),
    ("p5", "IH4h"),
    ("p6", "IH4h"),
    ("reserved", "h"),
)
BASIC = struct.Struct("<" + "".join(fmt for _, fmt in _BASIC_LAYOUT))
assert BASIC.size == 270, BASIC.size


def _field_count(fmt: str) -> int:
    return len(struct.Struct("<" + fmt).unpack(bytes(struct.calcsize("<" + fmt))))


def _group_index() -> dict[str, int]:
    index, at = {}, 0
    for name, fmt in _BASIC_LAYOUT:
        index[name] = at
        at += _field_count(fmt)
    return index


_G = _group_index()
_PRESSURE_GROUPS = ("p1", "p2", "p3", "p4", "p5", "p6")
# Invasive pressure label codes (§2.8): 0 = not defined, then ART, CVP, ... in INVASIVE_LABELS order.
_PRESSURE_LABELS = {i + 1: label for i, label in enumerate(INVASIVE_LABELS)}

NIBP_LABEL_MEASURING = 1 << 5
NIBP_LABEL_OLDER_60S = 1 << 8
CO2_STATUS_APNEA = 1 << 2
GROUP_OK = 0x3  # exists + active


def _checksum(record: bytes | bytearray) -> int:
    return sum(record) & 0xFF


def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x5d").replace(b"\x7e", b"\x7d\x5e")


def frame(record: bytes) -> bytes:
    """Wrap a de-framed record for the wire: flags, checksum, escapes."""
    return b"\x7e" + escape(record + bytes((_checksum(record),))) + b"\x7e"


def _unescape(content: bytes) -> bytes | None:
    """Undo the escapes, or None when an escape byte is not followed by 5E/5D."""
    n_esc = content.count(b"\x7d")
    if not n_esc:
        return content
    pairs = content.count(b"\x7d\x5e") + content.count(b"\x7d\x5d")
    if pairs != n_esc:
        return None
    # Order matters only for invalid input (rejected above): a 5E/5D after 7D is never itself an escape start.
    return content.replace(b"\x7d\x5e", b"\x7e").replace(b"\x7d\x5d", b"\x7d")


class Deframer:
    """Splits a byte stream into verified records (checksum and r_len checked); keeps state between calls."""

    def __init__(self, stats: DecoderStats | None = None) -> None:
        self.stats = stats if stats is not None else DecoderStats()
        self._buf = bytearray()
        self._in_frame = False  # True once an opening flag has been seen

    def feed(self, data: bytes) -> list[bytes]:
        stats = self.stats
        stats.bytes_in += len(data)
        buf = self._buf
        buf += data
        records: list[bytes] = []
        pos = 0
        if not self._in_frame:
            start = buf.find(FLAG)
            if start < 0:
                self._skip(len(buf))
                buf.clear()
                return records
            if start:
                self._skip(start)
            pos = start
            self._in_frame = True
        # Invariant: buf[pos] is a flag that may open a frame.
        while True:
            end = buf.find(FLAG, pos + 1)
            if end < 0:
                break
            if end > pos + 1:
                record = self._check(bytes(buf[pos + 1 : end]))
                if record is not None:
                    records.append(record)
            pos = end
        if len(buf) - pos > MAX_FRAME_BYTES:
            # No closing flag within the largest possible frame: drop it and hunt for the next flag.
            self._skip(len(buf) - pos)
            stats.bad_frames += 1
            del buf[:]
            self._in_frame = False
        elif pos:
            del buf[:pos]
        return records

    def _skip(self, n: int) -> None:
        self.stats.resyncs += 1
        self.stats.skipped_bytes += n

    def _check(self, content: bytes) -> bytes | None:
        data = _unescape(content)
        if data is None or len(data) < HEADER_SIZE + 1:
            return self._reject(len(content))
        record = data[:-1]
        if data[-1] != _checksum(record):
            return self._reject(len(content))
        if int.from_bytes(record[:2], "little", signed=True) != len(record):
            return self._reject(len(content))
        self.stats.frames_ok += 1
        return record

    def _reject(self, n: int) -> None:
        self.stats.bad_frames += 1
        self._skip(n)
        return None


@dataclass(frozen=True, slots=True)
class RecordHeader:
    r_len: int
    r_nbr: int
    dri_level: int
    plug_id: int
    r_time: int
    r_maintype: int
    subrecords: tuple[tuple[int, int], ...]  # (sr_offset, sr_type) up to the end-of-list marker


def parse_header(record: bytes) -> RecordHeader:
    r_len, r_nbr, dri_level, plug_id, r_time, _sub, _r2, _r3, maintype = HEADER.unpack_from(record, 0)
    subrecords = []
    for i in range(8):
        offset, sr_type = SR_DESC.unpack_from(record, 16 + 3 * i)
        if sr_type == EOL_SUBR_LIST:
            break
        subrecords.append((offset, sr_type))
    return RecordHeader(r_len, r_nbr, dri_level, plug_id, r_time, maintype, tuple(subrecords))


@dataclass(frozen=True, slots=True)
class PhdbRequest:
    record_type: int  # 1 displayed values, 2 10-s trend, 3 60-s trend
    interval: int  # seconds; 0 stop; -1 single transmission
    class_bf: int


_REQUEST = struct.Struct("<BhiH")  # dri_phdb_req at byte 40 (§2.5)


def _request_record(record_type: int, interval: int, class_bf: int) -> bytes:
    header = bytearray(HEADER_SIZE)
    r_len = HEADER_SIZE + _REQUEST.size
    HEADER.pack_into(header, 0, r_len, 0, 0, 0, 0, 0, 0, 0, MAINTYPE_PHDB)
    SR_DESC.pack_into(header, 16, 0, 0)  # subrecord 0: transmission request
    SR_DESC.pack_into(header, 19, 0, EOL_SUBR_LIST)
    return bytes(header) + _REQUEST.pack(record_type, interval, class_bf, 0)


def displayed_values_request(interval: int = MIN_INTERVAL_S, class_bf: int = 0) -> bytes:
    """The framed request that makes the monitor send displayed values every `interval` seconds."""
    if interval < MIN_INTERVAL_S:
        raise ValueError(f"DRI displayed-values interval must be at least {MIN_INTERVAL_S} s, got {interval}")
    return frame(_request_record(PH_DISPL, interval, class_bf))


def stop_request() -> bytes:
    """The framed request that stops displayed-values transmission (send it before closing the port)."""
    return frame(_request_record(PH_DISPL, 0, 0))


def parse_request(record: bytes) -> PhdbRequest | None:
    """A PC->monitor physiological-data request, or None if `record` is something else."""
    if len(record) < HEADER_SIZE + _REQUEST.size:
        return None
    header = parse_header(record)
    if header.r_maintype != MAINTYPE_PHDB or not header.subrecords or header.subrecords[0][1] != 0:
        return None
    record_type, interval, class_bf, _ = _REQUEST.unpack_from(record, HEADER_SIZE + header.subrecords[0][0])
    return PhdbRequest(record_type, interval, class_bf)


# --- Waveforms (§2.11) ---

WF_CMD = 0  # sr_type of a waveform request subrecord
WF_START, WF_STOP = 0, 1  # wf_req.req_type
WF_ECG1, WF_ECG2, WF_ECG3, WF_PLETH, WF_CO2 = 1, 2, 3, 8, 9
WF_HDR = struct.Struct("<hHH")  # act_len, status, label
_WF_REQ = struct.Struct("<hh8B16B2h")  # wf_req: req_type, res, type[8], addl_type[16], reserved[2]
assert _WF_REQ.size == 32, _WF_REQ.size
WF_STATUS_GAP = 0x1
WF_STATUS_PACER = 0x4
WF_STATUS_LEAD_OFF = 0x8
WAVE_CONTROL_LIMIT = -32000  # samples at or below are control codes (§2.11)
ECG_LEAD_II = 2  # wf_hdr.label of an ECG channel: its lead (0 n/s, 1 I, 2 II, 3 III, ...; §2.8)
# What the program asks for: the monitor's ECG channel 1 (lead II is its usual setting; only lead II is kept),
# pleth and CO2: 300 + 100 + 25 = 425 samples/s, within the 600/s the 19200-baud line carries (§2.11).
WAVE_TYPES: dict[Wave, int] = {Wave.ECG: WF_ECG1, Wave.PLETH: WF_PLETH, Wave.CO2: WF_CO2}
_WAVE_OF_TYPE = {WF_ECG1: Wave.ECG, WF_ECG2: Wave.ECG, WF_ECG3: Wave.ECG, WF_PLETH: Wave.PLETH, WF_CO2: Wave.CO2}
_WAVE_SCALE = {Wave.ECG: 0.001, Wave.PLETH: 0.01}  # µV -> mV; 1/100 % -> %. CO2 needs the ambient pressure.


@dataclass(frozen=True, slots=True)
class WaveRequest:
    start: bool  # False: stop all waveforms
    types: tuple[int, ...]  # requested wave types (DRI numbers), up to the 0xFF terminator


def _wave_request_record(req_type: int, types: tuple[int, ...]) -> bytes:
    if len(types) > 7:
        raise ValueError(f"a DRI waveform request carries at most 7 waves, got {len(types)}")
    header = bytearray(HEADER_SIZE)
    HEADER.pack_into(header, 0, HEADER_SIZE + _WF_REQ.size, 0, 0, 0, 0, 0, 0, 0, MAINTYPE_WAVE)
    SR_DESC.pack_into(header, 16, 0, WF_CMD)
    SR_DESC.pack_into(header, 19, 0, EOL_SUBR_LIST)
    type_list = (*types, EOL_SUBR_LIST) + (0,) * (7 - len(types))
    return bytes(header) + _WF_REQ.pack(req_type, 0, *type_list, *bytes(16), 0, 0)


def wave_request(types: Iterable[int] = WAVE_TYPES.values()) -> bytes:
    """The framed request that starts the given waveforms (DRI type numbers; default ECG1, pleth, CO2)."""
    return frame(_wave_request_record(WF_START, tuple(types)))


def wave_stop_request() -> bytes:
    """The framed request that stops every waveform (send it before closing the port)."""
    return frame(_wave_request_record(WF_STOP, ()))


def parse_wave_request(record: bytes) -> WaveRequest | None:
    """A PC->monitor waveform request, or None if `record` is something else."""
    if len(record) < HEADER_SIZE + _WF_REQ.size:
        return None
    header = parse_header(record)
    if header.r_maintype != MAINTYPE_WAVE or not header.subrecords or header.subrecords[0][1] != WF_CMD:
        return None
    fields = _WF_REQ.unpack_from(record, HEADER_SIZE + header.subrecords[0][0])
    types = []
    for t in fields[2:10]:
        if t == EOL_SUBR_LIST:
            break
        types.append(t)
    return WaveRequest(fields[0] == WF_START, tuple(types))


def _one_nan() -> np.ndarray:
    import numpy as np

    return np.full(1, np.nan, np.float32)


def _state(code: int) -> ValueState:
    return _STATUS_CODES.get(code, ValueState.UNKNOWN)


class DatexS5Decoder:
    """Incremental DRI decoder: bytes in, displayed-value Samples and DeviceStatus changes out."""

    protocol: ClassVar[str] = "datex-s5"

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self.records_by_type: dict[int, int] = {}
        self._deframer = Deframer(self.stats)
        self._status: DeviceStatus | None = None
        self._ambient = 0  # the CO2 module's ambient pressure (1/10 mmHg) from the latest displayed values; 0 unknown
        self._wave_clock = WaveClock()
        self.record_numbers = RecordNumbers()
        self.wave_samples = 0
        self.wave_subrecords_skipped = 0  # ECG not in lead II, or a CO2 wave before any ambient pressure was known

    def feed(self, data: bytes, host_time: float) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        for record in self._deframer.feed(data):
            try:
                self._decode_record(record, host_time, events)
            except struct.error:
                # Checksum and r_len were right but the subrecord list points outside the record.
                self.stats.frames_ok -= 1
                self.stats.bad_frames += 1
        return events

    def _decode_record(self, record: bytes, host_time: float, events: list[DeviceEvent]) -> None:
        header = parse_header(record)
        if self.record_numbers.missing_before(header.r_nbr, header.r_maintype):
            self._wave_clock.records_lost()
        self.records_by_type[header.r_maintype] = self.records_by_type.get(header.r_maintype, 0) + 1
        if header.r_maintype == MAINTYPE_WAVE:
            self._decode_waves(record, header, host_time, events)
        if header.r_maintype != MAINTYPE_PHDB:
            return  # alarm records are not decoded (texts are localized, §2.12); counted above
        for sr_offset, sr_type in header.subrecords:
            if sr_type != PH_DISPL:
                continue
            start = HEADER_SIZE + sr_offset
            if start < HEADER_SIZE or start + SUBRECORD_SIZE > len(record):
                raise struct.error("subrecord outside record")
            cls = record[start + 277] & 0x0F  # bits 8-11 of cl_drilvl_subt (LE: high byte at +277)
            if cls == CLASS_BASIC:
                time = int.from_bytes(record[start : start + 4], "little")
                self._decode_basic(BASIC.unpack_from(record, start + 4), float(time), host_time, events)

    def _decode_waves(self, record: bytes, header: RecordHeader, host_t: float, events: list[DeviceEvent]) -> None:
        import numpy as np
        seen: set[Wave] = set()
        for sr_offset, sr_type in header.subrecords:
            wave = _WAVE_OF_TYPE.get(sr_type)
            if wave is None or wave in seen:
                continue
            start = HEADER_SIZE + sr_offset
            n, status, label = WF_HDR.unpack_from(record, start) if start >= HEADER_SIZE else (-1, 0, 0)
            if n < 0 or start + WF_HDR.size + 2 * n > len(record):
                raise struct.error("waveform subrecord outside record")
            if wave is Wave.ECG and label != ECG_LEAD_II:
                self.wave_subrecords_skipped += 1  # another lead: the program shows and keeps lead II only
                continue
            seen.add(wave)
            raw = np.frombuffer(record, dtype="<i2", count=n, offset=start + WF_HDR.size)
            values = self._wave_values(wave, raw, status)
            self.wave_samples += n
            self._emit_wave(wave, values, bool(status & WF_STATUS_GAP), float(header.r_time), host_t, events)

    def _wave_values(self, wave: Wave, raw: np.ndarray, status: int) -> np.ndarray:
        """Physical units (Wave.unit), NaN for control codes, a lead-off ECG, or CO2 without an ambient pressure."""
        import numpy as np
        if wave is Wave.CO2:
            if not self._ambient:
                self.wave_subrecords_skipped += 1
            scale = self._ambient / 100000  # 1/100 % of ambient (1/10 mmHg) -> mmHg, as EtCO2 (§2.8)
        else:
            scale = _WAVE_SCALE[wave]
        values = raw.astype(np.float32) * np.float32(scale)
        values[raw <= WAVE_CONTROL_LIMIT] = np.nan
        if (wave is Wave.ECG and status & WF_STATUS_LEAD_OFF) or (wave is Wave.CO2 and not self._ambient):
            values[:] = np.nan
        return values

    def _emit_wave(
        self, wave: Wave, values: np.ndarray, gap: bool, r_time: float, host_t: float, events: list[DeviceEvent]
    ) -> None:
        rate = wave.nominal_rate_hz
        timing = self._wave_clock.place(wave, len(values), r_time, gap)
        if timing.gap_at is not None:  # samples lost here: one NaN where the next was due, the packet after it
            events.append(WaveBlock(wave, timing.gap_at, rate, _one_nan(), host_t))
        if len(values):
            events.append(WaveBlock(wave, timing.t0, rate, values, host_t))

    def _decode_basic(self, v: tuple[int, ...], t: float, host_t: float, events: list[DeviceEvent]) -> None:
        unavailable: list[tuple[str, ValueState]] = []
        conditions: set[DeviceCondition] = set()

        def sample(name: str, value: float, flags: SampleFlag = SampleFlag.NONE) -> None:
            # A number outside the parameter's physical range (monitor.params) is an invalid value, not a reading.
            state = value_state(name, value)
            if state is None:
                events.append(Sample(name, value, t, host_t, flags))
            else:
                self.stats.invalid_values += 1
                unavailable.append((name, state))

        def emit(name: str, raw: int, scale: float, flags: SampleFlag = SampleFlag.NONE) -> None:
            if raw > DATA_INVALID_LIMIT:
                sample(name, raw * scale, flags)
            else:
                unavailable.append((name, _state(raw)))

        g = _G["ecg"]
        ecg_ok = v[g] & GROUP_OK == GROUP_OK
        if ecg_ok:
            emit("HR", v[g + 2], 1.0)
        for channel, group in enumerate(_PRESSURE_GROUPS, start=1):
            g = _G[group]
            if v[g] & GROUP_OK == GROUP_OK:
                label = _PRESSURE_LABELS.get(v[g + 1], f"P{channel}")
                emit(f"{label}_SYS", v[g + 2], 0.01)
                emit(f"{label}_DIA", v[g + 3], 0.01)
                emit(f"{label}_MEAN", v[g + 4], 0.01)
        g = _G["nibp"]
        if v[g] & GROUP_OK == GROUP_OK:
            label = v[g + 1]
            flags = SampleFlag.NONE
            if label & NIBP_LABEL_MEASURING:
                flags |= SampleFlag.NIBP_MEASURING
            if label & NIBP_LABEL_OLDER_60S:
                flags |= SampleFlag.STALE
            emit("NIBP_SYS", v[g + 2], 0.01, flags)
            emit("NIBP_DIA", v[g + 3], 0.01, flags)
            emit("NIBP_MEAN", v[g + 4], 0.01, flags)
        for n, group in enumerate(("t1", "t2", "t3", "t4"), start=1):
            g = _G[group]
            if v[g] & GROUP_OK == GROUP_OK:
                emit(f"TEMP{n}", v[g + 2], 0.01)
        g = _G["spo2"]
        if v[g] & GROUP_OK == GROUP_OK:
            emit("SPO2", v[g + 2], 0.01)
            emit("PR", v[g + 3], 1.0)
        g = _G["co2"]
        co2_rr = False
        if v[g] & GROUP_OK == GROUP_OK:
            status, et, fi, rr, amb = v[g], v[g + 2], v[g + 3], v[g + 4], v[g + 5]
            if status & CO2_STATUS_APNEA:
                conditions.add(DeviceCondition.APNEA)
            if amb > 0:
                self._ambient = amb  # converts the CO2 wave to mmHg
            # Gas values are in 1/100 % of the ambient pressure (1/10 mmHg): mmHg = et * amb / 100000 (§2.8).
            for name, raw in (("ETCO2", et), ("FICO2", fi)):
                if raw > DATA_INVALID_LIMIT and amb > 0:
                    sample(name, round(raw * amb / 100000, 1))
                else:
                    # A valid gas value without a valid ambient pressure cannot be converted to mmHg.
                    why = _state(raw) if raw <= DATA_INVALID_LIMIT else ValueState.INVALID
                    unavailable.append((name, why))
            if rr > DATA_INVALID_LIMIT:
                co2_rr = True
                sample("RR", float(rr))
        if not co2_rr and ecg_ok:
            # No capnograph breath rate: fall back to ECG impedance respiration.
            emit("RR", v[_G["ecg"] + 6], 1.0)

        status = DeviceStatus(t, host_t, frozenset(conditions), tuple(sorted(set(unavailable))))
        if not status.same_state(self._status):
            self._status = status
            events.append(status)


# --- Encoding: used by the simulated monitor and by tests ---


def _raw(value: float | ValueState, scale: float) -> int:
    if isinstance(value, ValueState):
        return _STATE_CODES.get(value, -32767)
    return round(value / scale)


def encode_displayed_record(
    values: Mapping[str, float | ValueState],
    *,
    time: float,
    record_no: int = 0,
    plug_id: int = 0,
    dri_level: int = 8,
    nibp_flags: SampleFlag = SampleFlag.NONE,
    apnea: bool = False,
    ext_classes: Iterable[int] = (),
    ambient_mmhg: float = 760.0,
) -> bytes:
    """A de-framed PHDB record with a basic displayed-values subrecord (plus empty ext-class ones).

    A parameter missing from `values` has its module absent; a ValueState sends that status code.
    """
    fields: list[int] = []
    for _name, fmt in _BASIC_LAYOUT:
        n = _field_count(fmt)
        header = 2 if fmt.startswith("IH") else 0
        # Absent module: status 0 (does not exist), values DATA_INVALID.
        fields += [0] * header + [_STATE_CODES[ValueState.INVALID]] * (n - header)
    fields[_G["reserved"]] = 0

    def group(name: str, params: tuple[tuple[str, float], ...], label: int = 0, status: int = GROUP_OK) -> None:
        if not any(p in values for p, _ in params):
            return
        g = _G[name]
        fields[g], fields[g + 1] = status, label
        for i, (param, scale) in enumerate(params):
            fields[g + 2 + i] = _raw(values.get(param, ValueState.INVALID), scale)

    group("ecg", (("HR", 1.0),), label=0x0200)  # lead II on channel 1
    channel = 0
    for label_code, label in _PRESSURE_LABELS.items():
        names = tuple((f"{label}_{part}", 0.01) for part in ("SYS", "DIA", "MEAN"))
        if any(n in values for n, _ in names) and channel < len(_PRESSURE_GROUPS):
            group(_PRESSURE_GROUPS[channel], names, label=label_code)
            channel += 1
    nibp_label = (NIBP_LABEL_MEASURING if nibp_flags & SampleFlag.NIBP_MEASURING else 0) | (
        NIBP_LABEL_OLDER_60S if nibp_flags & SampleFlag.STALE else 0
    )
    nibp = (("NIBP_SYS", 0.01), ("NIBP_DIA", 0.01), ("NIBP_MEAN", 0.01))
    group("nibp", nibp, label=nibp_label | 0x08)  # 0x08: AUTO cycling mode
    for n in range(1, 5):
        group(f"t{n}", ((f"TEMP{n}", 0.01),), label=6)  # axillary
    group("spo2", (("SPO2", 0.01), ("PR", 1.0)))
    # Gases travel as 1/100 % of ambient pressure (1/10 mmHg), the inverse of the decoder's conversion.
    amb = round(ambient_mmhg * 10)
    gas_scale = amb / 100000
    co2 = (("ETCO2", gas_scale), ("FICO2", gas_scale), ("RR", 1.0))
    group("co2", co2, label=1, status=GROUP_OK | (CO2_STATUS_APNEA if apnea else 0))  # label 1: RR from CO2
    if any(p in values for p, _ in co2):
        fields[_G["co2"] + 5] = amb

    subrecords = [(CLASS_BASIC, BASIC.pack(*fields))]
    subrecords += [(cls, bytes(270)) for cls in ext_classes]
    record = bytearray(HEADER_SIZE)
    r_len = HEADER_SIZE + SUBRECORD_SIZE * len(subrecords)
    r_nbr = record_no & 0xFF
    HEADER.pack_into(record, 0, r_len, r_nbr, dri_level, plug_id, int(time), 0, 0, 0, MAINTYPE_PHDB)
    for i in range(len(subrecords)):
        SR_DESC.pack_into(record, 16 + 3 * i, i * SUBRECORD_SIZE, PH_DISPL)
    if len(subrecords) < 8:
        SR_DESC.pack_into(record, 16 + 3 * len(subrecords), len(subrecords) * SUBRECORD_SIZE, EOL_SUBR_LIST)
    for cls, physdata in subrecords:
        tail = struct.pack("<BBH", 0, 0x40, (cls << 8) | 0x81)  # marker, reserved, class | level 8 subtype 1
        record += struct.pack("<I", int(time)) + physdata + tail
    return bytes(record)


@dataclass(frozen=True, slots=True)
class WaveSubrecord:
    """One waveform subrecord as the monitor sends it: its DRI type, raw int16 samples, status bits and label."""

    wf_type: int
    samples: Sequence[int]
    status: int = 0
    label: int = 0


def wave_raw(wave: Wave, values: Sequence[float] | np.ndarray, ambient_mmhg: float = 760.0) -> np.ndarray:
    """Physical values (Wave.unit) to the raw int16 samples the monitor sends; NaN -> DATA_INVALID (a gap). The
    inverse of the decoder's conversion (CO2 travels as 1/100 % of the ambient pressure, rounded to 1/10 mmHg)."""
    import numpy as np

    scale = round(ambient_mmhg * 10) / 100000 if wave is Wave.CO2 else _WAVE_SCALE[wave]
    array = np.asarray(values, dtype=np.float64)
    raw = np.empty(array.shape, dtype=np.int16)
    finite = np.isfinite(array)
    raw[finite] = np.clip(np.rint(array[finite] / scale), WAVE_CONTROL_LIMIT + 1, 32767)  # a value, never a code
    raw[~finite] = _STATE_CODES[ValueState.INVALID]
    return raw


def _int16_bytes(samples: Sequence[int] | np.ndarray) -> bytes:
    """Little-endian int16s: an int16 array as it is (the simulator's, 5 packets a second), a list packed."""
    if hasattr(samples, "tobytes") and getattr(samples, "dtype", None) is not None:
        return samples.astype("<i2", copy=False).tobytes()
    return struct.pack(f"<{len(samples)}h", *samples)


def encode_wave_record(
    subrecords: Sequence[WaveSubrecord], *, time: float, record_no: int = 0, plug_id: int = 0, dri_level: int = 8
) -> bytes:
    """A de-framed waveform record (r_maintype 1) with up to 8 subrecords, laid out as §2.11 says."""
    if not 0 < len(subrecords) <= 8:
        raise ValueError(f"a DRI waveform record carries 1 to 8 subrecords, got {len(subrecords)}")
    body = bytearray()
    record = bytearray(HEADER_SIZE)
    for i, sub in enumerate(subrecords):
        SR_DESC.pack_into(record, 16 + 3 * i, len(body), sub.wf_type)
        body += WF_HDR.pack(len(sub.samples), sub.status, sub.label)
        body += _int16_bytes(sub.samples)
    if len(subrecords) < 8:
        SR_DESC.pack_into(record, 16 + 3 * len(subrecords), len(body), EOL_SUBR_LIST)
    if HEADER_SIZE + len(body) > MAX_RECORD:
        raise ValueError(f"DRI record too long: {HEADER_SIZE + len(body)} bytes > {MAX_RECORD}")
    HEADER.pack_into(record, 0, HEADER_SIZE + len(body), record_no & 0xFF, dri_level, plug_id, int(time), 0, 0, 0,
                     MAINTYPE_WAVE)  # fmt: skip
    return bytes(record + body)
