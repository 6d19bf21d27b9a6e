"""Telling a new cuff reading from the same reading repeated.

Monitors resend the last NIBP numbers with every record (the DRI every 5 s) until the next cuff cycle. A new
reading is the first after the cuff finished measuring, or numbers that differ from the last reading. Charts
draw one marker per reading; the tile shows its age; alarms judge each reading once.

Numbers the monitor flags as old (the DRI: older than 60 s) are never a new reading: they are what was measured
before the program started or reconnected, at a time the record does not say, so they are not charted, alarmed or
counted for a check as if measured now. The next cuff cycle is the first reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from monitor.devices.events import Sample, SampleFlag

NIBP_PARAMS = ("NIBP_SYS", "NIBP_DIA", "NIBP_MEAN")


@dataclass(frozen=True, slots=True)
class NibpReading:
    t: float
    host_t: float
    sys: float | None
    dia: float | None
    mean: float | None


class NibpReadingDetector:
    def __init__(self) -> None:
        self._last: tuple[float | None, ...] | None = None
        self._measuring = False

    def feed(self, samples: Iterable[Sample]) -> list[NibpReading]:
        """New readings among `samples` (in arrival order; one record's NIBP values share a time)."""
        groups: dict[float, dict[str, Sample]] = {}
        for s in samples:
            if s.param in NIBP_PARAMS:
                groups.setdefault(s.time, {})[s.param] = s
        readings = []
        for t, group in groups.items():
            measuring = any(s.flags & SampleFlag.NIBP_MEASURING for s in group.values())
            stale = any(s.flags & SampleFlag.STALE for s in group.values())
            values = tuple(group[p].value if p in group else None for p in NIBP_PARAMS)
            if measuring:
                self._measuring = True
                continue
            if stale and not self._measuring:
                self._last = values
                continue
            if self._measuring or values != self._last:
                host_t = next(iter(group.values())).host_time
                readings.append(NibpReading(t, host_t, *values))
            self._measuring = False
            self._last = values
        return readings
