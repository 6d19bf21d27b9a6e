"""Values a decoder produces, and the contract every protocol decoder keeps.

Times are Unix seconds (UTC, float). `time` is the device's own clock; `host_time` is when the
bytes reached this computer. Decoders run on the serial worker thread (or in a replay) and never
raise on bad bytes: they count, resync and go on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntFlag, StrEnum
from typing import ClassVar, Protocol

import numpy as np
import serial

from monitor.params import value_problem


class SampleFlag(IntFlag):
    NONE = 0
    NIBP_MEASURING = 1  # cuff inflating: the displayed numbers belong to the previous reading
    STALE = 2  # the monitor says the value is older than its freshness limit (NIBP: > 60 s)


@dataclass(slots=True)
class Sample:
    param: str
    value: float
    time: float
    host_time: float
    flags: SampleFlag = SampleFlag.NONE


class DeviceCondition(StrEnum):
    """Technical conditions a monitor reports about its sensors (not clinical alarms)."""

    NO_SENSOR = "no sensor"
    DEFECTIVE_SENSOR = "defective sensor"
    SENSOR_OFF = "sensor off"
    LOW_PERFUSION = "low perfusion"
    PULSE_SEARCH = "pulse search"
    INTERFERENCE = "interference"
    AMBIENT_LIGHT = "ambient light"
    UNRECOGNIZED_SENSOR = "unrecognized sensor"
    LOW_SIGNAL_IQ = "low signal IQ"
    APNEA = "apnea"


class ValueState(StrEnum):
    """Why a parameter whose module is present has no number (DRI special values ≤ −32001)."""

    INVALID = "invalid"
    NOT_UPDATED = "not updated"
    DISCONTINUITY = "discontinuity"
    UNDER_RANGE = "under range"
    OVER_RANGE = "over range"
    NOT_CALIBRATED = "not calibrated"
    UNKNOWN = "unknown status code"
    # Set by the decoder, not the device: a number that cannot be a reading (monitor.params physical ranges).
    NOT_A_NUMBER = "not a number"
    IMPLAUSIBLE = "outside the physical range"


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A snapshot of the monitor's technical state; decoders emit one only when it changes."""

    time: float
    host_time: float
    conditions: frozenset[DeviceCondition] = frozenset()
    # parameter name -> why it has no value, for parameters whose module exists and is active
    unavailable: tuple[tuple[str, ValueState], ...] = ()

    def same_state(self, other: DeviceStatus | None) -> bool:
        return other is not None and self.conditions == other.conditions and self.unavailable == other.unavailable


class MeasurementState(IntFlag):
    """OtherValue.state: the device's measurement state in IntelliVue's MeasurementState layout (shared/protocols
    README §3.4), the one device that sends OtherValues today; 0 is a valid measurement."""

    INVALID = 0x8000
    QUESTIONABLE = 0x4000
    UNAVAILABLE = 0x2000
    CALIBRATION_ONGOING = 0x1000
    TEST_DATA = 0x0800
    DEMO_DATA = 0x0400
    VALIDATED = 0x0080
    EARLY_INDICATION = 0x0040
    MEASUREMENT_ONGOING = 0x0020
    IN_ALARM = 0x0002
    ALARM_INHIBITED = 0x0001


# The states in which a number is not the patient's current reading, each with what the screen says instead.
NOT_A_READING = {
    MeasurementState.INVALID: "invalid",
    MeasurementState.UNAVAILABLE: "unavailable",
    MeasurementState.QUESTIONABLE: "questionable",
    MeasurementState.CALIBRATION_ONGOING: "calibrating",
    MeasurementState.TEST_DATA: "test data",
    MeasurementState.DEMO_DATA: "demo data",
}


@dataclass(frozen=True, slots=True)
class OtherValue:
    """A numeric the monitor sent under an id no canonical parameter maps (monitor.params): kept and shown as is,
    never alarmed on. `code` is the device's own id (IntelliVue: the physio id); `label` and `unit` are for people;
    `value` is None when the device sent no number (NaN, not available); `state` is the device's raw measurement
    state (IntelliVue MeasurementState bits, 0 = valid). Times as in Sample: `t` the device's clock, `host_t` arrival.
    """

    code: int
    label: str
    unit: str
    value: float | None
    t: float
    host_t: float
    state: int = 0

    def problem(self) -> str:
        """Why the number is not a reading ("" when it is): the device sent none, or flagged it (NOT_A_READING)."""
        reasons = [why for bit, why in NOT_A_READING.items() if self.state & bit]
        if reasons:
            return ", ".join(reasons)
        return "" if self.value is not None and math.isfinite(self.value) else "no valid value"


