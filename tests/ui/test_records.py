"""Records a nurse can find her way in, dialogs that do not clip (issue 16, points 6 and 7): the session list by
patient, the course view of any patient, the review's alarm lane and history, the timeline's rows, the screening
lane; error lines that wrap above the buttons, whole placeholders, the patient dialog, the port list, the export
dialogs' folder and file type, read-only fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from forms import T0, screening
from PySide6.QtCore import QPoint, QRect, QStandardPaths, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QWidget

from monitor.app import export
from monitor.app.courses import CourseService
from monitor.app.session_record import load_record
from monitor.app.session_service import SessionService
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import AlarmAction, AlarmCategory, AlarmEvent
from monitor.clinical.entries import EntryKind
from monitor.devices.link import PortInfo
from monitor.storage.writer import SessionWriter
from monitor.timefmt import date_time_text
from monitor.ui import port_picker
from monitor.ui.alarm_bar import AlarmHistory, LimitsDialog, alarm_marks
from monitor.ui.patient_dialog import PatientDialog
from monitor.ui.port_picker import PortPickerDialog
from monitor.ui.report_pdf import layout_report
from monitor.ui.review_window import ReviewWindow, SessionListDialog, export_dialog, export_start_folder
from monitor.ui.trends import LANE_LABELS, LANES

LEFT = Qt.MouseButton.LeftButton
HIGH, CLINICAL = AlarmPriority.HIGH, AlarmCategory.CLINICAL
ALARMS = [
    AlarmEvent(T0 + 1200, AlarmAction.ONSET, "HR high", "HR high 131 /min", HIGH, CLINICAL, 131.0, 130.0),
    AlarmEvent(T0 + 1215, AlarmAction.ACKNOWLEDGE, "HR high", "HR high 131 /min", HIGH, CLINICAL, who="KM"),
    AlarmEvent(T0 + 1260, AlarmAction.CLEAR, "HR high", "HR high 131 /min", HIGH, CLINICAL),
    AlarmEvent(T0 + 1400, AlarmAction.ONSET, "HR high", "HR high 133 /min", HIGH, CLINICAL, 133.0, 130.0),
    AlarmEvent(T0 + 1500, AlarmAction.LIMIT_CHANGED, "HR", "HR limits 50-140 /min: athlete", value=50, limit=140,
               who="KM"),
]  # fmt: skip


@pytest.fixture
def reviewed(recorded_session, assigned) -> tuple[Path, int]:
    """The recorded session with what a live chair adds: alarm events as the alarm service records them, a
    screening, and its patient."""
    db, sid = recorded_session
    with SessionWriter(db) as writer:
        for e in ALARMS:
            priority = e.priority.name.lower() if e.priority else None
            category = e.category.value if e.category else None
            row = (e.t, e.action.value, e.key, e.message, priority, category, e.value, e.limit, e.who)
            writer.add_alarm_event(sid, *row)
        SessionService(writer, sid, T0, clock=lambda: T0 + 3600, initials="KM").record(
            EntryKind.SCREENING, screening(), t=T0 + 60
        ).result(5)
        assigned(CourseService(writer), sid)
    return db, sid


def _rows(tree) -> list[list[str]]:
    return [[tree.topLevelItem(i).text(c) for c in range(tree.columnCount())] for i in range(tree.topLevelItemCount())]


def _columns_whole(tree) -> None:
    for column in range(tree.columnCount()):
        assert tree.columnWidth(column) >= tree.sizeHintForColumn(column), tree.headerItem().text(column)
    assert sum(map(tree.columnWidth, range(tree.columnCount()))) <= tree.viewport().width()


# --- 6: records -------------------------------------------------------------------------------------------------


def test_the_session_list_shows_patient_mrn_date_chair_monitor_and_state_never_a_port(qtbot, tmp_path, assigned):
    db = tmp_path / "sessions.sqlite3"
    with SessionWriter(db) as writer:
        at_chair = writer.open_session("/dev/pts/7", "datex-s5", started_at=T0, chair="Chair 2")
        assigned(CourseService(writer), at_chair)
        headless = writer.open_session("/tmp/tmpk3x9/monitor-link", "masimo-ascii", started_at=T0 + 7200)
        writer.end_session(headless, T0 + 9000)
    dialog = SessionListDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    newest, oldest = dialog.row_texts(0), dialog.row_texts(1)
    assert oldest == {
        "Patient": "Test Patient",
        "MRN": f"T-{at_chair}",
        "Started": date_time_text(T0),
        "Chair": "Chair 2",
        "Monitor": "datex-s5",
        "State": "open (recording, or resumable)",
        "Session": str(at_chair),
    }
    assert (newest["Patient"], newest["Chair"], newest["Monitor"]) == ("no patient", "—", "masimo-ascii")
    assert newest["State"].startswith("ended")
    for row in (newest, oldest):
        assert not any("/tmp" in text or "/dev/" in text for text in row.values()), row
    monitor = dialog.COLUMNS.index("Monitor")
    assert "/dev/pts/7" in dialog.tree.topLevelItem(1).toolTip(monitor), "the port: in the tooltip only"
    _columns_whole(dialog.tree)


def test_the_course_view_opens_for_any_patient_with_whole_session_ticks(qtbot, live_window) -> None:
    window = live_window("stable", speed=20, patient=False)  # this session is in no course
    writer, courses = window.workspace.facade.acquisition.writer, window.workspace.courses
    patient = courses.add_patient("Ann Other-Longname", "A-000123", "1980-02-02", "60", "").result(5)
    course = courses.add_course(patient, "Spring 2026, six infusions for CRPS").result(5)
    for day in range(3):
        courses.assign(writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=T0 + day * 86400), course).result(5)
    view = window.open_course_view()
    assert view is not None, "opens without the current session being in a course"
    view.choose(patient)
    assert view.course.currentData() == course and view.table.topLevelItemCount() == 3
    view.show()
    qtbot.waitExposed(view)
    _columns_whole(view.table)
    axis = view.plot.getAxis("bottom")
    image = QImage(axis.width() or 400, 40, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert [text for *_rect, text in texts] == ["1", "2", "3"], "sessions are counted: no 1.5, no 2.5"


def test_the_review_shows_the_alarm_lane_and_history_as_the_live_view(qtbot, reviewed) -> None:
    review = ReviewWindow(load_record(*reviewed))
    qtbot.addWidget(review)
    live = AlarmHistory()
    qtbot.addWidget(live)
    live.add_events(ALARMS)
    assert _rows(review.alarm_history) == _rows(live) and len(_rows(live)) == 4, "the two HR onsets are one row"
    assert review.trends.alarm_marks == [text for _t, _colour, text in alarm_marks(ALARMS)]
    assert len(review.trends.alarm_marks) == 3, "two onsets and the limit change on the alarm lane"
    assert review.trends._alarm_points.data["y"].tolist() == [LANES["alarm"]] * 3
    tab = review.lists.indexOf(review.alarm_history)
    assert review.lists.tabText(tab) == "Alarm history (4)"


def test_the_review_timeline_shows_ten_rows_with_the_entry_column_widest(qtbot, reviewed) -> None:
    review = ReviewWindow(load_record(*reviewed))
    qtbot.addWidget(review)
    review.resize(1366, 740)
    review.show()
    qtbot.waitExposed(review)
    tree = review.timeline.tree
    header = tree.header().height()
    assert (tree.viewport().height()) // tree.sizeHintForRow(0) >= 10, (tree.viewport().height(), header)
    widths = [tree.columnWidth(c) for c in range(tree.columnCount())]
    assert widths[1] == max(widths) and widths[1] >= tree.sizeHintForColumn(1)


def test_screening_entries_have_their_own_lane_on_screen_and_in_the_pdf(qtbot, reviewed) -> None:
    record = load_record(*reviewed)
    review = ReviewWindow(record)
    qtbot.addWidget(review)
    (screened,) = [v for v in record.entries if v.kind is EntryKind.SCREENING]
    spots = review.trends._lane_points.data
    (y,) = [y for y, data in zip(spots["y"], spots["data"], strict=True) if data == screened.id]
    assert y == LANES["screening"] != LANES["infusion"]
    labels = [text for _y, text in review.trends.lane.getAxis("left")._tickLevels[0]]
    assert LANE_LABELS["screening"] in labels and LANE_LABELS["screening"] != LANE_LABELS["infusion"]
    texts = [text for page in layout_report(record).pages for text in page.texts]
    assert LANE_LABELS["screening"] in texts, "the PDF's lane agrees with the screen"


# --- 7: dialogs that do not clip -------------------------------------------------------------------------------


def _whole_above_the_buttons(label: QLabel) -> None:
    """The message shows all its lines, inside its dialog, above the dialog's buttons."""
    QApplication.processEvents()
    dialog = label.window()
    buttons = dialog.findChild(QDialogButtonBox)
    assert label.text() and label.isVisible()
    assert label.height() >= label.heightForWidth(label.width()), "every wrapped line is shown"
    shown = QRect(label.mapTo(dialog, QPoint(0, 0)), label.size())
    assert dialog.rect().contains(shown)
    assert shown.bottom() < buttons.mapTo(dialog, QPoint(0, 0)).y(), "not drawn over the buttons"


