"""LiveWave: the last seconds of one waveform of one chair, Qt-free -- what the workspace's sweep and the station
card's strip read (the chair's live model holds one per wave: monitor.app.live_chair).

Fed on the GUI thread with the decoder's WaveBlocks, one batch per frame (monitor.ui.facade). Samples are kept by
their index on the wave's own clock (t0 × rate), so a jump in t0 leaves NaN where nothing came: a gap is drawn as
a gap, never bridged. `sweep` lays the last `window_s` seconds out as a sweep display does: each sample at its
place modulo the window, the newest just behind an erase bar of NaN that runs ahead of it.
"""

from __future__ import annotations

import numpy as np

from monitor.app.device_door import WaveBlock

KEEP_S = 16.0  # more than the widest sweep (a 1920 px screen at 25 mm/s shows about 13 s)
ERASE_S = 0.25  # the erase bar's width: the blank just ahead of the newest sample
STEP_BACK_S = 1.0  # a block this much older than the newest is a device clock stepped back: start again


class LiveWave:
    def __init__(self, rate_hz: float, keep_s: float = KEEP_S) -> None:
        self.rate_hz = rate_hz
        self._ring = np.full(round(keep_s * rate_hz), np.nan, dtype=np.float32)
        self._head: int | None = None  # the index (on the wave's clock) of the next sample expected
        self._t_end: float | None = None  # the device time of that sample, as the last block gives it
        self.last_host_t: float | None = None  # when the newest block reached this computer
        self.version = 0  # bumps on every change, so a view redraws only when there is something new

    @property
    def head(self) -> int | None:
        return self._head

    @property
    def t_end(self) -> float | None:
        """The device time just after the newest sample (None before the first block or after a blank)."""
        return self._t_end

    def add(self, block: WaveBlock) -> None:
        """A block in arrival order: its samples at their places; NaN over any time between it and the last."""
        if block.rate_hz != self.rate_hz:  # the monitor changed the wave's rate: what is kept no longer lines up
            keep_s = len(self._ring) / self.rate_hz
            self.rate_hz = block.rate_hz
            self._ring = np.full(round(keep_s * block.rate_hz), np.nan, dtype=np.float32)
            self._head = self._t_end = None
        values = np.asarray(block.values, dtype=np.float32)
        size = len(self._ring)
        if self._head is None or self._t_end is None:
            start = round(block.t0 * self.rate_hz)
        else:  # from where the last block ended: the rounding of a large t0 never makes a gap of one sample
            start = self._head + round((block.t0 - self._t_end) * self.rate_hz)
        if self._head is not None and start < self._head:
            # A little early: the device's clock rounding, not a new time; much earlier: its clock stepped back.
            start = self._head if start > self._head - STEP_BACK_S * self.rate_hz else start
            if start < self._head:
                self._ring[:] = np.nan
        elif self._head is not None and start > self._head:
            self._write(np.full(min(start - self._head, size), np.nan, dtype=np.float32), start)
        self._write(values[-size:], start + len(values))
        self._head = start + len(values)
        self._t_end = block.t0 + len(values) / self.rate_hz
        self.last_host_t = block.host_t
        self.version += 1

    def _write(self, values: np.ndarray, end: int) -> None:
        """`values` ending at index `end` (a capped gap writes only its last ring's worth)."""
        n = len(values)
        first = (end - n) % len(self._ring)
        cut = min(n, len(self._ring) - first)
        self._ring[first : first + cut] = values[:cut]
        self._ring[: n - cut] = values[cut:]

    def blank(self) -> None:
        """Nothing is known now (the monitor stopped sending): the strip shows nothing, not a stale trace."""
        self._ring[:] = np.nan
        self._head = self._t_end = None
        self.version += 1

    def recent(self, seconds: float) -> np.ndarray:
        """The last `seconds` of samples, oldest first (NaN where nothing came)."""
        n = min(round(seconds * self.rate_hz), len(self._ring))
        if self._head is None or n <= 0:
            return np.full(max(n, 0), np.nan, dtype=np.float32)
        end = self._head % len(self._ring)
        return np.roll(self._ring, -end)[len(self._ring) - n :]

    def sweep(self, window_s: float, erase_s: float = ERASE_S) -> np.ndarray:
        """The sweep's y values over `window_s` seconds (x = index / rate): each sample at its place modulo the
        window, NaN for the erase bar just ahead of the newest one and wherever nothing came."""
        n = min(round(window_s * self.rate_hz), len(self._ring))
        y = np.full(n, np.nan, dtype=np.float32)
        if self._head is None or n == 0:
            return y
        at = self._head % n  # where the next sample goes: the erase bar starts there
        recent = self.recent(n / self.rate_hz)
        y[:at] = recent[n - at :]
        y[at:] = recent[: n - at]
        erase = min(round(erase_s * self.rate_hz), n)
        y[at : at + erase] = np.nan
        y[: max(0, at + erase - n)] = np.nan
        return y
