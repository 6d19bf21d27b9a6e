"""Issue 22 point 4 end to end: the simulator's waves on a real pty -> decoder -> acquisition -> wave_blocks, read
back as the review reads them; and a replay of that session's raw capture stores the same waves."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.replay import replay_capture
from monitor.devices.events import Wave, WaveBlock
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.storage.db import connect
from monitor.storage.wave_blocks import read_waves
from monitor.storage.writer import SessionWriter


def test_simulated_waves_are_stored_and_a_replay_stores_them_too(tmp_path: Path) -> None:
    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=10.0, link_dir=tmp_path)
    port = sim.start()
    writer = SessionWriter(tmp_path / "monitor.sqlite3")
    writer.start()
    acq = Acquisition(AcquisitionConfig(port, "datex-s5", capture_dir=tmp_path / "captures"), writer)
    seen: dict[Wave, float] = {}
    first: dict[Wave, float] = {}
    changed = threading.Condition()

    def on_events(events: list) -> None:
        with changed:
            for e in events:
                if isinstance(e, WaveBlock):
                    first.setdefault(e.wave, e.t0)
                    seen[e.wave] = e.t_end
            changed.notify_all()

    acq.add_event_listener(on_events)
    try:
        acq.start()
        with changed:
            assert changed.wait_for(lambda: len(seen) == 3 and min(seen[w] - first[w] for w in Wave) > 25, 60)
        acq.stop()
        sid = acq.session_id
        assert sid is not None and writer.flush(10)
        conn = connect(writer.db_path)
        rows = conn.execute("SELECT wave, rate_hz, n FROM wave_blocks WHERE session_id = ?", (sid,)).fetchall()
        assert {w for w, _r, _n in rows} == {"ECG_II", "PLETH", "CO2"}
        assert {(w, r) for w, r, _n in rows} == {("ECG_II", 300.0), ("PLETH", 100.0), ("CO2", 25.0)}
        assert max(n for w, _r, n in rows if w == "ECG_II") == 3000  # full 10 s blocks
        start = first[Wave.ECG]
        stored = read_waves(conn, sid, start, start + 20)
        ecg = stored["ECG_II"]
        assert len(ecg) == 1 and len(ecg[0].values) == 6000, "20 s of ECG in one contiguous stretch"
        assert np.isfinite(ecg[0].values).all() and np.ptp(ecg[0].values) > 0.5  # beats, in mV
        capture = acq.capture_path
        assert capture is not None
        replayed = replay_capture(capture, writer)
        again = read_waves(conn, replayed, start, start + 20)["ECG_II"]
        assert np.array_equal(again[0].values, ecg[0].values)
        conn.close()
    finally:
        acq.stop()
        writer.close()
        sim.stop()
