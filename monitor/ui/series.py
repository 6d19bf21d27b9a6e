"""Growable numpy series for the trend charts, with explicit gaps. No Qt: tested on its own.

Appending is amortised O(1) (capacity doubles); `x`/`y` are views, so handing them to pyqtgraph's `setData`
copies nothing. A gap is a NaN point: with `connect="finite"` the curve breaks there instead of drawing a
line across a time with no data.
"""

from __future__ import annotations

import numpy as np


class TrendSeries:
    def __init__(self, max_gap_s: float, capacity: int = 4096) -> None:
        self.max_gap_s = max_gap_s  # consecutive samples further apart than this are drawn apart
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self._n = 0
        self.version = 0  # bumps on every change, so a view redraws only what changed

    def __len__(self) -> int:
        return self._n

    @property
    def x(self) -> np.ndarray:
        return self._x[: self._n]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self._n]

    @property
    def last_t(self) -> float | None:
        return float(self._x[self._n - 1]) if self._n else None

    def append(self, t: float, value: float) -> None:
        last = self.last_t
        if last is not None and t <= last:
            return  # not newer than what is drawn (a repeated record, a device clock step back): the store has it
        if last is not None and t - last > self.max_gap_s and not np.isnan(self._y[self._n - 1]):
            self._push(last + (t - last) / 2, np.nan)
        self._push(t, value)

    def extend(self, t: np.ndarray, values: np.ndarray) -> None:
        """Append many samples at once (a recorded session): the same rules as `append`, vectorised."""
        t = np.asarray(t, dtype=float)
        values = np.asarray(values, dtype=float)
        last = self.last_t
        if last is not None:
            keep = t > last
            t, values = t[keep], values[keep]
        if not t.size:
            return
        keep = np.r_[True, np.diff(t) > 0]  # drop repeats, as append does
        t, values = t[keep], values[keep]
        prev = np.r_[last if last is not None and not np.isnan(self._y[self._n - 1]) else np.nan, t[:-1]]
        gaps = np.flatnonzero(t - prev > self.max_gap_s)
        t = np.insert(t, gaps, (prev[gaps] + t[gaps]) / 2)
        values = np.insert(values, gaps, np.nan)
        need = self._n + t.size
        if need > len(self._x):
            capacity = max(need, 2 * len(self._x))
            self._x = np.concatenate([self._x[: self._n], np.empty(capacity - self._n)])
            self._y = np.concatenate([self._y[: self._n], np.empty(capacity - self._n)])
        self._x[self._n : need] = t
        self._y[self._n : need] = values
        self._n = need
        self.version += 1

    def break_line(self, t: float) -> None:
        """No data from here on until the next sample (monitor silent or disconnected)."""
        if self._n and not np.isnan(self._y[self._n - 1]):
            self._push(max(t, float(self._x[self._n - 1])), np.nan)

    def _push(self, t: float, value: float) -> None:
        if self._n == len(self._x):
            self._x = np.concatenate([self._x, np.empty(len(self._x))])
            self._y = np.concatenate([self._y, np.empty(len(self._y))])
        self._x[self._n] = t
        self._y[self._n] = value
        self._n += 1
        self.version += 1
