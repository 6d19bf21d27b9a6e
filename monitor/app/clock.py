"""The session clock: the one time base for charts, the timeline and nurse entries.

With a real monitor it is this computer's clock, and samples are placed at their receive time, so charts and
entries line up even when the monitor's own clock is off (its time is still stored beside each sample). With
the built-in simulator running N times faster, it is the simulated clock, so a demo hour passes in minutes
and entries land where the simulated curves are.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from monitor.devices.events import Sample


@dataclass(frozen=True)
class SessionClock:
    now: Callable[[], float]
    use_device_time: bool = False

    @property
    def timebase(self) -> str:
        return "device" if self.use_device_time else "host"

    def sample_time(self, sample: Sample) -> float:
        return sample.time if self.use_device_time else sample.host_time


WALL_CLOCK = SessionClock(time.time)
