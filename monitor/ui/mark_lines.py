"""MarkLines: vertical lines at given times across a stack of plots (entry markers, alarm onsets).

One pyqtgraph curve per pen per plot, drawn as pairs of points, however many marks there are. A line item per
mark (pg.InfiniteLine) recomputes its geometry whenever the view scrolls, so a 12-hour session's entries and
alarms about doubled every chart frame (benchmarks/ui.py); here a scroll costs one path per pen and plot.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPen


class MarkLines:
    def __init__(self, plots: Sequence[tuple[pg.PlotItem, tuple[float, float]]]) -> None:
        """`plots`: each plot with the y extent its lines span (the plots' y ranges are fixed)."""
        self._plots = list(plots)
        self._times: dict[Hashable, list[float]] = {}
        self._curves: dict[Hashable, list[pg.PlotCurveItem]] = {}

    def all_times(self) -> list[float]:
        return sorted(t for times in self._times.values() for t in times)

    def add(self, key: Hashable, pen: QPen, times: Iterable[float]) -> None:
        """Add lines at `times`, drawn with `pen` (marks sharing a key share a pen)."""
        self._times.setdefault(key, []).extend(times)
        self._draw(key, pen)

    def replace(self, groups: dict[Hashable, tuple[QPen, list[float]]]) -> None:
        """Show exactly these groups: key -> (pen, times). Groups not named are removed."""
        for key in set(self._curves) - set(groups):
            for (plot, _), curve in zip(self._plots, self._curves.pop(key), strict=True):
                plot.removeItem(curve)
            self._times.pop(key, None)
        for key, (pen, times) in groups.items():
            self._times[key] = list(times)
            self._draw(key, pen)

    def _draw(self, key: Hashable, pen: QPen) -> None:
        curves = self._curves.get(key)
        if curves is None:
            curves = [pg.PlotCurveItem(connect="pairs", antialias=False) for _ in self._plots]
            for (plot, _), curve in zip(self._plots, curves, strict=True):
                plot.addItem(curve, ignoreBounds=True)
            self._curves[key] = curves
        t = np.repeat(np.asarray(self._times[key], dtype=float), 2)
        for (_, (low, high)), curve in zip(self._plots, curves, strict=True):
            y = np.tile([low, high], len(t) // 2)
            curve.setData(t, y, pen=pen, connect="pairs")