class Wave(StrEnum):
    """The waveforms the program acquires, keeps and shows (issue 22)."""

    ECG = "ECG_II"
    PLETH = "PLETH"
    CO2 = "CO2"

    @property
    def unit(self) -> str:
        return WAVE_UNIT[self]

    @property
    def nominal_rate_hz(self) -> float:
        return WAVE_RATE_HZ[self]


# Physical units of WaveBlock.values. DRI sends ECG in µV (→ mV), pleth in 1/100 % (→ %) and CO2 in 1/100 %
# (→ mmHg with the monitor's ambient pressure, as EtCO2 is); shared/protocols README §2.11.
WAVE_UNIT = {Wave.ECG: "mV", Wave.PLETH: "%", Wave.CO2: "mmHg"}
# Nominal sample rates (DRI: ECG 300/s, pleth 100/s, CO2 25/s; shared/protocols README §2.11).
WAVE_RATE_HZ = {Wave.ECG: 300.0, Wave.PLETH: 100.0, Wave.CO2: 25.0}


@dataclass(frozen=True, slots=True)
class WaveBlock:
    """Consecutive samples of one wave. `t0` is the device time of the first sample (Unix s), sample i is at
    t0 + i / rate_hz; `values` are float32 in physical units (Wave.unit), NaN where the device sent no sample (a gap).
    A decoder emits blocks per wave in arrival order; consecutive blocks are contiguous unless there is a gap (NaNs
    or a jump in t0). `host_t` is when the bytes reached this computer."""

    wave: Wave
    t0: float
    rate_hz: float
    values: np.ndarray
    host_t: float

    def __eq__(self, other: object) -> bool:  # the arrays compared element-wise, a NaN gap equal to a NaN gap
        if not isinstance(other, WaveBlock):
            return NotImplemented
        return (self.wave, self.t0, self.rate_hz, self.host_t) == (other.wave, other.t0, other.rate_hz, other.host_t) \
            and np.array_equal(self.values, other.values, equal_nan=True)  # fmt: skip

    @property
    def t_end(self) -> float:
        """Device time just after the last sample (where a contiguous next block starts)."""
        return self.t0 + len(self.values) / self.rate_hz


DeviceEvent = Sample | DeviceStatus | OtherValue | WaveBlock


def value_state(param: str, value: float) -> ValueState | None:
    """None when `value` can be a reading of `param`; else why not, as the decoders report it (monitor.params)."""
    if value_problem(param, value) is None:
        return None
    return ValueState.IMPLAUSIBLE if math.isfinite(value) else ValueState.NOT_A_NUMBER


@dataclass(slots=True)
class DecoderStats:
    bytes_in: int = 0
    frames_ok: int = 0
    bad_frames: int = 0  # framed but rejected: checksum, length, layout
    resyncs: int = 0  # times bytes were skipped to find the next frame start
    skipped_bytes: int = 0
    invalid_values: int = 0  # decoded numbers refused: not finite or outside the parameter's physical range


@dataclass(frozen=True, slots=True)
class LineSettings:
    """Serial line parameters, as keyword arguments for pyserial."""

    baudrate: int
    bytesize: int = serial.EIGHTBITS
    parity: str = serial.PARITY_NONE
    stopbits: float = serial.STOPBITS_ONE
    rtscts: bool = False

    def as_kwargs(self) -> dict[str, object]:
        return {
            "baudrate": self.baudrate,
            "bytesize": self.bytesize,
            "parity": self.parity,
            "stopbits": self.stopbits,
            "rtscts": self.rtscts,
        }


class Decoder(Protocol):
    """An incremental protocol decoder: bytes arrive in arbitrary chunks; state is kept between calls. What the
    program sends to the monitor is its driver's job (monitor.devices.driver)."""

    protocol: ClassVar[str]
    stats: DecoderStats

    def feed(self, data: bytes, host_time: float) -> list[DeviceEvent]:
        """Decode what `data` completes; never raises on malformed input."""
        ...


@dataclass(frozen=True, slots=True)
class ProtocolInfo:
    name: str
    line: LineSettings
    description: str = ""
    baudrates: tuple[int, ...] = ()  # the rates the device can be set to; empty: any standard rate
