"""The chair's live waves without Qt (monitor.app.live_waves): blocks kept by their place on the wave's clock, a
gap kept as a gap, and the sweep's layout with its erase bar. WaveBlocks are fed as the decoder emits them."""

from __future__ import annotations

import numpy as np

from monitor.app.live_waves import ERASE_S, LiveWave
from monitor.devices.events import Wave, WaveBlock

T0 = 1_767_225_600.0
RATE = 100.0


def block(t0: float, values, wave: Wave = Wave.PLETH, rate: float = RATE) -> WaveBlock:
    return WaveBlock(wave, t0, rate, np.asarray(values, dtype=np.float32), host_t=t0)


def test_contiguous_blocks_read_back_in_order() -> None:
    wave = LiveWave(RATE)
    wave.add(block(T0, np.arange(50)))
    wave.add(block(T0 + 0.5, np.arange(50, 100)))
    assert np.array_equal(wave.recent(1.0), np.arange(100, dtype=np.float32))


def test_a_jump_in_t0_is_a_gap_of_nan_never_bridged() -> None:
    wave = LiveWave(RATE)
    wave.add(block(T0, np.ones(50)))
    wave.add(block(T0 + 1.0, np.full(50, 2.0)))  # 0.5 s with nothing: 50 samples that never came
    recent = wave.recent(1.5)
    assert np.all(recent[:50] == 1.0)
    assert np.all(np.isnan(recent[50:100]))
    assert np.all(recent[100:] == 2.0)


def test_nan_samples_the_device_marked_stay_nan() -> None:
    wave = LiveWave(RATE)
    values = np.ones(40)
    values[10:20] = np.nan
    wave.add(block(T0, values))
    assert np.isnan(wave.recent(0.4)[10:20]).all() and np.isfinite(wave.recent(0.4)[20:]).all()


def test_a_gap_longer_than_what_is_kept_leaves_only_the_new_block() -> None:
    wave = LiveWave(RATE, keep_s=2.0)
    wave.add(block(T0, np.ones(100)))
    wave.add(block(T0 + 60.0, np.full(10, 3.0)))
    recent = wave.recent(2.0)
    assert np.all(recent[-10:] == 3.0) and np.all(np.isnan(recent[:-10]))


def test_the_sweep_puts_each_sample_at_its_place_with_the_erase_bar_ahead_of_the_newest() -> None:
    wave = LiveWave(RATE)
    window_s = 2.0
    n = int(window_s * RATE)
    # 2.5 windows of a ramp: the newest half window overwrites the oldest sweep's start.
    start = int(T0 * RATE)
    wave.add(block(start / RATE, np.arange(250, dtype=float)))
    y = wave.sweep(window_s)
    assert len(y) == n
    at = (start + 250) % n  # where the next sample goes
    erase = int(ERASE_S * RATE)
    before = (at - 1) % n
    assert y[before] == 249.0  # the newest, just behind the bar
    assert np.all(np.isnan(np.take(y, np.arange(at, at + erase), mode="wrap")))  # the erase bar
    after = (at + erase) % n
    assert y[after] == 249.0 - n + erase + 1  # past the bar: the previous sweep, one window older


def test_blank_shows_nothing_until_the_next_block() -> None:
    wave = LiveWave(RATE)
    wave.add(block(T0, np.ones(100)))
    version = wave.version
    wave.blank()
    assert np.isnan(wave.sweep(1.0)).all() and wave.version > version
    wave.add(block(T0 + 5.0, np.ones(10)))
    assert np.isfinite(wave.sweep(1.0)).sum() == 10


def test_a_slightly_early_t0_is_read_as_contiguous_a_clock_step_back_restarts() -> None:
    wave = LiveWave(RATE)
    wave.add(block(T0, np.ones(100)))
    wave.add(block(T0 + 1.0 - 0.02, np.full(100, 2.0)))  # rounding of the device clock: no overlap, no gap
    assert np.array_equal(wave.recent(2.0), np.r_[np.ones(100), np.full(100, 2.0)].astype(np.float32))
    wave.add(block(T0 - 30.0, np.full(10, 5.0)))  # the monitor's clock set back
    recent = wave.recent(2.0)
    assert np.all(recent[-10:] == 5.0) and np.all(np.isnan(recent[:-10]))


def test_a_jitter_under_half_a_sample_is_no_gap() -> None:
    """Seen end to end: t0 rounded to a sample index on its own put a one-sample gap between contiguous blocks."""
    wave = LiveWave(RATE)
    wave.add(block(T0 + 0.3 / RATE, np.ones(50)))
    wave.add(block(T0 + 0.3 / RATE + 0.5 + 0.4 / RATE, np.full(50, 2.0)))
    assert np.isfinite(wave.recent(1.0)).all()
