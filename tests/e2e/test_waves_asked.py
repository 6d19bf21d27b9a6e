"""Which chairs ask their monitor for waves (issue 22): a simulated chair sped past a readable sweep does not, says
so on its record, and asks once it goes on in real time -- through its real pty, link and driver."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from waiting import until

from monitor.app.chair import Chair, ChairConfig
from monitor.devices.events import Wave, WaveBlock
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.db import connect
from monitor.storage.writer import SessionWriter


def test_a_sped_up_demo_asks_for_no_waves_until_it_goes_on_in_real_time(tmp_path: Path) -> None:
    writer = SessionWriter(tmp_path / "monitor.sqlite3")
    writer.start()
    chair = Chair(ChairConfig("Chair 1", None, speed=60), writer)
    blocks: list[WaveBlock] = []
    lock = threading.Lock()

    def on_events(events: list) -> None:
        with lock:
            blocks.extend(e for e in events if isinstance(e, WaveBlock))

    chair.acquisition.add_event_listener(on_events)
    try:
        service = chair.start(require_screening=False, require_patient=False)
        until(lambda: chair.simulator.records_sent >= 5, "the simulated S/5 sends its values")
        time.sleep(1.0)  # a minute of the demo's time: no wave was asked for, none came
        assert not blocks and chair.simulator.encoder.wave_samples_sent == {}
        chair.continue_in_real_time()
        assert chair.simulator.speed == 1.0 and chair.acquisition.config.waves_off == ""
        until(lambda: {b.wave for b in list(blocks)} == set(Wave), "ECG, pleth and CO2 come once asked for")
        sid = service.session_id
        assert writer.flush(10)
        details = [
            d
            for (d,) in connect(writer.db_path).execute(
                "SELECT detail FROM link_events WHERE session_id = ? AND state = 'source' ORDER BY id", (sid,)
            )
        ]
        assert details[0] == "waveforms not asked for: simulated at 60x (waves up to 10x)"
        assert details[1].startswith("monitor changed to "), "the waves' start is on the record as a new source"
    finally:
        chair.stop()
        writer.close()


def test_the_simulated_clock_goes_on_without_a_jump_when_its_speed_changes() -> None:
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=60)
    time.sleep(0.1)  # 6 s of its time
    before = sim.session_time()
    sim.set_speed(1.0)
    after = sim.session_time()
    assert 5.0 < before <= after < before + 0.05, (before, after)
    time.sleep(0.1)
    assert 0.09 < sim.session_time() - after < 0.5, "1x now"
    with pytest.raises(ValueError, match="above 0"):
        sim.set_speed(0)
