"""How times and durations appear to a nurse: local wall-clock times and short durations, in one place.

Qt-free and below every layer (like monitor.params), so the rules, the services, the windows and the command line
all write a time the same way. File-name stamps and device protocol formats are not here: they are not read by a
nurse.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def clock_text(t: float) -> str:
    """Unix seconds as local HH:MM:SS."""
    return datetime.fromtimestamp(t).strftime("%H:%M:%S")


def hm_text(t: float) -> str:
    """Unix seconds as local HH:MM (an entry's time, a check's due time)."""
    return datetime.fromtimestamp(t).strftime("%H:%M")


def day_time_text(t: float) -> str:
    """Unix seconds as local '03 Jan 14:05' (a session in a list of recent ones)."""
    return datetime.fromtimestamp(t).strftime("%d %b %H:%M")


def date_time_text(t: float) -> str:
    """Unix seconds as local '03 Jan 2026 14:05'."""
    return datetime.fromtimestamp(t).strftime("%d %b %Y %H:%M")


def date_text(t: float) -> str:
    """Unix seconds as local '03 Jan 2026'."""
    return datetime.fromtimestamp(t).strftime("%d %b %Y")


def iso_minute_text(t: float) -> str:
    """Unix seconds as local '2026-01-03 14:05' (a table that sorts as text)."""
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def hms(seconds: float) -> str:
    """A duration as H:MM:SS (elapsed, infused)."""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def minutes_text(seconds: float) -> str:
    """A duration to the minute, short enough for a station card: "32 min", "2 h 05"."""
    m = int(seconds) // 60
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d}"


def ms(seconds: int) -> str:
    """A whole-second countdown as M:SS."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def age_text(seconds: float) -> str:
    """How long ago a value was measured: seconds under a minute and a half, then minutes."""
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    return f"{seconds / 60:.0f} min ago"


def latest_at(hour: int, minute: int, now: float) -> float:
    """The most recent local time hh:mm not after `now` (yesterday's when it is later than now today), so a
    nurse back-dating past midnight gets the evening before."""
    current = datetime.fromtimestamp(now)
    candidate = current.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate > current:
        candidate -= timedelta(days=1)
    return candidate.timestamp()