def _placeholder_whole(field: QLineEdit) -> None:
    assert field.contentsRect().width() >= field.fontMetrics().horizontalAdvance(field.placeholderText())


def test_the_amend_and_limits_errors_wrap_above_their_buttons(qtbot, live_window, saved) -> None:
    window = live_window("stable", speed=20)
    workspace = window.workspace
    workspace.observations.pain.setValue(4)
    workspace.observations.record_pain()
    saved(window, 1)
    amend = workspace.open_correction(workspace.service.views()[0].id, strike=False)
    assert amend is not None
    qtbot.waitExposed(amend)
    _placeholder_whole(amend.reason)
    amend.accept()  # no reason given: refused, the dialog stays open
    assert "say why the entry is amended or struck" in amend.error.text()
    _whole_above_the_buttons(amend.error)
    amend.reject()

    limits = LimitsDialog(workspace.alarms, lambda: "AB", window)
    qtbot.addWidget(limits)
    limits.show()
    qtbot.waitExposed(limits)
    _placeholder_whole(limits.reason)
    limits.low.setText("1")  # outside what the clinic allows
    limits.reason.setText("trying a value far below the allowed range")
    limits.accept()
    assert limits.isVisible() and limits.error.text()
    _whole_above_the_buttons(limits.error)


def test_the_patient_dialog_clears_after_add_and_has_done(qtbot, live_window) -> None:
    window = live_window("stable", speed=20, patient=False)
    workspace = window.workspace
    dialog = PatientDialog(workspace.courses, workspace.facade, workspace.service.session_id, window)
    qtbot.addWidget(dialog)
    dialog.show()
    patient = {"name": "Jane Doe", "mrn": "4711", "dob": "1980-01-01", "weight": "72", "allergies": "latex"}
    for key, text in patient.items():
        dialog.fields[key].setText(text)
    qtbot.mouseClick(dialog.findChild(QPushButton, "add_patient"), LEFT)
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=3000)
    assert [f.text() for f in dialog.fields.values()] == [""] * 5, "nothing of the last patient left in the form"
    assert dialog.selected_patient() is not None, "the patient just added is selected"
    done = dialog.findChild(QPushButton, "patient_done")
    assert done is not None and done.text() == "Done"
    qtbot.mouseClick(done, LEFT)
    assert not dialog.isVisible()


