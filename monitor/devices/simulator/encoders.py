"""What a simulated monitor says, per protocol: one encoder class per protocol and one table that picks it.

An encoder hears what the PC writes (`hear`), says what is due at a session time (`due`), and forgets the PC's
requests when the cable is pulled (`reset`). It returns whole frames or lines; the SimulatedMonitor adds the line
noise, writes them to the pty and counts them. A new protocol adds its class and one row in ENCODERS.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.events import Wave
from monitor.devices.simulator import intellivue_monitor
from monitor.devices.simulator.physiology import PatientModel, datex_values, masimo_values
from monitor.devices.simulator.scenario import Scenario
from monitor.devices.simulator.waves import WaveSynth


class Encoder(Protocol):
    requests_seen: int

    def hear(self, data: bytes, t: float) -> list[bytes]:
        """Take bytes the PC wrote at session time `t`; return frames to send at once."""
        ...

    def due(self, t: float) -> list[bytes]:
        """Frames whose time has come at session time `t`."""
        ...

    def reset(self) -> None:
        """The cable was pulled and plugged back: forget what the PC asked, like the real device."""
        ...


# --- DRI waveforms (DRI spec §5; shared/protocols README §2.11) ---
WAVE_CMD = 0  # sr_type of the PC's waveform request (DRI_WF_CMD)
WAVE_REQUEST = struct.Struct("<hh8B")  # wf_req at byte 40: req_type, reserved, type[8] 0xFF-ended (then addl_type...)
WAVE_START, WAVE_STOP = 0, 1
WAVE_HEADER = struct.Struct("<hHH")  # wf_hdr: act_len (samples), status, label
# Waveform types and their samples per second (§2.11): ECG1-3, invasive pressures, pleth, gases, AWP, flow, RESP,
# EEG. The simulated patient has ECG (lead II on ECG1), pleth and CO2; the others are sent as DATA_INVALID, as a
# monitor without the module does (the real record: ECG2/ECG3 all -32767).
WAVE_TYPE_RATES = {
    **dict.fromkeys((1, 2, 3), 300),
    **dict.fromkeys((4, 5, 6, 7, 16, 17, 36, 37, 8, 18, 19, 20, 21), 100),
    **dict.fromkeys(range(9, 16), 25),
}
SIMULATED_WAVES = {1: Wave.ECG, 8: Wave.PLETH, 9: Wave.CO2}
DATA_INVALID = -32767  # §2.7
ECG_LABEL_LEAD_II = 2  # wf_hdr label of ECG1 in the real record
AMBIENT_MMHG = 760.0  # the simulated S/5's ambient pressure: CO2 travels in 1/100 % of it, as EtCO2 does
# The S/5 sends a waveform record every 200 ms (the real record: 60 ECG + 20 pleth samples). When more is due at
# once (a fast --speed), up to 5 packets go in one record: 1 s, the S/5's longest packet interval, which keeps the
# record count per wall second bounded and the record within r_len's 1490 bytes for the simulated waves.
PACKETS_PER_S = 5
MAX_PACKETS_PER_RECORD = 5


def raw_wave_samples(wave: Wave, values: np.ndarray, ambient_mmhg: float = AMBIENT_MMHG) -> np.ndarray:
    """Physical units to the DRI's int16 steps: ECG µV, pleth 1/100 %, CO2 1/100 % of the ambient pressure."""
    per_unit = {Wave.ECG: 1000.0, Wave.PLETH: 100.0, Wave.CO2: 100000.0 / round(ambient_mmhg * 10)}[wave]
    return np.clip(np.rint(values * per_unit), datex_s5.DATA_INVALID_LIMIT + 1, 32767).astype("<i2")


@dataclass(frozen=True, slots=True)
class WaveSubrecord:
    sr_type: int  # waveform type (1 ECG1, 8 PLETH, 9 CO2, ...)
    samples: np.ndarray  # int16 in the type's DRI steps; <= -32001 are control codes
    status: int = 0  # bit 0 gap, bit 2 pacer, bit 3 lead off
    label: int = 0


