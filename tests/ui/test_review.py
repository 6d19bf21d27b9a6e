"""Opening a finished session for review: charts, timeline lane and list from the database, zoom and scroll."""

from __future__ import annotations

import sqlite3

import numpy as np
from PySide6.QtWidgets import QLabel

from monitor.ui.review_window import SessionListDialog


def test_review_shows_the_whole_recorded_session(qtbot, recorded_session) -> None:
    db, _sid = recorded_session
    dialog = SessionListDialog(db)
    qtbot.addWidget(dialog)
    assert dialog.tree.topLevelItemCount() == 1
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
    dialog.accept()
    with qtbot.waitSignal(dialog.job.sigFinished, timeout=15000):
        pass  # read on a worker thread: the live window's event loop keeps running meanwhile
    (review,) = dialog.windows
    qtbot.addWidget(review)
    start = review.record.session.started_at
    assert len(review.trends.series["HR"]) == 720
    assert len(review.trends.series["NIBP_SYS"]) == 2, "one marker per cuff reading"
    lo, hi = review.trends.x_range()
    assert lo <= start + 1 and hi >= start + 3599, "the whole session is in view"
    assert review.timeline.tree.topLevelItemCount() == 6
    header = review.findChild(QLabel, "review_header")
    # 0.5 mg/kg/h x 80 kg for 50 min = 33.3 mg, plus a 10 mg bolus
    assert "total 43.3 mg (0.54 mg/kg), 1 bolus 10 mg" in header.text()
    assert "KM" in header.text()
    session = review.record.session
    assert session.source not in header.text(), "a port path is not what a nurse reads"
    assert f"{session.protocol} monitor" in header.text() and session.source in header.toolTip()
    assert review.timeline.amend_button.isHidden(), "a review is read-only"
    rass = next(v for v in review.record.entries if v.payload.get("scale") == "rass")
    review.timeline.select(rass.id)
    lo, hi = review.trends.x_range()
    assert abs((lo + hi) / 2 - rass.t) < 1 and not review.trends.follow


def test_replay_from_the_window_shows_progress_then_opens_the_review(qtbot, live_window, capture_file) -> None:
    window = live_window("stable", speed=20)
    job = window.start_replay(capture_file, speed=600.0)  # ten minutes in about a second
    with qtbot.waitSignal(job.sigFinished, timeout=15000) as finished:
        pass
    assert finished.args[0] is not None, "the new session's id"
    qtbot.waitUntil(lambda: len(window.review_windows) == 1, timeout=15000)
    (review,) = window.review_windows
    qtbot.addWidget(review)
    assert len(review.trends.series["HR"]) >= 119
    hr = review.trends.series["HR"]
    gaps = hr.x[np.isnan(hr.y)]
    disconnected = review.record.link_events[0].t  # 10 s without records: shorter than the 30 s gap rule
    assert np.any(np.abs(gaps - disconnected) < 1e-6), "the disconnection is a gap where it happened"
    done, total = job.done
    assert done == total > 0, "the progress reached the end of the file"


def test_one_click_backup_while_recording(qtbot, live_window) -> None:
    window = live_window("stable", speed=20)
    qtbot.waitUntil(lambda: len(window.workspace.trends.series["HR"]) > 2, timeout=15000)
    job = window.backup_database()
    with qtbot.waitSignal(job.sigFinished, timeout=15000) as finished:
        pass
    copy = finished.args[0]
    assert copy.is_file() and copy.parent.name == "backups"
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM samples WHERE param = 'HR'").fetchone()[0] >= 1
    conn.close()
    assert str(copy) in window.statusBar().currentMessage()


def test_review_exports_pdf_csv_and_fhir_in_the_background(qtbot, recorded_session, tmp_path) -> None:
    from monitor.app.session_record import load_record
    from monitor.ui.review_window import ReviewWindow

    db, sid = recorded_session
    review = ReviewWindow(load_record(db, sid))
    qtbot.addWidget(review)
    header = review.findChild(QLabel, "review_header")
    assert "not assigned to a patient" in header.text(), "the review says whose record it is, or that nobody's yet"
    targets = {"pdf": tmp_path / "r.pdf", "csv": tmp_path / "csv", "fhir": tmp_path / "r.fhir.json"}
    for fmt, target in targets.items():
        job = review.export(fmt, target)
        with qtbot.waitSignal(job.sigFinished, timeout=30000) as finished:
            pass
        assert finished.args[0], f"{fmt} export finished with files"
        assert all(p.is_file() and p.stat().st_size > 0 for p in finished.args[0])
    assert targets["pdf"].read_bytes().startswith(b"%PDF")
    assert (targets["csv"] / f"session-{sid}-timeline.csv").is_file()
    assert "Exported" in review.statusBar().currentMessage()


def test_review_export_never_writes_through_a_symlink_nor_over_a_file_unasked(
    qtbot, recorded_session, tmp_path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from monitor.app.session_record import load_record
    from monitor.ui.review_window import ReviewWindow

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, _title, text: warnings.append(text)))
    db, sid = recorded_session
    review = ReviewWindow(load_record(db, sid))
    qtbot.addWidget(review)
    victim, existing = tmp_path / "victim.txt", tmp_path / "earlier.pdf"
    victim.write_text("keep me")
    existing.write_text("an earlier report")
    (tmp_path / "r.fhir.json").symlink_to(victim)
    for fmt, target, force in (("fhir", tmp_path / "r.fhir.json", True), ("pdf", existing, False)):
        job = review.export(fmt, target, force=force)
        with qtbot.waitSignal(job.sigFinished, timeout=30000) as finished:
            pass
        assert finished.args[0] is None
    assert "is a symbolic link" in warnings[0] and "exists already" in warnings[1]
    assert victim.read_text() == "keep me" and existing.read_text() == "an earlier report"
