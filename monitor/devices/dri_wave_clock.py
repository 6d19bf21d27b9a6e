"""When each DRI wave sample was taken, and where records went missing (issue 22).

A DRI record carries only its transmit second (r_time), so a wave's sample times are counted: from an anchor (the
first packet taken to end at its r_time) sample n is at anchor + n / rate, computed from the count each time so
twelve hours of packets add no rounding drift. The count goes on while it stays within WAVE_CLOCK_SLACK_S of
r_time; a jump, a packet the device flags as a gap, or a record lost on the line re-anchors it behind a gap.

A lost record is found by its number (header r_nbr, wrapping at 256). Whether a monitor counts every record or
each record type separately is not documented, so a record is taken as lost only when its number follows neither
the previous record's nor the previous one of its own type (the first of a type is not judged); a monitor that
leaves r_nbr constant is never taken to have lost one.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.devices.events import Wave

# How far the counted clock may be from the record's transmit second before it is re-anchored: the second is
# truncated (up to 1 s) and a packet may wait up to a second for its transmission.
WAVE_CLOCK_SLACK_S = 2.0


@dataclass(slots=True)
class _Anchor:
    t: float  # device time of sample 0
    count: int  # samples since sample 0

    def at(self, rate: float, n: int = 0) -> float:
        return self.t + (self.count + n) / rate


@dataclass(frozen=True, slots=True)
class PacketTiming:
    t0: float  # the packet's first sample
    gap_at: float | None  # where one NaN goes before it (samples lost), or None


class WaveClock:
    """Sample times of each wave of one monitor."""

    def __init__(self) -> None:
        self._anchors: dict[Wave, _Anchor] = {}
        self._lost: set[Wave] = set()  # waves whose next packet follows a lost record

    def records_lost(self) -> None:
        """A record went missing: each wave's next packet comes after a gap."""
        self._lost.update(self._anchors)

    def place(self, wave: Wave, n: int, r_time: float, device_gap: bool) -> PacketTiming:
        """The timing of a packet of `n` samples of `wave` sent in second `r_time`; `device_gap`: the monitor
        flags samples lost before it."""
        rate = wave.nominal_rate_hz
        duration = n / rate
        anchor = self._anchors.get(wave)
        lost = device_gap or wave in self._lost
        self._lost.discard(wave)
        if anchor is None or abs(anchor.at(rate, n) - r_time) > WAVE_CLOCK_SLACK_S:
            timing = PacketTiming(r_time - duration, None)  # (re-)anchor: the packet ends at its transmit second
        elif lost:
            end = anchor.at(rate)
            timing = PacketTiming(max(r_time - duration, end + 1 / rate), end)
        else:
            timing = PacketTiming(anchor.at(rate), None)
            anchor.count += n
            return timing
        self._anchors[wave] = _Anchor(timing.t0, n)
        return timing


class RecordNumbers:
    """Finds records lost on the line by their r_nbr."""

    def __init__(self) -> None:
        self._last: int | None = None
        self._last_of_type: dict[int, int] = {}
        self._numbered = False  # a record has followed another's number: the monitor numbers its records
        self.lost = 0  # records found missing (at least one each time)

    def missing_before(self, r_nbr: int, maintype: int) -> bool:
        """True when a record went missing before this one."""
        last, last_same = self._last, self._last_of_type.get(maintype)
        follows = [x for x in (last, last_same) if x is not None and (x + 1) % 256 == r_nbr]
        self._numbered = self._numbered or bool(follows)
        self._last, self._last_of_type[maintype] = r_nbr, r_nbr
        # the first record of its type cannot tell (it may be counted on its own)
        if follows or not self._numbered or last_same is None or r_nbr in (last, last_same):
            return False
        self.lost += 1
        return True
