"""What a simulated monitor says, per protocol: one encoder class per protocol and one table that picks it.

An encoder hears what the PC writes (`hear`), says what is due at a session time (`due`), and forgets the PC's
requests when the cable is pulled (`reset`). It returns whole frames or lines; the SimulatedMonitor adds the line
noise, writes them to the pty and counts them. A new protocol adds its class and one row in ENCODERS.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol

from monitor.devices import datex_s5, masimo_ascii
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


# --- DRI waveforms (DRI spec §5; shared/protocols README §2.11; layout and request in monitor.devices.datex_s5) ---
# Waveform types and their samples per second: ECG1-3, invasive pressures, pleth, gases, AWP, flow, RESP, EEG. The
# simulated patient has ECG (lead II on ECG1), pleth and CO2; the other types are sent as DATA_INVALID, as by a
# monitor without the module (the real record: ECG2/ECG3 all -32767).
WAVE_TYPE_RATES = {
    **dict.fromkeys((1, 2, 3), 300),
    **dict.fromkeys((4, 5, 6, 7, 16, 17, 36, 37, 8, 18, 19, 20, 21), 100),
    **dict.fromkeys(range(9, 16), 25),
}
SIMULATED_WAVES = {wf_type: wave for wave, wf_type in datex_s5.WAVE_TYPES.items()}
DATA_INVALID = -32767  # §2.7
AMBIENT_MMHG = 760.0  # the simulated S/5's ambient pressure: CO2 travels in 1/100 % of it, as EtCO2 does
# The S/5 sends a waveform record every 200 ms (the real record: 60 ECG + 20 pleth samples). When more is due at
# once (a fast --speed), up to 5 packets go in one record: 1 s, the S/5's longest packet interval, which bounds the
# records per wall second and keeps the record within r_len's 1490 bytes for the simulated waves.
PACKETS_PER_S = 5
MAX_PACKETS_PER_RECORD = 5


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
        request = datex_s5.parse_wave_request(record)
        if request is None:
            return False
        self.requests_seen += 1
        if request.start:
            self._wave_types = tuple(dict.fromkeys(w for w in request.types if w in WAVE_TYPE_RATES))[:8]
            self._next_packet = math.ceil(t * PACKETS_PER_S - 1e-9)  # from the next packet boundary on
        else:
            self._wave_types = ()
        return True

    def due(self, t: float) -> list[bytes]:
        out = []
        if self._interval is not None and t >= self._next_send:
            self._next_send = max(self._next_send + self._interval, t)
            out.append(self._record(t))  # first: its ambient pressure converts the CO2 wave that follows
        return out + self._wave_records(t)

    def _wave_records(self, t: float) -> list[bytes]:
        """The waveform packets that ended by session time `t` (packet k holds the samples of [k/5, (k+1)/5) s)."""
        end = math.floor(t * PACKETS_PER_S + 1e-9)
        if not self._wave_types or end <= self._next_packet:
            return []
        first, self._next_packet = self._next_packet, end
        state = self.model.state_at(t)
        streams: dict[int, Sequence[int]] = {}
        for sr_type in self._wave_types:
            per_packet = WAVE_TYPE_RATES[sr_type] // PACKETS_PER_S
            n0, n = first * per_packet, (end - first) * per_packet
            wave = SIMULATED_WAVES.get(sr_type)
            if wave is None:
                streams[sr_type] = [DATA_INVALID] * n
            else:
                streams[sr_type] = datex_s5.wave_raw(wave, self._waves.samples(wave, n0, n, state), AMBIENT_MMHG)
            self.wave_samples_sent[sr_type] = self.wave_samples_sent.get(sr_type, 0) + n
        frames = []
        for k in range(first, end, MAX_PACKETS_PER_RECORD):
            last = min(k + MAX_PACKETS_PER_RECORD, end)
            subrecords = []
            for sr_type, raw in streams.items():
                per_packet = WAVE_TYPE_RATES[sr_type] // PACKETS_PER_S
                label = datex_s5.ECG_LEAD_II if sr_type == datex_s5.WF_ECG1 else 0
                samples = raw[(k - first) * per_packet : (last - first) * per_packet]
                subrecords.append(datex_s5.WaveSubrecord(sr_type, samples, label=label))
            when = self.start_time + last / PACKETS_PER_S  # sent as its last sample is measured
            record = datex_s5.encode_wave_record(subrecords, time=when, record_no=self._records)
            frames.append(datex_s5.frame(record))
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
