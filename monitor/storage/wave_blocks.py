"""Waveforms kept compactly (issue 22 point 4): ~10 s blocks of int16, delta-coded and zlib-compressed.

A block row holds one wave of one session from `t0` (device time of its first sample, Unix s) at `rate_hz` for `n`
samples: value = offset + scale * code, code -32768 = a gap (NaN; gaps stay gaps). `scale` is the wave's
resolution (its DRI unit step) unless the block's span needs a coarser one to fit in int16. The codes are stored
as first differences (mod 2**16, exactly reversible) so that zlib finds the repeats of a smooth wave.

`WaveBlocker` turns the decoder's WaveBlocks (arrival order per wave) into such rows: it cuts a block every
BLOCK_S seconds and at every discontinuity (a jump in t0 or a change of rate), so each row is contiguous.
"""

from __future__ import annotations

import math
import sqlite3
import zlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

BLOCK_S = 10.0  # seconds of wave per stored block (issue 22: "int16 blocks of 10 s")
GAP_CODE = -32768  # a NaN sample (a gap), never a value
_MAX_CODE = 32767
CODEC = "int16-delta-zlib"
# The step of each wave's DRI unit (protocols README §2.11: ECG µV, pleth 1/100 %; CO2 1/100 %, converted to mmHg,
# kept to 0.01 mmHg): ECG and pleth come back exactly as the monitor sent them. Unknown waves: 1/1000 of their unit.
_RESOLUTION = {"ECG_II": 0.001, "PLETH": 0.01, "CO2": 0.01}
_DEFAULT_RESOLUTION = 0.001
# Two blocks are one stretch when the second starts within this many sample periods of where the first ends
# (device clocks jitter; anything larger is a real gap, kept as one).
_CONTIGUOUS_SAMPLES = 2.0

