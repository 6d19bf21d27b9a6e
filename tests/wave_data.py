"""A recorded session with stored waves (issue 22): ECG, pleth and capnogram for a few minutes, a high-priority
alarm and an entry, in a real database."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Wave, WaveBlock
from monitor.storage.writer import SessionWriter

T0 = 1_700_000_000.0
ALARM_T = T0 + 120.0  # SpO2 low, high priority
ENTRY_T = T0 + 60.0
GAP = (T0 + 130.0, T0 + 135.0)  # the pleth sensor was off: no samples at all


def wave_values(wave: Wave, t: np.ndarray) -> np.ndarray:
    """Plausible shapes on the monitor's grid: an ECG spike at 72/min, a pleth pulse, a capnogram at 12/min."""
    if wave is Wave.ECG:
        return np.round(1000 * (1.2 * np.sin(np.pi * 1.2 * t) ** 40 - 0.1)) / 1000
    if wave is Wave.PLETH:
        return np.round(100 * 4 * np.sin(np.pi * 1.2 * t) ** 2) / 100
    return np.round(100 * 38 * (np.sin(np.pi * 0.2 * t) > 0)) / 100


def wave_blocks(seconds: float, t0: float = T0, per: float = 1.0) -> list[WaveBlock]:
    """The decoder's blocks of all three waves, `per` seconds each, in arrival order; the pleth has GAP."""
    blocks = []
    for k in range(round(seconds / per)):
        start = t0 + k * per
        for wave in Wave:
            if wave is Wave.PLETH and GAP[0] <= start < GAP[1]:
                continue
            rate = wave.nominal_rate_hz
            t = start + np.arange(round(rate * per)) / rate
            blocks.append(WaveBlock(wave, start, rate, wave_values(wave, t - T0).astype(np.float32), start + 0.1))
    return blocks


def session_with_waves(db: Path, minutes: float = 4.0) -> int:
    with SessionWriter(db) as writer:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=T0)
        writer.add_waves(sid, wave_blocks(60 * minutes))
        writer.add_alarm_event(sid, ALARM_T, "onset", "SPO2_LOW", "SpO₂ low 85 %", priority="high", value=85.0)
        service = SessionService(writer, sid, T0, clock=lambda: T0 + 60 * minutes, initials="KM")
        service.record(EntryKind.SCORE, {"scale": "rass", "score": -1}, t=ENTRY_T).result(5)
        writer.end_session(sid, T0 + 60 * minutes)
    return sid
