"""How times appear in messages a nurse reads: local wall-clock time."""

from __future__ import annotations

from datetime import datetime, timedelta


def clock_text(t: float) -> str:
    """Unix seconds as local HH:MM:SS."""
    return datetime.fromtimestamp(t).strftime("%H:%M:%S")


def latest_at(hour: int, minute: int, now: float) -> float:
    """The most recent local time hh:mm not after `now` (yesterday's when it is later than now today), so a
    nurse back-dating past midnight gets the evening before."""
    current = datetime.fromtimestamp(now)
    candidate = current.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate > current:
        candidate -= timedelta(days=1)
    return candidate.timestamp()
