"""A chair on a simulated Philips IntelliVue, end to end through its pty: the program associates, the monitor's
numerics reach the tiles; the PC's transmit wire breaks (the monitor hears nothing), the monitor drops the
association after its timeout, and once the wire is whole the program associates again and the tiles are current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from accounts import desk_for

from monitor.app.chair import ChairConfig
from monitor.app.station import Station
from monitor.devices.simulator.scenario import SCENARIO_DIR
from monitor.storage.writer import SessionWriter
from monitor.ui.app import open_chair_window

SPEED = 10  # 1 wall second = 10 session seconds
UNHEARD = (60, 110)  # session s: from 6 s for 11 s of wall time, past the monitor's 10 s timeout


@pytest.fixture
def intellivue_chair(qtbot, tmp_path: Path):
    scenario = json.loads((SCENARIO_DIR / "stable.json").read_text(encoding="utf-8"))
    scenario["pc_unheard"] = [{"start_s": UNHEARD[0], "duration_s": UNHEARD[1]}]
    path = tmp_path / "pc-unheard.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    writer = SessionWriter(tmp_path / "monitor.sqlite3")
    writer.start()
    station = Station([ChairConfig("Chair 1", None, "intellivue-mib", scenario=str(path), speed=SPEED)], writer)
    (chair,) = station.chairs
    window = open_chair_window(chair, desk_for(writer.db_path))
    qtbot.addWidget(window)
    window.show()
    yield chair, window
    station.stop()
    writer.close()


def test_numerics_reach_the_tiles_and_a_dropped_association_is_made_again(qtbot, intellivue_chair) -> None:
    chair, window = intellivue_chair
    monitor = chair.simulator.encoder
    tiles = window.workspace.tiles

    def current(name: str) -> bool:
        return tiles[name].value.text() not in ("", "--") and not tiles[name].dimmed

    qtbot.waitUntil(lambda: all(current(n) for n in ("hr", "spo2", "etco2")), timeout=20000)
    assert monitor.associations == 1 and monitor.requests_seen > 0
    assert 50 <= int(tiles["hr"].value.text()) <= 100
    qtbot.waitUntil(lambda: monitor.aborts_sent == 1, timeout=40000)
    last_poll = UNHEARD[0] - 1 * SPEED  # the host polls once a (wall) second
    assert chair.simulator.session_time() >= last_poll + 10 * SPEED, "dropped only after its 10 s timeout"
    assert not current("hr"), "while the monitor heard nothing, the tile did not pass old numbers as current"
    qtbot.waitUntil(lambda: monitor.associations >= 2 and current("hr") and current("spo2"), timeout=40000)
    assert chair.simulator.session_time() >= sum(UNHEARD), "associated again once the wire was whole"