def test_the_port_picker_shows_whole_port_names_and_a_whole_hint(qtbot, monkeypatch) -> None:
    # This computer's ports are what pyserial finds; a USB adapter's stable name is long.
    adapter = PortInfo("/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K3ZQ8-if00-port0", "FT232R USB UART", "")
    monkeypatch.setattr(port_picker, "list_ports", lambda: [adapter])
    dialog = PortPickerDialog("", "datex-s5")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.ports.viewport().width() >= dialog.ports.sizeHintForColumn(0)
    _placeholder_whole(dialog.port)
    dialog.port.setText("/dev/ttyNOSUCH0")
    dialog.accept()
    _whole_above_the_buttons(dialog.findChild(QLabel, "port_error"))


def test_export_dialogs_start_in_documents_then_the_last_folder_with_the_format_filter(
    qtbot, tmp_path, monkeypatch
) -> None:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.setattr(ReviewWindow, "last_export_folder", None)
    documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
    assert documents == home / "Documents"
    assert export_start_folder(None) == documents, "never the program's working directory"
    assert export_start_folder(tmp_path) == tmp_path
    assert export_start_folder(tmp_path / "gone") == documents

    pdf = export_dialog(None, export.get("pdf"), 7)
    qtbot.addWidget(pdf)
    assert Path(pdf.directory().absolutePath()) == documents
    assert pdf.nameFilters() == ["PDF session record (*.pdf)"]
    assert export.get("fhir").file_type == "FHIR R4 bundle (*.fhir.json)"
    pdf.show()  # non-modal: what the nurse sees first
    assert Path(pdf.selectedFiles()[0]) == documents / "session-7.pdf"
    pdf.close()

    ReviewWindow.last_export_folder = tmp_path  # where the last export went
    folder = export_dialog(None, export.get("csv"), 7)
    qtbot.addWidget(folder)
    assert Path(folder.directory().absolutePath()) == tmp_path


def test_a_read_only_field_does_not_look_like_one_to_type_in(qtbot) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    editable, read_only = QLineEdit("Ketamine", box), QLineEdit("Ketamine", box)
    read_only.setReadOnly(True)
    read_only.move(0, 40)
    box.resize(200, 80)
    box.show()
    qtbot.waitExposed(box)

    def background(field: QLineEdit):
        return field.grab().toImage().pixelColor(field.width() - 4, field.height() // 2).name()

    assert background(read_only) != background(editable)
    assert background(read_only) == box.palette().window().color().name(), "drawn on the window, not a box"
