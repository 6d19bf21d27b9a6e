"""The live waves on screen (issue 22): the facade hands the blocks over once per frame, the workspace sweeps ECG,
pleth and capnogram above the trends at 25 mm/s with gaps left blank, the station card sweeps the chair's pleth
(else its capnogram). WaveBlocks are fed as the decoder emits them, into the facade's inbox as the link's worker
thread puts them (the end-to-end test from the simulator's pty is tests/e2e/test_waves_pty.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from accounts import desk_for
from PySide6.QtCore import QSize

from monitor.app.chair import ChairConfig
from monitor.app.station import Station
from monitor.devices.events import Wave, WaveBlock
from monitor.storage.writer import SessionWriter
from monitor.ui.app import open_chair_window
from monitor.ui.station_window import StationWindow
from monitor.ui.sweep import SWEEP_MM_S, sweep_window_s

RATES = {Wave.ECG: 300.0, Wave.PLETH: 100.0, Wave.CO2: 25.0}


def blocks(t0: float, seconds: float, gap_at: float | None = None) -> list[WaveBlock]:
    """One block per wave per second from `t0`; the block starting at `gap_at` never came (a jump in t0)."""
    out = []
    for k in range(int(seconds)):
        if gap_at is not None and k == gap_at:
            continue
        for wave, rate in RATES.items():
            values = np.sin(np.arange(int(rate)) / rate * 2 * np.pi).astype(np.float32)
            out.append(WaveBlock(wave, t0 + k, rate, values, host_t=time.time()))
    return out


def test_the_facade_hands_the_blocks_over_once_per_frame(qtbot, live_window) -> None:
    window = live_window("stable", speed=1)
    facade = window.workspace.facade
    got: list[list[WaveBlock]] = []
    facade.sigWaves.connect(got.append)
    facade._timer.stop()  # the frames are driven here, so what one frame holds is known
    sent = blocks(1_767_225_600.0, 4)
    for b in sent:  # one put per record, as the link's worker thread does: it never waits for the GUI
        facade._inbox.put([b])
    facade._drain()
    waves = [b for batch in got for b in batch if isinstance(b, WaveBlock) and b.t0 >= 1_767_225_600.0]
    assert len(got) == 1 and waves == sent


def test_the_workspace_sweeps_three_waves_above_the_trends_and_a_gap_stays_blank(qtbot, live_window) -> None:
    window = live_window("stable", speed=1)
    window.resize(QSize(1366, 768))
    ws = window.workspace
    t0 = time.time() // 1  # the sweep lays samples out by their device time
    for b in blocks(t0, 6, gap_at=3):
        ws.facade._inbox.put([b])
    strips = ws.sweep.strips
    qtbot.waitUntil(lambda: all(np.isfinite(s.y).sum() > 0 for s in strips.values()), timeout=5000)
    for wave, strip in strips.items():
        y = strip.y
        assert len(y) == round(strip.window_s * RATES[wave]), "one point per sample over the sweep's window"
        nan = np.isnan(y)
        assert nan.sum() >= RATES[wave] * 0.9, f"{wave}: the second that never came is blank, not bridged"
    # above the trends, and every strip tall enough to read at 1366x768
    assert ws.sweep.mapTo(ws, ws.sweep.rect().bottomLeft()).y() <= ws.trends.mapTo(ws, ws.trends.rect().topLeft()).y()
    assert all(s.height() >= 30 for s in strips.values())
    assert ws.trends.height() >= 150, "the trends keep their room under the sweep"


def test_the_sweep_speed_is_fixed_at_25_mm_per_second() -> None:
    assert SWEEP_MM_S == 25.0
    assert abs(sweep_window_s(945, 96.0) - 10.0) < 0.01  # 945 px at 96 dpi = 250 mm = 10 s


def test_a_wave_that_stops_coming_leaves_the_strip_blank_with_the_reason(qtbot, live_window) -> None:
    window = live_window("stable", speed=1)
    ws = window.workspace
    old = [WaveBlock(Wave.PLETH, time.time() - 20, 100.0, np.ones(100, np.float32), host_t=time.time() - 20)]
    ws.facade._inbox.put(old)
    strip = ws.sweep.strips[Wave.PLETH]
    qtbot.waitUntil(lambda: Wave.PLETH in ws.live.waves, timeout=5000)
    strip.redraw(force=True)
    assert not np.isfinite(strip.y).any()
    assert "no data" in strip.note.toPlainText()


@pytest.fixture
def one_chair_station(qtbot, tmp_path):
    """A station of one live simulated chair (as tests/ui/test_station.py opens them)."""
    writer = SessionWriter(tmp_path / "station.sqlite3")
    writer.start()
    configs = [ChairConfig("Chair 1", None, scenario="stable", speed=1)]
    station = Station(configs, writer)
    window = StationWindow([open_chair_window(chair, desk_for(writer.db_path)) for chair in station.chairs], configs)
    qtbot.addWidget(window)
    window.show()
    yield window
    station.stop()
    writer.close()


def test_the_station_card_sweeps_the_chairs_pleth_else_its_capnogram(qtbot, one_chair_station) -> None:
    window = one_chair_station
    card = window.cards[0]
    facade = window.windows[0].workspace.facade
    qtbot.waitUntil(lambda: card.wave.live is not None, timeout=5000)
    assert "no wave" in card.wave.note.toPlainText()
    t0 = time.time() // 1
    co2 = [b for b in blocks(t0, 3) if b.wave is Wave.CO2]
    facade._inbox.put(co2)
    qtbot.waitUntil(lambda: card.wave.wave is Wave.CO2 and np.isfinite(card.wave.y).any(), timeout=5000)
    facade._inbox.put([b for b in blocks(t0, 3) if b.wave is Wave.PLETH])
    qtbot.waitUntil(lambda: card.wave.wave is Wave.PLETH and np.isfinite(card.wave.y).any(), timeout=5000)