def encode_wave_record(
    subrecords: Sequence[WaveSubrecord], *, time: float, record_no: int = 0, plug_id: int = 0, dri_level: int = 8
) -> bytes:
    """A de-framed waveform record (r_maintype 1): up to 8 subrecords of wf_hdr + int16 samples."""
    if len(subrecords) > 8:
        raise ValueError(f"a DRI record holds at most 8 subrecords, got {len(subrecords)}")
    body = bytearray()
    desc = bytearray(24)
    for i, sub in enumerate(subrecords):
        datex_s5.SR_DESC.pack_into(desc, 3 * i, len(body), sub.sr_type)
        body += WAVE_HEADER.pack(len(sub.samples), sub.status, sub.label) + sub.samples.astype("<i2").tobytes()
    if len(subrecords) < 8:
        datex_s5.SR_DESC.pack_into(desc, 3 * len(subrecords), len(body), datex_s5.EOL_SUBR_LIST)
    r_len = datex_s5.HEADER_SIZE + len(body)
    if r_len > datex_s5.MAX_RECORD:
        raise ValueError(f"a DRI record is at most {datex_s5.MAX_RECORD} bytes, this one would be {r_len}")
    header = datex_s5.HEADER.pack(
        r_len, record_no & 0xFF, dri_level, plug_id, int(time), 0, 0, 0, datex_s5.MAINTYPE_WAVE
    )
    return header + bytes(desc) + bytes(body)


def parse_wave_request(record: bytes) -> tuple[int, tuple[int, ...]] | None:
    """A PC->monitor waveform request as (req_type, wave types), or None if `record` is something else."""
    header = datex_s5.parse_header(record)
    if header.r_maintype != datex_s5.MAINTYPE_WAVE or not header.subrecords or header.subrecords[0][1] != WAVE_CMD:
        return None
    at = datex_s5.HEADER_SIZE + header.subrecords[0][0]
    if at + WAVE_REQUEST.size > len(record):
        return None
    req_type, _reserved, *types = WAVE_REQUEST.unpack_from(record, at)
    ended = types.index(datex_s5.EOL_SUBR_LIST) if datex_s5.EOL_SUBR_LIST in types else len(types)
    return req_type, tuple(types[:ended])


