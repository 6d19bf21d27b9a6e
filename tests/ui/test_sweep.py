"""The live waves on screen (issue 22). End to end: the simulated S/5's waves on its real pty, asked for by the DRI
driver, decoded, handed by the facade once per frame to the chair's live model, swept in the workspace (ECG, pleth,
capnogram above the trends, 25 mm/s) and on the station card (the pleth). Widget by widget: a gap stays blank, a
wave that stops coming blanks its strip, the card takes the pleth, else the capnogram. WaveBlocks are fed directly
where a test needs a gap or a wave the simulator would not send."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest
from accounts import desk_for
from PySide6.QtCore import QSize, Qt

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.chair import ChairConfig
from monitor.app.live_waves import LiveWave
from monitor.app.station import Station
from monitor.devices.events import Wave, WaveBlock
from monitor.storage.writer import SessionWriter
from monitor.ui.app import open_chair_window
from monitor.ui.facade import SessionFacade
from monitor.ui.station_window import StationWindow
from monitor.ui.sweep import SWEEP_MM_S, WaveStrip, sweep_window_s

RATES = {Wave.ECG: 300.0, Wave.PLETH: 100.0, Wave.CO2: 25.0}
T0 = 1_767_225_600.0


def block(wave: Wave, t0: float, seconds: float = 1.0, host_t: float | None = None) -> WaveBlock:
    rate = RATES[wave]
    values = np.sin(np.arange(round(seconds * rate)) / rate * 2 * np.pi).astype(np.float32)
    return WaveBlock(wave, t0, rate, values, host_t=time.time() if host_t is None else host_t)


def strip_on(waves: dict[Wave, LiveWave], choices: tuple[Wave, ...], qtbot) -> WaveStrip:
    """A strip on a stand-in for the chair's live model (the strip reads only its `waves`)."""
    strip = WaveStrip(SimpleNamespace(waves=waves, waves_off=""), choices)  # type: ignore[arg-type]
    qtbot.addWidget(strip)
    strip.resize(400, 60)
    strip.show()
    return strip


def test_simulator_waves_on_a_pty_reach_the_sweep_sample_for_sample(qtbot, live_window) -> None:
    window = live_window("stable", speed=1)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(QSize(1366, 768))
    qtbot.waitUntil(lambda: window.size() == QSize(1366, 768), timeout=3000)
    ws = window.workspace
    decoded: list[WaveBlock] = []  # what the driver decoded, as the link's worker thread hands it on
    ws.facade.acquisition.add_event_listener(
        lambda events: decoded.extend(e for e in events if isinstance(e, WaveBlock))
    )
    strips = ws.sweep.strips
    qtbot.waitUntil(lambda: all(np.isfinite(s.y).sum() > RATES[w] for w, s in strips.items()), timeout=15000)
    seconds = lambda w: sum(len(b.values) for b in decoded if b.wave is w) / RATES[w]  # noqa: E731
    qtbot.waitUntil(lambda: all(seconds(w) >= 2 for w in RATES), timeout=10000)
    ws.facade._drain()  # what the link decoded by now reaches the model (the link goes on meanwhile)
    for wave, strip in strips.items():
        live = ws.live.waves[wave]
        mine = [b for b in decoded if b.wave is wave]
        last = next(i for i, b in enumerate(mine) if b.t_end == live.t_end)  # the newest block the model has
        tail = np.concatenate([b.values for b in mine[: last + 1]])[-int(live.rate_hz) :]
        assert np.array_equal(live.recent(1.0), tail), f"{wave}: the last second as decoded, sample for sample"
        strip.redraw(force=True)
        y = strip.y
        assert len(y) == round(strip.window_s * RATES[wave]), "one point per sample over the sweep's window"
        assert np.array_equal(y, live.sweep(strip.window_s), equal_nan=True), "the strip draws the model's sweep"
        at = live.head % len(y)
        assert np.isnan(y[at]) and y[at - 1] == tail[-1], "the newest sample just behind the erase bar"
    # above the trends, and every strip tall enough to see at 1366x768
    assert ws.sweep.mapTo(ws, ws.sweep.rect().bottomLeft()).y() <= ws.trends.mapTo(ws, ws.trends.rect().topLeft()).y()
    assert all(s.height() >= 18 for s in strips.values())
    assert ws.trends.height() >= 150, "the trends keep their room under the sweep"


