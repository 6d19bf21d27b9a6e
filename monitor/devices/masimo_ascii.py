"""Masimo Radical-7 / Rad-8 "ASCII 1" serial output: one text line a second, decoded incrementally.

Runs on the serial worker thread (live) or in a replay; Qt-free. Facts from shared/protocols/README.md §4.1
(9600 8N1, no flow control; CRLF-terminated lines):

    02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+--
        [PVI=012 on Radical-7] ALARM=0000 EXC=000800

The timestamp is the device's local wall clock (MM/dd/yy HH:mm:ss). Dashes mean "no value". EXC is a hex bit
field of technical conditions (Rad-8 manual as transcribed in §4.1):
    0x001 no sensor, 0x002 defective sensor, 0x004 low perfusion, 0x008 pulse search, 0x010 interference,
    0x020 sensor off, 0x040 ambient light, 0x080 unrecognized sensor, 0x400 low signal IQ,
    0x800 Masimo SET active (normal operation, not a fault).
ALARM bits are Masimo-proprietary and are not interpreted. A number that cannot be a reading (nan, inf, outside
the parameter's physical range in monitor.params) is reported as an invalid value in the DeviceStatus, never as a
Sample, and counted in stats.invalid_values.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from monitor.devices.events import (
    DecoderStats,
    DeviceCondition,
    DeviceEvent,
    DeviceStatus,
    LineSettings,
    ProtocolInfo,
    Sample,
    ValueState,
    value_state,
)

LINE = LineSettings(baudrate=9600)
INFO = ProtocolInfo(name="masimo-ascii", line=LINE, description='Masimo Radical-7 / Rad-8 "ASCII 1" serial output')

MAX_LINE = 512  # real lines are ~150 bytes; anything longer without a terminator is noise
TIME_FORMAT = "%m/%d/%y %H:%M:%S"
TIME_LEN = 17

EXC_CONDITIONS: tuple[tuple[int, DeviceCondition], ...] = (
    (0x001, DeviceCondition.NO_SENSOR),
    (0x002, DeviceCondition.DEFECTIVE_SENSOR),
    (0x004, DeviceCondition.LOW_PERFUSION),
    (0x008, DeviceCondition.PULSE_SEARCH),
    (0x010, DeviceCondition.INTERFERENCE),
    (0x020, DeviceCondition.SENSOR_OFF),
    (0x040, DeviceCondition.AMBIENT_LIGHT),
    (0x080, DeviceCondition.UNRECOGNIZED_SENSOR),
    (0x400, DeviceCondition.LOW_SIGNAL_IQ),
)

# field name in the line -> (canonical parameter, unit suffix the device appends)
_NUMERICS = (("SPO2", "SPO2", "%"), ("BPM", "PR", ""), ("PI", "PI", "%"), ("PVI", "PVI", ""))
_REQUIRED = ("SPO2", "BPM", "EXC")


class _BadLine(ValueError):
    pass


def _number(text: str, suffix: str) -> float | None:
    if suffix:
        if not text.endswith(suffix):
            raise _BadLine(f"missing {suffix!r} in {text!r}")
        text = text[: -len(suffix)]
    if text.strip("-+.") == "":
        return None  # all dashes: the device has no value
    try:
        return float(text)
    except ValueError:
        raise _BadLine(f"not a number: {text!r}") from None


def conditions_from_exc(exc: int) -> frozenset[DeviceCondition]:
    return frozenset(condition for bit, condition in EXC_CONDITIONS if exc & bit)


class MasimoAsciiDecoder:
    """Incremental ASCII 1 decoder: bytes in, SPO2/PR/PI/PVI Samples and DeviceStatus changes out."""

    protocol: ClassVar[str] = "masimo-ascii"

    def __init__(self, tz: tzinfo | None = None) -> None:
        self.tz = tz  # None: the host's local zone, where the monitor's clock is normally set
        self.stats = DecoderStats()
        self._buf = bytearray()
        self._status: DeviceStatus | None = None
        self._started = False  # the first line may have been joined halfway

    def connect_requests(self) -> list[bytes]:
        return []  # the device talks unprompted

    def close_requests(self) -> list[bytes]:
        return []

    def feed(self, data: bytes, host_time: float) -> list[DeviceEvent]:
        stats = self.stats
        stats.bytes_in += len(data)
        buf = self._buf
        buf += data
        events: list[DeviceEvent] = []
        start = 0
        while True:
            end = _find_eol(buf, start)
            if end < 0:
                break
            if end > start:
                self._line(bytes(buf[start:end]), host_time, events)
            start = end + 1
        if start:
            del buf[:start]
        if len(buf) > MAX_LINE:
            stats.bad_frames += 1
            self._skip(len(buf))
            buf.clear()
        return events

    def _skip(self, n: int) -> None:
        self.stats.resyncs += 1
        self.stats.skipped_bytes += n

    def _line(self, raw: bytes, host_time: float, events: list[DeviceEvent]) -> None:
        first, self._started = not self._started, True
        try:
            device_time, fields = self._parse(raw)
        except _BadLine:
            if first:
                self._skip(len(raw))  # joined the stream mid-line: not the device's fault
            else:
                self.stats.bad_frames += 1
                self._skip(len(raw))
            return
        self.stats.frames_ok += 1
        unavailable: list[tuple[str, ValueState]] = []
        for key, param, suffix in _NUMERICS:
            text = fields.get(key)
            value = None if text is None else _number(text, suffix)
            if value is None:
                continue
            # float() takes 'nan', 'inf' and '1e999': such a number is an invalid value, never a sample.
            state = value_state(param, value)
            if state is None:
                events.append(Sample(param, value, device_time, host_time))
            else:
                self.stats.invalid_values += 1
                unavailable.append((param, state))
        conditions = conditions_from_exc(int(fields["EXC"], 16))
        status = DeviceStatus(device_time, host_time, conditions, tuple(sorted(unavailable)))
        if not status.same_state(self._status):
            self._status = status
            events.append(status)

    def _parse(self, raw: bytes) -> tuple[float, dict[str, str]]:
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            raise _BadLine("non-ASCII bytes") from None
        try:
            stamp = datetime.strptime(text[:TIME_LEN], TIME_FORMAT)
        except ValueError:
            raise _BadLine("bad timestamp") from None
        fields = {}
        for token in text[TIME_LEN:].split():
            key, sep, value = token.partition("=")
            if not sep:
                raise _BadLine(f"not a field: {token!r}")
            fields[key] = value
        if any(key not in fields for key in _REQUIRED):
            raise _BadLine("missing SPO2, BPM or EXC")
        try:
            int(fields["EXC"], 16)
        except ValueError:
            raise _BadLine("EXC is not hex") from None
        for key, _, suffix in _NUMERICS:  # validate every number before emitting any
            if key in fields:
                _number(fields[key], suffix)
        moment = stamp.replace(tzinfo=self.tz) if self.tz is not None else stamp.astimezone()
        return moment.timestamp(), fields


def _find_eol(buf: bytearray, start: int) -> int:
    """Index of the next CR or LF at or after `start`, or -1."""
    cr, lf = buf.find(b"\r", start), buf.find(b"\n", start)
    if cr < 0:
        return lf
    if lf < 0:
        return cr
    return min(cr, lf)


def _field(value: float | None, width: int, decimals: int, dashes: str) -> str:
    if value is None:
        return dashes
    return f"{value:0{width}.{decimals}f}"


def format_line(
    *,
    time: float,
    spo2: float | None,
    pr: float | None,
    pi: float | None,
    pvi: float | None,
    exc: int = 0,
    alarm: int = 0,
    serial_number: str = "0000070986",
    tz: tzinfo | None = None,
    radical7: bool = True,
) -> bytes:
    """One ASCII 1 line as the device sends it (Radical-7 layout with PVI, or Rad-8 without)."""
    stamp = datetime.fromtimestamp(time, tz).strftime(TIME_FORMAT)
    parts = [
        stamp,
        f"SN={serial_number}",
        f"SPO2={_field(spo2, 3, 0, '---')}%",
        f"BPM={_field(pr, 3, 0, '---')}",
        f"PI={_field(pi, 5, 2, '--.--')}%",
        "SPCO=--.-%",
        "SPMET=--.-%",
        "DESAT=--",
        "PIDELTA=+--",
    ]
    if radical7:
        parts.append(f"PVI={_field(pvi, 3, 0, '---')}")
    parts += [f"ALARM={alarm:04X}", f"EXC={exc:06X}"]
    return (" ".join(parts) + "\r\n").encode("ascii")