class DriEncoder:
    """A Datex S/5: silent until asked; then displayed-values records at the requested interval until stopped,
    and waveform records every 200 ms of the requested waves until stopped."""

    def __init__(self, model: PatientModel, scenario: Scenario, start_time: float) -> None:
        self.model, self.scenario, self.start_time = model, scenario, start_time
        self.requests_seen = 0
        self.wave_samples_sent: dict[int, int] = {}  # per waveform type: a test checks no sample is lost or extra
        self._records = 0
        self._deframer = datex_s5.Deframer()
        self._ext_classes: tuple[int, ...] = ()  # DRI ext classes the request asked for
        self._interval: float | None = None  # seconds between records while a request is active
        self._next_send = 0.0  # session time of the next record
        self._waves = WaveSynth(scenario, model.seed)
        self._wave_types: tuple[int, ...] = ()  # the waveform types asked for, in the request's order
        self._next_packet = 0  # index of the next 200 ms waveform packet (packet k ends at (k + 1) / 5 s)

    def reset(self) -> None:
        self._deframer = datex_s5.Deframer()
        self._interval = None  # like a real S/5 after a reconnect: the PC must ask again
        self._wave_types = ()

    def hear(self, data: bytes, t: float) -> list[bytes]:
        out: list[bytes] = []
        for record in self._deframer.feed(data):
            if self._hear_wave_request(record, t):
                continue
            request = datex_s5.parse_request(record)
            if request is None or request.record_type != datex_s5.PH_DISPL:
                continue
            self.requests_seen += 1
            if request.interval == 0:
                self._interval = None
            elif request.interval == -1:  # single transmission
                self._interval = None
                out.append(self._record(t))
            else:
                self._interval = max(request.interval, datex_s5.MIN_INTERVAL_S)
                self._ext_classes = tuple(c for c, bit in ((1, 2), (2, 4), (3, 8)) if request.class_bf & bit)
                self._next_send = t  # a real monitor answers a new request with a record straight away
        return out

    def _hear_wave_request(self, record: bytes, t: float) -> bool:
        request = parse_wave_request(record)
        if request is None:
            return False
        self.requests_seen += 1
        req_type, types = request
        if req_type == WAVE_START:
            self._wave_types = tuple(dict.fromkeys(w for w in types if w in WAVE_TYPE_RATES))[:8]
            self._next_packet = math.ceil(t * PACKETS_PER_S - 1e-9)  # from the next packet boundary on
        elif req_type == WAVE_STOP:
            self._wave_types = ()
        return True

    def due(self, t: float) -> list[bytes]:
        out = self._wave_records(t)
        if self._interval is None or t < self._next_send:
            return out
        self._next_send = max(self._next_send + self._interval, t)
        return [*out, self._record(t)]

    def _wave_records(self, t: float) -> list[bytes]:
        """The waveform packets that ended by session time `t` (packet k holds the samples of [k/5, (k+1)/5) s)."""
        end = math.floor(t * PACKETS_PER_S + 1e-9)
        if not self._wave_types or end <= self._next_packet:
            return []
        first, self._next_packet = self._next_packet, end
        state = self.model.state_at(t)
        streams = {}
        for sr_type in self._wave_types:
            per_packet = WAVE_TYPE_RATES[sr_type] // PACKETS_PER_S
            n0, n = first * per_packet, (end - first) * per_packet
            wave = SIMULATED_WAVES.get(sr_type)
            if wave is None:
                streams[sr_type] = np.full(n, DATA_INVALID, "<i2")
            else:
                streams[sr_type] = raw_wave_samples(wave, self._waves.samples(wave, n0, n, state))
            self.wave_samples_sent[sr_type] = self.wave_samples_sent.get(sr_type, 0) + n
        frames = []
        for k in range(first, end, MAX_PACKETS_PER_RECORD):
            last = min(k + MAX_PACKETS_PER_RECORD, end)
            subrecords = []
            for sr_type, raw in streams.items():
                per_packet = WAVE_TYPE_RATES[sr_type] // PACKETS_PER_S
                label = ECG_LABEL_LEAD_II if sr_type == 1 else 0
                subrecords.append(
                    WaveSubrecord(sr_type, raw[(k - first) * per_packet : (last - first) * per_packet], label=label)
                )
            when = self.start_time + last / PACKETS_PER_S  # sent as its last sample is measured
            frames.append(datex_s5.frame(encode_wave_record(subrecords, time=when, record_no=self._records)))
            self._records += 1
        return frames

    def _record(self, t: float) -> bytes:
        values, nibp_flags = datex_values(self.model.state_at(t))
        record = datex_s5.encode_displayed_record(
            values,
            time=self.start_time + t,
            record_no=self._records,
            nibp_flags=nibp_flags,
            apnea=self.scenario.in_window(self.scenario.apnea, t),
            ext_classes=self._ext_classes,
            ambient_mmhg=AMBIENT_MMHG,
        )
        self._records += 1
        return datex_s5.frame(record)


class MasimoEncoder:
    """A Masimo Radical-7 on ASCII 1: one line a second, unprompted; it ignores what the PC writes."""

    def __init__(self, model: PatientModel, scenario: Scenario, start_time: float) -> None:
        self.model, self.start_time = model, start_time
        self.requests_seen = 0
        self._next_send = 0.0

    def reset(self) -> None:
        pass  # nothing to forget: it was never asked

    def hear(self, data: bytes, t: float) -> list[bytes]:
        return []

    def due(self, t: float) -> list[bytes]:
        if t < self._next_send:
            return []
        self._next_send = max(self._next_send + 1.0, t)
        return [masimo_ascii.format_line(time=self.start_time + t, **masimo_values(self.model.state_at(t)))]


ENCODERS: dict[str, Callable[[PatientModel, Scenario, float], Encoder]] = {
    datex_s5.INFO.name: DriEncoder,
    masimo_ascii.INFO.name: MasimoEncoder,
    intellivue_monitor.PROTOCOL: intellivue_monitor.IntellivueEncoder,  # its own module: a conversation, not a stream
}