def test_the_facade_hands_the_blocks_over_once_per_frame(qtbot, tmp_path) -> None:
    acquisition = Acquisition(AcquisitionConfig("/dev/pts/9", "datex-s5"), SessionWriter(tmp_path / "w.sqlite3"))
    facade = SessionFacade(acquisition)  # its port never opened: only what the test puts arrives
    got: list[list[WaveBlock]] = []
    facade.sigWaves.connect(got.append)
    facade._timer.stop()  # the frames are driven here, so what one frame holds is known
    sent = [block(w, T0 + k) for k in range(4) for w in RATES]
    for b in sent:  # one put per record, as the link's worker thread does: it never waits for the GUI
        facade._inbox.put([b])
    facade._drain()
    assert len(got) == 1, "one signal for the frame"
    ids = {id(b) for b in sent}
    assert [b for b in got[0] if id(b) in ids] == sent, "every block, in arrival order"


def test_a_gap_stays_blank_in_the_sweep(qtbot) -> None:
    live = LiveWave(RATES[Wave.PLETH])
    strip = strip_on({Wave.PLETH: live}, (Wave.PLETH,), qtbot)
    for k in (0, 1, 3):  # the second starting at T0 + 2 never came
        live.add(block(Wave.PLETH, T0 + k))
    strip.redraw(force=True)
    y = strip.y
    n = len(y)
    gap = np.take(y, np.arange(round((T0 + 2) * 100), round((T0 + 3) * 100)) % n, mode="wrap")
    assert n >= 300 and np.isnan(gap).all(), "the missing second is blank, not bridged"
    assert np.isfinite(np.take(y, np.arange(round((T0 + 3) * 100), round((T0 + 3.9) * 100)) % n)).all()


def test_the_sweep_speed_is_fixed_at_25_mm_per_second() -> None:
    assert SWEEP_MM_S == 25.0
    assert abs(sweep_window_s(945, 96.0) - 10.0) < 0.01  # 945 px at 96 dpi = 250 mm = 10 s


def test_a_wave_that_stops_coming_leaves_the_strip_blank_with_the_reason(qtbot) -> None:
    live = LiveWave(RATES[Wave.PLETH])
    strip = strip_on({Wave.PLETH: live}, (Wave.PLETH,), qtbot)
    live.add(block(Wave.PLETH, T0, host_t=time.time() - 20))  # its last block came 20 s ago
    strip.redraw(force=True)
    assert not np.isfinite(strip.y).any()
    assert "no data" in strip.note.toPlainText()


def test_the_card_strip_takes_the_pleth_else_the_capnogram(qtbot) -> None:
    waves: dict[Wave, LiveWave] = {}
    strip = strip_on(waves, (Wave.PLETH, Wave.CO2), qtbot)
    strip.redraw(force=True)
    assert strip.wave is None and "no wave" in strip.note.toPlainText()
    waves[Wave.CO2] = LiveWave(RATES[Wave.CO2])
    waves[Wave.CO2].add(block(Wave.CO2, T0))
    strip.redraw(force=True)
    assert strip.wave is Wave.CO2 and np.isfinite(strip.y).any()
    waves[Wave.PLETH] = LiveWave(RATES[Wave.PLETH])
    waves[Wave.PLETH].add(block(Wave.PLETH, T0))
    strip.redraw(force=True)
    assert strip.wave is Wave.PLETH and len(strip.y) == round(strip.window_s * 100)


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


def test_the_station_card_sweeps_the_simulated_chairs_pleth(qtbot, one_chair_station) -> None:
    card = one_chair_station.cards[0]
    qtbot.waitUntil(lambda: card.wave.wave is Wave.PLETH and np.isfinite(card.wave.y).sum() > 100, timeout=15000)
    card.wave.redraw(force=True)  # at the card's size now (the window may have been laid out since)
    assert len(card.wave.y) == round(card.wave.window_s * 100) and np.isfinite(card.wave.y).sum() > 100
