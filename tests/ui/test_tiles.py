from __future__ import annotations

from monitor.devices.events import DeviceStatus, Sample, ValueState
from monitor.ui.tiles import TILES, AlarmLevel, NumericTile


def test_nibp_tile_shows_the_age_of_the_reading_and_dims_when_old(qtbot) -> None:
    tile = NumericTile(next(s for s in TILES if s.key == "nibp"))
    qtbot.addWidget(tile)
    tile.show_values("150/96", "(114)", 1000.0, 1000.0, live=True)
    tile.refresh_age(1000.0 + 130, live=True)
    assert tile.detail.text() == "(114)  ·  2 min ago" and not tile.dimmed
    tile.refresh_age(1000.0 + 14 * 60, live=True)
    assert not tile.dimmed
    tile.refresh_age(1000.0 + 16 * 60, live=True)
    assert tile.dimmed, "clinical.md: NIBP at least every 15 min; an older reading is not shown as current"


def test_continuous_tile_dims_when_the_monitor_stops_and_takes_the_alarm_colour(qtbot) -> None:
    tile = NumericTile(TILES[0])
    qtbot.addWidget(tile)
    tile.show_values("72", "", 0.0, 0.0, live=True)
    assert not tile.dimmed
    tile.refresh_age(1.0, live=False)
    assert tile.dimmed
    tile.refresh_age(2.0, live=True)
    tile.set_alarm_level(AlarmLevel.HIGH)
    assert "#b71c1c" in tile.styleSheet()


def test_a_value_the_decoder_refused_blanks_the_tile_at_once(qtbot, live_window) -> None:
    """Issue 14: an oximeter's `SPO2=nan%` is an invalid value, not a sample; the tile must not keep showing the
    last number as if it were current (nor 'nan'): "--" with the reason, at once."""
    window = live_window("stable", speed=20)
    qtbot.waitUntil(lambda: window.tiles["spo2"].value.text() != "--", timeout=15000)
    window.simulator.stop()  # nothing else arrives: what the tile shows comes from the events below
    facade = window.facade
    facade.sigSamples.emit([Sample("SPO2", 97.0, 2000.0, 2000.0), Sample("PR", 71.0, 2000.0, 2000.0)])
    assert window.tiles["spo2"].value.text() == "97"
    facade.sigDeviceStatus.emit(DeviceStatus(2001.0, 2001.0, unavailable=(("SPO2", ValueState.NOT_A_NUMBER),)))
    tile = window.tiles["spo2"]
    assert (tile.value.text(), tile.detail.text(), tile.dimmed) == ("--", "not a number", True)
    tile.refresh_age(2100.0, live=True)
    assert tile.value.text() == "--" and tile.detail.text() == "not a number", "no age of a value it does not have"
    facade.sigSamples.emit([Sample("SPO2", 96.0, 2002.0, 2002.0)])
    assert tile.value.text() == "96", "a valid value shows again"
