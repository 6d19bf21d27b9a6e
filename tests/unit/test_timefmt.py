"""monitor.timefmt: the one home of how times and durations read, whatever the desk's time zone."""

from __future__ import annotations

from datetime import datetime

from monitor import timefmt
from monitor.clinical.currency import Currency, ShownValue

T = datetime(2026, 1, 3, 14, 5, 9).timestamp()  # local time, so the texts hold in any time zone


def test_wall_clock_texts() -> None:
    assert timefmt.clock_text(T) == "14:05:09"
    assert timefmt.hm_text(T) == "14:05" == timefmt.clock_text(T)[:5]
    assert timefmt.day_time_text(T) == "03 Jan 14:05"
    assert timefmt.date_time_text(T) == "03 Jan 2026 14:05"
    assert timefmt.date_text(T) == "03 Jan 2026"
    assert timefmt.iso_minute_text(T) == "2026-01-03 14:05"


def test_durations_and_ages() -> None:
    assert timefmt.hms(0) == "0:00:00" and timefmt.hms(3725.9) == "1:02:05"
    assert timefmt.ms(0) == "0:00" and timefmt.ms(125) == "2:05"
    assert timefmt.minutes_text(1911) == "31 min" and timefmt.minutes_text(7500) == "2 h 05"
    assert timefmt.age_text(12.4) == "12 s ago" and timefmt.age_text(89) == "89 s ago"
    assert timefmt.age_text(90) == "2 min ago" and timefmt.age_text(600) == "10 min ago"
    stale = ShownValue("SPO2", 97.0, Currency.STALE, 600.0)
    assert stale.note == timefmt.age_text(600)  # the staleness note is written by the same function


def test_latest_at_goes_back_to_yesterday_past_midnight() -> None:
    assert timefmt.latest_at(14, 0, T) == datetime(2026, 1, 3, 14, 0).timestamp()
    assert timefmt.latest_at(23, 30, T) == datetime(2026, 1, 2, 23, 30).timestamp()
