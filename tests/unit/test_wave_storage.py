"""Issue 22 point 4: waves kept compactly in the session record (local migration 19), gaps kept, append-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from monitor.devices.events import Wave, WaveBlock
from monitor.storage import hub_schema
from monitor.storage.db import connect
from monitor.storage.wave_blocks import BLOCK_S, decode, encode, read_waves
from monitor.storage.writer import SessionWriter

T0 = 1_700_000_000.0


def _ecg(n: int, start: int = 0) -> np.ndarray:
    """ECG-like values on the monitor's 1 µV grid (mV)."""
    i = np.arange(start, start + n)
    return (np.round(1000 * (1.2 * np.sin(i / 300 * 2 * np.pi) ** 15 - 0.1)) / 1000).astype(np.float32)


def _blocks(wave: Wave, rate: float, seconds: float, t0: float = T0, per: float = 0.2) -> list[WaveBlock]:
    """The decoder's 200 ms packets of one wave, contiguous."""
    n = round(rate * per)
    return [
        WaveBlock(wave, t0 + k * per, rate, _ecg(n, k * n), t0 + k * per + 0.05) for k in range(round(seconds / per))
    ]


def test_encode_keeps_values_to_the_units_step_and_nans_as_gaps() -> None:
    values = _ecg(3000)
    values[100:160] = np.nan
    scale, offset, payload = encode("ECG_II", values)
    back = decode(len(values), scale, offset, payload)
    assert np.array_equal(np.isnan(back), np.isnan(values))
    finite = ~np.isnan(values)
    assert np.max(np.abs(back[finite] - values[finite])) < 1e-6  # µV values come back as they were sent
    assert len(payload) < 2 * len(values) / 3  # compressed well below 2 bytes a sample


def test_a_wide_block_gets_a_coarser_scale_instead_of_clipping() -> None:
    values = np.array([-500.0, 0.0, 500.0], dtype=np.float32)  # 1000 mV span: beyond int16 at 1 µV
    back = decode(3, *encode("ECG_II", values))
    assert np.allclose(back, values, atol=0.02)


def test_writer_stores_ten_second_blocks_and_reads_back_any_window(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with SessionWriter(db) as writer:
        sid = writer.open_session("test", "datex_s5")
        writer.add_waves(sid, _blocks(Wave.ECG, 300.0, 65.0))
        writer.add_waves(sid, _blocks(Wave.PLETH, 100.0, 65.0))
        writer.flush()
        conn = connect(db)
        rows = conn.execute("SELECT wave, n, t0 FROM wave_blocks WHERE session_id = ? ORDER BY wave, t0", (sid,))
        ecg = [(n, t0) for wave, n, t0 in rows if wave == "ECG_II"]
        assert [n for n, _ in ecg] == [3000] * 6 + [1500]  # 10 s blocks; the tail written on flush
        assert [t0 - T0 for _, t0 in ecg][:2] == pytest.approx([0.0, BLOCK_S])
        window = read_waves(conn, sid, T0 + 25.0, T0 + 35.0)
        (stretch,) = window["ECG_II"]  # contiguous across the block boundary at 30 s
        assert stretch.t0 == pytest.approx(T0 + 25.0)
        assert len(stretch.values) == 3000
        assert np.allclose(stretch.values, _ecg(3000, 25 * 300), atol=1e-6)
        assert len(window["PLETH"][0].values) == 1000


def test_a_gap_is_kept_as_a_gap(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with SessionWriter(db) as writer:
        sid = writer.open_session("test", "datex_s5")
        before = _blocks(Wave.CO2, 25.0, 4.0)
        after = _blocks(Wave.CO2, 25.0, 4.0, t0=T0 + 10.0)  # the sensor was off for 6 s: no samples at all
        sensor_nan = WaveBlock(Wave.CO2, T0 + 14.0, 25.0, np.full(5, np.nan, dtype=np.float32), T0 + 14.1)
        writer.add_waves(sid, [*before, *after, sensor_nan])
        writer.end_session(sid, T0 + 20)
        writer.flush()
        (first, second) = read_waves(connect(db), sid, T0, T0 + 20)["CO2"]
    assert (first.t0, len(first.values)) == (pytest.approx(T0), 100)
    assert (second.t0, len(second.values)) == (pytest.approx(T0 + 10.0), 105)
    assert np.isnan(second.values[-5:]).all() and not np.isnan(second.values[:-5]).any()


def test_wave_blocks_are_append_only(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with SessionWriter(db) as writer:
        sid = writer.open_session("test", "datex_s5")
        writer.add_waves(sid, _blocks(Wave.PLETH, 100.0, 1.0))
        writer.flush()
    conn = connect(db)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE wave_blocks SET offset = 0")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("DELETE FROM wave_blocks")


def test_waves_stay_on_the_desk_for_a_stated_reason() -> None:
    assert "wave_blocks" in hub_schema.LOCAL_ONLY_TABLES
    assert "wave_blocks" not in hub_schema.REPLICATED_TABLES
