from __future__ import annotations

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
