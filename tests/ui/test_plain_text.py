"""Typed and device text is shown as typed: never rendered as Qt rich text (issue 14, point 4).

`shown` reproduces Qt's own rule for what a label or tooltip puts on screen: its text as is when plain, the text of
the rendered HTML when rich (a label's RichText, or AutoText that Qt.mightBeRichText takes for HTML — tooltips are
always AutoText). An `<img>` rendered as HTML leaves only an object-replacement character; a tag vanishes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QPushButton

from monitor.app.session_record import load_record
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.storage.writer import SessionWriter
from monitor.ui.review_window import ReviewWindow
from monitor.ui.timeline import CorrectionDialog, TimelineList
from monitor.ui.trends import TrendView

LEFT = Qt.MouseButton.LeftButton
T0 = 1_767_225_600.0
NOTE = "<img src=x> patient asks for <b>water</b>"


def shown(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    rich = fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText and QtGui.mightBeRichText(text))
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def on_label(label: QLabel) -> str:
    return shown(label.text(), label.textFormat())


def test_allergies_with_angle_brackets_show_in_full_on_the_patient_label(qtbot, live_window) -> None:
    window = live_window("stable", speed=20, patient=False)  # the nurse assigns this one herself
    dialog = window.workspace.open_patient_dialog()
    for key, value in (
        ("name", "Jane <Doe>"),
        ("mrn", "4711"),
        ("dob", "1970-02-28"),
        ("weight", "72"),
        ("allergies", "codeine <severe rash> penicillin"),
    ):
        dialog.fields[key].setText(value)
    qtbot.mouseClick(dialog.findChild(QPushButton, "add_patient"), LEFT)
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1 and dialog.selected_patient() is not None, timeout=3000)
    dialog.course_title.setText("Autumn <i>2026</i>")
    qtbot.mouseClick(dialog.findChild(QPushButton, "add_course"), LEFT)
    qtbot.waitUntil(lambda: dialog.course_list.count() == 1, timeout=3000)
    with qtbot.waitSignal(dialog.sigAssigned, timeout=3000):
        qtbot.mouseClick(dialog.assign_button, LEFT)
    text = on_label(window.workspace.patient_label)
    assert "allergies: codeine <severe rash> penicillin" in text
    assert "Jane <Doe>" in text and "Course: Autumn <i>2026</i>" in text


def _session_with_an_amended_note(tmp_path: Path, source: str = "/dev/ttyUSB0") -> tuple[Path, int]:
    db = tmp_path / "text.sqlite3"
    with SessionWriter(db) as writer:
        sid = writer.open_session(source, "datex-s5", started_at=T0)
        service = SessionService(writer, sid, T0, clock=lambda: T0 + 600, initials="KM")
        note = service.record(EntryKind.NOTE, {"note": NOTE}, t=T0 + 60).result(5)
        service.amend(note.id, {"note": NOTE + " <u>again</u>"}, "<a href='x'>typo</a>").result(5)
        writer.end_session(sid, T0 + 600)
    return db, sid


def test_a_note_with_html_stays_literal_in_the_timeline_tooltip_and_the_amend_dialog(qtbot, tmp_path) -> None:
    db, sid = _session_with_an_amended_note(tmp_path)
    (view,) = load_record(db, sid).entries
    timeline = TimelineList()
    qtbot.addWidget(timeline)
    timeline.set_entries([view])
    tip = shown(timeline.tree.topLevelItem(0).toolTip(1))
    assert f"Note: {NOTE} — KM" in tip
    assert "amended to Note: " + NOTE + " <u>again</u> by KM: <a href='x'>typo</a>" in tip

    dialog = CorrectionDialog(view, False, lambda _d: False, lambda: T0 + 600)
    qtbot.addWidget(dialog)
    assert on_label(dialog.findChild(QLabel, "correction_entry")).endswith(f"Note: {NOTE} <u>again</u>")
    dialog.show_error("Refused: <img src=y>")
    assert on_label(dialog.error) == "Refused: <img src=y>"

    trends = TrendView(T0)
    qtbot.addWidget(trends)
    trends.set_entries([view])
    lane_tip = trends._lane_points.opts["tip"]  # pyqtgraph's hover tooltip of the timeline lane
    assert shown(lane_tip(0.0, 0.0, view.id)) == f"Note: {NOTE} <u>again</u> (amended)"


def test_the_review_header_shows_the_capture_source_name_as_text(qtbot, tmp_path) -> None:
    db, sid = _session_with_an_amended_note(tmp_path, source="capture <b>bold</b> & <img src=x>.cap")
    review = ReviewWindow(load_record(db, sid))
    qtbot.addWidget(review)
    header = review.findChild(QLabel, "review_header")
    assert "datex-s5 monitor · nurses KM" in on_label(header), "the monitor by its kind; the file for IT, in the tip"
    assert shown(header.toolTip()) == "read from capture <b>bold</b> & <img src=x>.cap"


def test_the_drug_name_shows_as_typed_in_the_infusion_status(qtbot, live_window) -> None:
    window = live_window("stable", speed=20)
    start = {"action": "start", "drug": "Ketamine <S> racemic", "concentration_mg_ml": "10", "weight_kg": "70"}
    window.workspace.service.record(EntryKind.INFUSION, start | {"rate_mg_kg_h": "0.5"}).result(5)
    window.workspace.infusion.refresh()
    assert "Ketamine <S> racemic 10 mg/mL · 0.5 mg/kg/h = 3.5 mL/h" in on_label(window.workspace.infusion.status)
