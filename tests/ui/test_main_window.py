"""The first window, driven by a real simulated monitor on a pty at high speed."""

from __future__ import annotations


def test_tiles_show_live_numbers(qtbot, live_window) -> None:
    window = live_window("stable", speed=50)
    qtbot.waitUntil(lambda: window.workspace.tiles["hr"].value.text() != "--", timeout=15000)
    qtbot.waitUntil(lambda: window.workspace.tiles["nibp"].value.text() != "--", timeout=15000)
    assert 40 <= int(window.workspace.tiles["hr"].value.text()) <= 140
    sys_, dia = window.workspace.tiles["nibp"].value.text().split("/")
    assert int(sys_) > int(dia)
    assert window.workspace.tiles["spo2"].detail.text().startswith("PR ")
    assert window.workspace.link_label.text().startswith("Receiving")
    assert not window.workspace.tiles["hr"].dimmed


def test_pulled_cable_is_shown_as_disconnected(qtbot, live_window) -> None:
    window = live_window("cable-pull", speed=40)
    qtbot.waitUntil(lambda: window.workspace.link_label.text().startswith("MONITOR DISCONNECTED"), timeout=20000)
    assert "check the cable" in window.workspace.link_label.text()
    assert all(tile.dimmed for tile in window.workspace.tiles.values()), (
        "a number from a disconnected monitor looked live"
    )
    assert (
        window.workspace.tiles["hr"].value.text() == "--"
        and "monitor disconnected" in window.workspace.tiles["hr"].detail.text()
    )
    qtbot.waitUntil(lambda: window.workspace.link_label.text().startswith("Receiving"), timeout=20000)
    qtbot.waitUntil(lambda: not window.workspace.tiles["hr"].dimmed, timeout=5000)
