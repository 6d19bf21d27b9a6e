"""How times appear in messages a nurse reads: local wall-clock time."""

from __future__ import annotations

from datetime import datetime


def clock_text(t: float) -> str:
    """Unix seconds as local HH:MM:SS."""
    return datetime.fromtimestamp(t).strftime("%H:%M:%S")
