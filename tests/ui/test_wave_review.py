"""Issue 22 point 4: the review window's full disclosure — click an alarm or an entry: its waves 30 s before and
after; jump to any minute; gaps are gaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from monitor.app.session_record import load_record
from monitor.ui.review_window import ReviewWindow
from tests.wave_data import ALARM_T, ENTRY_T, GAP, T0, session_with_waves


def _curve(review: ReviewWindow, wave: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = review.waves.curves[wave].getData()
    return np.asarray(x), np.asarray(y)


def test_clicking_an_alarm_shows_its_waves_30_s_either_side(qtbot, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    sid = session_with_waves(db)
    review = ReviewWindow(load_record(db, sid))
    qtbot.addWidget(review)
    assert review.waves.shown is None
    item = review.alarm_history.topLevelItem(0)
    review.alarm_history.itemClicked.emit(item, 0)
    assert review.waves.centre == ALARM_T
    x, y = _curve(review, "ECG_II")
    assert len(x) == 60 * 300 and x[0] == -30.0 and abs(x[-1] - (30 - 1 / 300)) < 1e-6
    assert np.isfinite(y).all()
    assert len(_curve(review, "CO2")[0]) == 60 * 25
    # the pleth's sensor-off gap (130-135 s) is inside the window: drawn as a break, never bridged
    x, y = _curve(review, "PLETH")
    gap = (x > GAP[0] - ALARM_T) & (x < GAP[1] - ALARM_T)
    assert not gap[np.isfinite(y)].any()
    assert np.isnan(y).sum() == 1 and len(x) == 55 * 100 + 1
    assert "SpO₂ low" in review.waves.title.text()


def test_selecting_an_entry_or_a_minute_shows_its_waves(qtbot, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    sid = session_with_waves(db)
    review = ReviewWindow(load_record(db, sid))
    qtbot.addWidget(review)
    entry = next(v for v in review.record.entries if v.payload.get("scale") == "rass")
    review.timeline.select(entry.id)
    assert review.waves.centre == ENTRY_T and len(_curve(review, "ECG_II")[0]) == 18000
    review.waves.minute.setValue(3)
    qtbot.mouseClick(review.waves.go, Qt.MouseButton.LeftButton)
    window = review.waves.shown
    assert window is not None and window.start == T0 + 180.0 and window.end == T0 + 240.0


def test_a_session_without_waves_says_so(qtbot, recorded_session) -> None:
    db, sid = recorded_session
    review = ReviewWindow(load_record(db, sid))
    qtbot.addWidget(review)
    assert "No waves stored" in review.waves.title.text() and not review.waves.go.isEnabled()
