from __future__ import annotations

from monitor.app.latest_values import LatestValues
from monitor.devices.events import Sample
from monitor.session.currency import judge
from monitor.ui.tiles import TILES, AlarmLevel, NumericTile


def test_nibp_tile_shows_the_age_of_the_reading_and_dims_when_old(qtbot) -> None:
    tile = NumericTile(next(s for s in TILES if s.key == "nibp"))
    qtbot.addWidget(tile)
    tile.display("150/96", judge("NIBP_SYS", 150, 1000.0, 1000.0 + 130), "(114)")
    assert tile.detail.text() == "(114)  ·  2 min ago" and not tile.dimmed
    tile.display("150/96", judge("NIBP_SYS", 150, 1000.0, 1000.0 + 14 * 60), "(114)")
    assert not tile.dimmed
    tile.display("150/96", judge("NIBP_SYS", 150, 1000.0, 1000.0 + 16 * 60), "(114)")
    assert tile.dimmed, "clinical.md: NIBP at least every 15 min; an older reading is not shown as current"
    assert tile.value.text() == "150/96" and "16 min ago" in tile.detail.text(), "stale: dimmed with its age"


def test_an_invalid_value_is_dashed_with_its_reason_at_once_and_takes_the_alarm_colour(qtbot) -> None:
    tile = NumericTile(TILES[1])
    qtbot.addWidget(tile)
    tile.display("97", judge("SPO2", 97, 0.0, 1.0), "PR 72")
    assert not tile.dimmed and tile.value.text() == "97"
    tile.display("97", judge("SPO2", 97, 0.0, 2.0, invalid="sensor off"), "PR 72")
    assert tile.dimmed and tile.value.text() == "--" and tile.detail.text() == "sensor off"
    tile.display("96", judge("SPO2", 96, 3.0, 3.0), "")
    tile.set_alarm_level(AlarmLevel.HIGH)
    assert not tile.dimmed and "#b71c1c" in tile.styleSheet()


def test_every_continuous_tile_dims_with_its_age_after_30_s(qtbot) -> None:
    """The program's rule (monitor.session.currency): a continuous value not refreshed for 30 s is stale. Written
    as the number 30, not the module's constant, so a changed limit is caught."""
    values = LatestValues()
    values.on_link(True)
    t = 1000.0
    for spec in (s for s in TILES if s.key != "nibp"):
        param = spec.params[0]
        values.on_samples([Sample(param, 40.0, t, t)])
        tile = NumericTile(spec)
        qtbot.addWidget(tile)
        tile.display("40", values.shown(param, t + 29.0))
        assert not tile.dimmed and tile.value.text() == "40", param
        assert spec.colour in tile.value.styleSheet(), param
        tile.display("40", values.shown(param, t + 31.0))
        assert tile.dimmed and tile.detail.text() == "31 s ago", f"{param} is 31 s old: dimmed with its age"
        assert spec.colour not in tile.value.styleSheet() and tile.value.text() == "40", param
