from __future__ import annotations

from monitor.app.latest_values import LatestValues
from monitor.clinical.currency import judge
from monitor.devices import masimo_ascii
from monitor.devices.events import DeviceStatus, Sample
from monitor.ui.tiles import TILES, AlarmLevel, NumericTile


def test_nibp_tile_shows_the_age_of_the_reading_and_dims_when_old(qtbot) -> None:
    tile = NumericTile(next(s for s in TILES if s.key == "nibp"))
    qtbot.addWidget(tile)
    tile.display("150/96", judge("NIBP_SYS", 150, 1000.0, 1000.0 + 130), "(114)")
    assert tile.detail.text() == "(114) · 2 min ago" and not tile.dimmed
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


def test_a_value_the_decoder_refused_blanks_the_tile_at_once(qtbot, live_window) -> None:
    """Issue 14: an oximeter's `SPO2=nan%` is an invalid value, not a sample; the tile must not keep showing the
    last number as if it were current (nor 'nan'): "--" with the reason, at once, through the one currency rule
    (LatestValues), and the number again once the oximeter sends a valid one."""
    window = live_window("stable", speed=20)
    qtbot.waitUntil(lambda: window.workspace.tiles["spo2"].value.text() != "--", timeout=15000)
    decoder = masimo_ascii.MasimoAsciiDecoder()
    now = window.workspace.clock.now()

    def receive(spo2: bytes) -> None:  # one Rad-8 line, as the real decoder turns it into events (delivered and
        # drawn synchronously here: the simulator's own frames wait in the event loop, which does not run between)
        line = masimo_ascii.format_line(time=2000, spo2=97, pr=71, pi=2.0, pvi=10).replace(b"SPO2=097%", spo2)
        events = decoder.feed(line, now)
        samples = [e for e in events if isinstance(e, Sample)]
        window.workspace.facade.sigSamples.emit([Sample(s.param, s.value, now, now, s.flags) for s in samples])
        for status in (e for e in events if isinstance(e, DeviceStatus)):
            window.workspace.facade.sigDeviceStatus.emit(status)

    tile = window.workspace.tiles["spo2"]
    receive(b"SPO2=097%")
    assert tile.value.text() == "97"
    receive(b"SPO2=nan%")
    assert (tile.value.text(), tile.detail.text(), tile.dimmed) == ("--", "not a number", True)
    window.workspace._render_tiles(now + 100)
    assert tile.value.text() == "--" and tile.detail.text() == "not a number", "no age of a value it does not have"
    assert window.workspace.live.shown("SPO2", now).text == "--", (
        "the station card and recovery panel read the same rule"
    )
    receive(b"SPO2=096%")
    assert tile.value.text() == "96" and not tile.dimmed, "a valid value shows again"


def test_every_continuous_tile_dims_with_its_age_after_30_s(qtbot) -> None:
    """The program's rule (monitor.clinical.currency): a continuous value not refreshed for 30 s is stale. Written
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