INSERT_WAVE_BLOCK = (
    "INSERT INTO wave_blocks (session_id, wave, t0, rate_hz, n, scale, offset, codec, payload, host_t)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class WaveBlockLike(Protocol):
    """monitor.devices.events.WaveBlock (issue 22 contract): what the decoder emits."""

    wave: str
    t0: float
    rate_hz: float
    values: np.ndarray
    host_t: float


@dataclass(frozen=True, slots=True)
class StoredWave:
    """A stretch of one wave read back: contiguous samples from t0 at rate_hz (NaN = gap)."""

    wave: str
    t0: float
    rate_hz: float
    values: np.ndarray

    def times(self) -> np.ndarray:
        return self.t0 + np.arange(len(self.values)) / self.rate_hz


def encode(wave: str, values: np.ndarray) -> tuple[float, float, bytes]:
    """(scale, offset, payload) for `values` (float, NaN = gap)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    if finite.any():
        lo, hi = float(values[finite].min()), float(values[finite].max())
    else:
        lo = hi = 0.0
    offset = (lo + hi) / 2.0
    step = _RESOLUTION.get(wave, _DEFAULT_RESOLUTION)
    scale = max(step, (hi - lo) / (2 * _MAX_CODE - 2))
    offset = round(offset / step) * step  # values on the unit's grid stay on it
    codes = np.full(len(values), GAP_CODE, dtype=np.int32)
    codes[finite] = np.clip(np.rint((values[finite] - offset) / scale), -_MAX_CODE, _MAX_CODE)
    deltas = np.diff(codes.astype(np.int16), prepend=np.int16(0))  # int16 arithmetic wraps: cumsum undoes it
    return scale, offset, zlib.compress(deltas.astype("<i2").tobytes(), 6)


def decode(n: int, scale: float, offset: float, payload: bytes) -> np.ndarray:
    """The float32 values of one stored block (NaN = gap)."""
    deltas = np.frombuffer(zlib.decompress(payload), dtype="<i2", count=n)
    codes = np.cumsum(deltas, dtype=np.int16)
    values = (offset + scale * codes.astype(np.float64)).astype(np.float32)
    values[codes == GAP_CODE] = np.nan
    return values


@dataclass(slots=True)
class _Pending:
    t0: float
    rate_hz: float
    host_t: float
    parts: list[np.ndarray] = field(default_factory=list)
    n: int = 0

    def end(self) -> float:
        return self.t0 + self.n / self.rate_hz


class WaveBlocker:
    """Collects one session's WaveBlocks into stored-block rows (the writer thread owns one per session)."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self._pending: dict[str, _Pending] = {}

    def add(self, block: WaveBlockLike) -> list[tuple]:
        """Take one decoded block; the rows it completes (maybe none)."""
        wave = str(block.wave)
        values = np.asarray(block.values, dtype=np.float32)
        if len(values) == 0 or not (block.rate_hz > 0 and math.isfinite(block.t0)):
            return []
        rows: list[tuple] = []
        cur = self._pending.get(wave)
        if cur is not None and not _continues(cur, block.t0, block.rate_hz):
            rows.append(self._row(wave, cur))
            cur = None
        if cur is None:
            cur = self._pending[wave] = _Pending(block.t0, block.rate_hz, block.host_t)
        cur.parts.append(values)
        cur.n += len(values)
        per_block = round(BLOCK_S * cur.rate_hz)
        while cur.n >= per_block:
            joined = np.concatenate(cur.parts)
            head = _Pending(cur.t0, cur.rate_hz, cur.host_t, [joined[:per_block]], per_block)
            rows.append(self._row(wave, head))
            rest = joined[per_block:]
            cur = self._pending[wave] = _Pending(head.end(), cur.rate_hz, block.host_t, [rest], len(rest))
        if cur.n == 0:
            del self._pending[wave]
        return rows

    def drain(self) -> list[tuple]:
        """The partial blocks as rows (at the end of a session, or a flush that must leave nothing in memory)."""
        rows = [self._row(wave, cur) for wave, cur in self._pending.items() if cur.n]
        self._pending.clear()
        return rows

    def _row(self, wave: str, cur: _Pending) -> tuple:
        values = np.concatenate(cur.parts) if len(cur.parts) != 1 else cur.parts[0]
        scale, offset, payload = encode(wave, values)
        return (self.session_id, wave, cur.t0, cur.rate_hz, len(values), scale, offset, CODEC, payload, cur.host_t)


def _continues(cur: _Pending, t0: float, rate_hz: float) -> bool:
    return rate_hz == cur.rate_hz and abs(t0 - cur.end()) <= _CONTIGUOUS_SAMPLES / rate_hz


def read_waves(conn: sqlite3.Connection, session_id: int, start: float, end: float) -> dict[str, list[StoredWave]]:
    """Each wave's stretches overlapping [start, end), clipped to it, in time order; touching blocks joined."""
    rows = conn.execute(
        "SELECT wave, t0, rate_hz, n, scale, offset, payload FROM wave_blocks"
        " WHERE session_id = ? AND t0 < ? AND t0 > ? AND t0 + n / rate_hz > ? ORDER BY wave, t0",
        (session_id, end, start - BLOCK_S - 1.0, start),  # no block is longer than BLOCK_S: the index bounds it
    ).fetchall()
    out: dict[str, list[StoredWave]] = {}
    for wave, t0, rate, n, scale, offset, payload in rows:
        values = decode(n, scale, offset, payload)
        first = max(0, math.floor((start - t0) * rate))
        last = min(n, math.ceil((end - t0) * rate))
        piece = StoredWave(wave, t0 + first / rate, rate, values[first:last])
        stretches = out.setdefault(wave, [])
        prev = stretches[-1] if stretches else None
        if prev is not None and prev.rate_hz == rate and abs(prev.t0 + len(prev.values) / rate - piece.t0) < 0.5 / rate:
            stretches[-1] = StoredWave(wave, prev.t0, rate, np.concatenate([prev.values, piece.values]))
        else:
            stretches.append(piece)
    return out


def wave_span(conn: sqlite3.Connection, session_id: int) -> tuple[float, float] | None:
    """The first and last instant of the session's stored waves, or None without any."""
    row = conn.execute(
        "SELECT min(t0), max(t0 + n / rate_hz) FROM wave_blocks WHERE session_id = ?", (session_id,)
    ).fetchone()
    return None if row is None or row[0] is None else (float(row[0]), float(row[1]))
