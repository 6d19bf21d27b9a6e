"""The station overview with live simulated chairs: cards update, a chair's alarm reaches the station bar, a click
opens the chair's workspace and back, port assignments are saved."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from monitor.app.chair import ChairConfig
from monitor.app.station import Station, station_file
from monitor.devices.port_policy import PortPolicy
from monitor.storage.writer import SessionWriter
from monitor.ui.app import open_chair_window
from monitor.ui.station_window import StationWindow


@pytest.fixture
def station_window(qtbot, tmp_path):
    configs = [
        ChairConfig("Chair 1", None, scenario="stable", speed=100),
        ChairConfig("Chair 2", None, scenario="respiratory-depression", speed=250, seed=1),
        ChairConfig("Chair 3", None, scenario="cable-pull", speed=20, seed=2),
    ]
    writer = SessionWriter(tmp_path / "station.sqlite3")
    writer.start()
    station = Station(configs, writer)
    windows = [open_chair_window(chair, "AB") for chair in station.chairs]
    window = StationWindow(windows, configs, PortPolicy.for_hosts(["10.1.2.3"]))
    qtbot.addWidget(window)
    window.show()
    yield window
    station.stop()
    writer.close()


def test_overview_cards_alarm_bar_and_open_a_chair(qtbot, station_window) -> None:
    window = station_window
    assert window.stack.currentIndex() == 0, "the station starts on its overview"
    qtbot.waitUntil(lambda: all("HR --" not in card.numbers.text() for card in window.cards), timeout=20000)
    qtbot.waitUntil(lambda: window.alarm_lines[0].text().startswith("Chair 2 ·"), timeout=20000)
    assert "(high)" in window.alarm_lines[0].text() or "(medium)" in window.alarm_lines[0].text()
    assert window.cards[1].alarm.text(), "the chair's own card names its alarm"
    cable = window.cards[2].alarm
    qtbot.waitUntil(lambda: "disconnected" in cable.text().lower() or "not sending" in cable.text(), timeout=20000)
    assert window.cards[0].alarm.text() == "", "the stable chair is quiet"
    assert window.cards[0].who.text() == "No patient assigned · nurse AB"
    qtbot.mouseClick(window.cards[1], Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.windows[1] and window.back.isVisible()
    qtbot.mouseClick(window.back, Qt.MouseButton.LeftButton)
    assert window.stack.currentIndex() == 0 and not window.back.isVisible()


def test_port_assignments_are_saved_for_the_station(qtbot, station_window) -> None:
    dialog = station_window.open_ports()
    dialog.port_boxes[0].setCurrentText("socket://10.1.2.3:4001")
    dialog.protocol_boxes[0].setCurrentText("masimo-ascii")
    dialog.accept()
    saved = json.loads(station_file().read_text())
    assert saved[0]["port"] == "socket://10.1.2.3:4001" and saved[0]["protocol"] == "masimo-ascii"
    assert saved[1]["port"] is None, "chair 2 stays on its simulated monitor"


def test_a_port_the_clinic_does_not_allow_is_refused_and_nothing_saved(qtbot, station_window) -> None:
    dialog = station_window.open_ports()
    dialog.port_boxes[1].setCurrentText("spy:///dev/ttyUSB0?file=/tmp/x")
    dialog.accept()
    assert "port picker, Chair 2: port 'spy:///dev/ttyUSB0?file=/tmp/x' refused" in dialog.note.text()
    assert dialog.isVisible() and not station_file().exists(), "nothing saved; the nurse corrects it or cancels"
    dialog.port_boxes[1].setCurrentText("socket://10.9.9.9:4001")
    dialog.accept()
    assert "host 10.9.9.9 is not in clinic.json serial_hosts (listed: 10.1.2.3)" in dialog.note.text()
    assert not station_file().exists()


@pytest.mark.parametrize("protocol", ["datex-s5", "masimo-ascii"])
def test_with_the_probe_off_card_and_tile_show_spo2_not_current_at_once(qtbot, tmp_path, protocol) -> None:
    """The sensor-off scenario (probe off from 60 s): the monitor flags SpO2 at once; the card and the tile must
    not go on showing the last number in full colour (seen: card "SpO₂ 97" in white, tile bright for 30 s)."""
    configs = [ChairConfig("Chair 1", None, protocol=protocol, scenario="sensor-off", speed=10)]
    writer = SessionWriter(tmp_path / "station.sqlite3")
    writer.start()
    station = Station(configs, writer)
    try:
        (chair,) = [open_chair_window(c, "AB") for c in station.chairs]
        window = StationWindow([chair], configs)
        qtbot.addWidget(window)
        card, tile = window.cards[0], chair.workspace.tiles["spo2"]
        qtbot.waitUntil(lambda: tile.value.text() not in ("", "--") and not tile.dimmed, timeout=20000)
        qtbot.waitUntil(lambda: "SpO₂ 9" in card.numbers.text(), timeout=5000)
        qtbot.waitUntil(lambda: "SpO₂ --" in card.numbers.text(), timeout=30000)
        off_for = chair.workspace.clock.now() - chair.workspace.service.started_at - 60
        assert off_for < 20, f"the card saw the probe off {off_for:.0f} s late"
        assert tile.value.text() == "--" and tile.dimmed and tile.detail.text(), "the tile too, with the reason"
        context = chair.workspace.live.recovery_context(chair.workspace.clock.now())
        assert "SpO₂ now -- (" in context, "the Aldrete panel's SpO₂ now follows the same rule"
        assert "color: #78909c" in card.numbers.text().split("SpO₂ --")[0][-40:], "greyed on the card"
        if protocol == "datex-s5":  # a Masimo oximeter sends no HR
            assert "HR --" not in card.numbers.text(), "the other values stay"
    finally:
        station.stop()
        writer.close()


def test_cards_say_not_sending_once_and_never_widen_the_window(qtbot, tmp_path) -> None:
    """Seen under Xvfb: before the monitors sent anything, each card read "HR -- (monitor not sending) SpO₂ --
    (monitor not sending) ..." on one line, 1,557 px wide, and the 4-chair station grew to 6,328 px (it never
    shrinks back). The card states the reason once and wraps what it must."""
    configs = [ChairConfig(f"Chair {i}", "/dev/no-such-monitor", scenario="stable") for i in range(1, 5)]
    writer = SessionWriter(tmp_path / "station.sqlite3")
    writer.start()
    station = Station(configs, writer)
    try:
        window = StationWindow([open_chair_window(chair, "AB") for chair in station.chairs], configs)
        qtbot.addWidget(window)
        window.show()
        width = window.width()
        window.refresh()
        qtbot.wait(200)
        for card in window.cards:
            text = card.numbers.text()
            assert "HR --" in text and text.count("monitor not sending") == 1, text
            assert card.numbers.minimumSizeHint().width() < 500
        assert window.width() == width, "the station window never resizes itself"
    finally:
        station.stop()
        writer.close()
