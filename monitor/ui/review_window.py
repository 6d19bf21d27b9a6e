"""Review of a recorded session: the same charts, timeline and alarm lanes, entry list and alarm history as the live
workspace, read-only, with zoom and scroll; and the dialog that lists the sessions in the database.

GUI thread. The record is read once through its own database connection (SessionRecord), so reviewing works
while another session is being recorded.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from monitor.app import export
from monitor.app.access import AccessAction, RecordAccess, export_action, export_warning, log_session_access
from monitor.app.alarm_restore import recorded_event
from monitor.app.desk import NotSignedIn
from monitor.app.hub_records import HubAddress, listing_from, load_from, parse_address
from monitor.app.lifecycle import SessionListing
from monitor.app.replay import replay_capture
from monitor.app.session_record import SessionRecord
from monitor.app.storage_door import SessionWriter
from monitor.app.wave_review import wave_reader
from monitor.timefmt import clock_text, date_time_text, hm_text, hms
from monitor.ui import report_pdf  # noqa: F401  (provides the PDF writer to the export registry)
from monitor.ui.alarm_bar import AlarmHistory, alarm_marks
from monitor.ui.background import BackgroundJob, Progress
from monitor.ui.fit import fit_in_screen, fitted_width, show_rows, tree_width
from monitor.ui.text import literal
from monitor.ui.timeline import TimelineList
from monitor.ui.trends import TrendView
from monitor.ui.wave_disclosure import WaveDisclosure
from monitor.wording import count

TIMELINE_ROWS = 10  # entries the review's timeline shows at once, however the window is split


def infusion_summary(record: SessionRecord) -> str:
    s = record.infusion
    if s.settings is None:
        return "No infusion recorded."
    rate = f"last rate {s.rate_mg_kg_h:g} mg/kg/h"
    return (
        f"{s.settings.drug} {s.settings.concentration_mg_ml:g} mg/mL, {s.settings.weight_kg:g} kg · {s.state.value} · "
        f"infused {hms(s.infused_s)} · {rate} · total {s.total_mg:.1f} mg ({s.total_mg_kg:.2f} mg/kg)"
        + (f", {count(s.boluses, 'bolus')} {s.bolus_mg:g} mg" if s.boluses else "")
    )


class ReviewWindow(QMainWindow):
    last_export_folder: Path | None = None  # where the last export went, this run: the next one starts there

    def __init__(
        self, record: SessionRecord, parent: QWidget | None = None, access: RecordAccess | None = None,
        address: int | HubAddress | None = None,
    ) -> None:
        """`access`: where and as whom its exports leave their access-log rows (the program always gives one; None
        only for a window built without a desk, in tests and the gallery). `address`: the session as it was opened
        (a HubAddress from the clinic database), for those rows."""
        super().__init__(parent)
        self.record = record
        self.access = access
        self.address = address if address is not None else record.session.id
        session = record.session
        # On the clinic database ids are per desk: the desk that recorded it is named wherever the id is.
        at_desk = f" at desk {record.desk}" if record.desk else ""
        recorded_at = html.escape(f" · recorded at desk {record.desk}") if record.desk else ""
        self.setWindowTitle(f"Review — session {session.id}{at_desk}, {date_time_text(session.started_at)}")
        # The monitor by its kind, as the session list names it; the port (a simulator's is a temporary pty) for IT.
        source, nurses = f"{session.protocol} monitor", ", ".join(record.initials) or "—"
        header = QLabel(
            f"<b>{html.escape(record.patient_text)}</b><br>"
            f"<b>Session {session.id}</b>{recorded_at} · "
            f"{date_time_text(session.started_at)}–{hm_text(record.end)} · "
            f"{html.escape(source)} · nurses {html.escape(nurses)}<br>"
            f"{html.escape(infusion_summary(record))}"
        )
        header.setObjectName("review_header")
        header.setToolTip(literal(f"read from {session.source}"))  # a file or port name, shown as typed
        header.setWordWrap(True)
        self.trends = TrendView(session.started_at)
        self.timeline = TimelineList()
        self.timeline.amend_button.hide()  # a finished record is corrected from a live session only
        self.timeline.strike_button.hide()
        self.alarm_history = AlarmHistory()  # the live view's, with the recorded events
        self.waves = WaveDisclosure(wave_reader(record), session.started_at)  # full disclosure (issue 22)
        self._load()
        self.alarm_history.itemClicked.connect(self._on_alarm_clicked)
        self.timeline.sigEntrySelected.connect(self._on_entry_selected)
        self.trends.sigEntryClicked.connect(self.timeline.select)
        self.timeline.tree.setColumnWidth(3, 260)
        show_rows(self.timeline.tree, TIMELINE_ROWS)
        self.lists = QTabWidget()
        self.lists.setObjectName("review_lists")
        self.lists.addTab(self.timeline, "Timeline")
        self.lists.addTab(self.alarm_history, f"Alarm history ({len(self.alarm_history.repeats.rows)})")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.trends)
        split.addWidget(self.waves)
        split.addWidget(self.lists)
        split.setStretchFactor(0, 1)
        split.setSizes([6_000, 4_000, 1])  # the lists at their least (TIMELINE_ROWS rows), the charts the rest
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(header)
        layout.addWidget(split, 1)
        self.setCentralWidget(body)
        self.jobs: list[BackgroundJob] = []
        menu = self.menuBar().addMenu("Export")
        for exporter in export.exporters():
            action = QAction(exporter.label, self)
            action.triggered.connect(lambda _=False, f=exporter.name: self._choose_export(f))
            menu.addAction(action)
        fit_in_screen(self, 1400, 900)

    def _load(self) -> None:
        record = self.record
        # A disconnection shorter than the gap rule is still a gap: a NaN at each moment the data stopped.
        stops = np.array([e.t for e in record.link_events if e.state in ("disconnected", "silent", "gap")])
        for name, series in record.series.items():
            if not name.startswith("NIBP"):
                at = np.searchsorted(series.t, stops)
                self.trends.add_series(name, np.insert(series.t, at, stops), np.insert(series.value, at, np.nan))
        self.trends.add_nibp(record.nibp, "t" if record.session.timebase == "device" else "host_t")
        self.trends.set_entries(record.entries)
        self.timeline.set_entries(record.entries)
        events = [recorded_event(row) for row in record.alarms]
        self.alarm_history.add_events(events)
        self.trends.add_alarm_marks(alarm_marks(events))
        self.trends.set_now(record.end)
        self.trends.set_window(None)  # the whole session
        self.trends.refresh()
        self.trends.set_follow(False)

    def _choose_export(self, fmt: str) -> None:
        if self._who(f"export session {self.record.session.id}") is None:
            return
        exporter = export.get(fmt)
        dialog = export_dialog(self, exporter, self.record.session.id)
        if not dialog.exec() or not dialog.selectedFiles():
            return
        target = Path(dialog.selectedFiles()[0])
        ReviewWindow.last_export_folder = target if exporter.target is export.Target.FOLDER else target.parent
        # The file dialog asked before choosing an existing file; a folder's files were not.
        self.export(fmt, target, force=exporter.target is export.Target.FILE)

    def export(self, fmt: str, target: Path, force: bool = False) -> BackgroundJob | None:
        """Write the record in a format of the registry (monitor.app.export), with progress. An existing file is
        replaced only with `force` (the save dialog asked), a symlink never (private_files). Only for a signed-in
        account, after a confirmation naming the patient and the destination and saying the export identifies
        them; the access-log row is written (on the job's thread) before any file: no export exists without it.
        None: refused (locked) or not confirmed."""
        record, write = self.record, export.get(fmt).write
        assert write is not None  # this module imports report_pdf, which provides the drawn format
        who = self._who(f"export session {record.session.id}")
        if who is None:
            return None
        answer = QMessageBox.question(
            self, "Export patient-identifying data?", export_warning(record, fmt, target) + "\n\nExport?"
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        access, address = self.access, self.address

        def work(progress: Progress, _cancel: threading.Event) -> list[Path]:
            if access is not None:
                log_session_access(access.db_path, who, export_action(fmt), address)
            return write(record, target, progress, force=force)

        job = BackgroundJob(f"Exporting session {record.session.id} ({fmt.upper()})", work, self)

        def report(paths: list[Path] | None) -> None:
            if paths is not None:  # a failure was already shown by the job
                self.statusBar().showMessage("Exported " + ", ".join(map(str, paths)), 15000)

        job.sigFinished.connect(report)
        self.jobs.append(job)
        return job.start()

    def _who(self, action: str) -> str | None:
        """The signed-in initials for `action`; None after showing why not (the desk is locked)."""
        if self.access is None:
            return ""
        try:
            return self.access.who(action)
        except NotSignedIn as exc:
            QMessageBox.warning(self, "Sign in first", str(exc))
            return None

    def _on_entry_selected(self, entry_id: int) -> None:
        view = next((v for v in self.record.entries if v.id == entry_id), None)
        if view is not None:
            self.trends.scroll_to(view.t)
            self.waves.show_around(view.t, f"the entry at {clock_text(view.t)}")

    def _on_alarm_clicked(self, item: QTreeWidgetItem) -> None:
        """An alarm row: its waves, 30 s before and after its (first) onset."""
        row = self.alarm_history.repeats.rows[self.alarm_history.indexOfTopLevelItem(item)]
        event = row.first
        self.waves.show_around(event.t, f"{event.message} at {clock_text(event.t)}")


def export_start_folder(last: Path | None) -> Path:
    """Where an export dialog starts: the folder of the last export (this run), else the user's documents
    folder (never the program's working directory)."""
    if last is not None and last.is_dir():
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def export_dialog(parent: QWidget | None, exporter: export.Exporter, session_id: int) -> QFileDialog:
    """The dialog that asks where to export: a folder, or a file named after the session with the format's
    file-type filter (from the export registry), starting in export_start_folder."""
    start = export_start_folder(ReviewWindow.last_export_folder)
    if exporter.target is export.Target.FOLDER:
        dialog = QFileDialog(parent, f"Export {exporter.name.upper()} into folder", str(start))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        return dialog
    dialog = QFileDialog(parent, f"Export {exporter.label.rstrip('…')}", str(start))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(exporter.file_type)
    dialog.setDefaultSuffix(exporter.suffix.lstrip("."))
    dialog.selectFile(f"session-{session_id}{exporter.suffix}")
    return dialog


class SessionListDialog(QDialog):
    """The sessions in the database, newest first, by patient, date, chair and state; open one for review. The
    monitor is named by its kind: the port it was read from (a simulated monitor's is a temporary pty) is in the
    tooltip only. On the clinic database (a DSN, not a Path) every desk's sessions, with a Desk column; its
    listing is read off the GUI thread (open_session_list) and given here."""

    COLUMNS = ("Patient", "MRN", "Started", "Chair", "Monitor", "State", "Session")

    def __init__(
        self, db_path: Path | str, parent: QWidget | None = None, sessions: list[SessionListing] | None = None,
        access: RecordAccess | None = None,
    ) -> None:
        """`access`: the access-log rows of the reviews opened from the list (open_review)."""
        super().__init__(parent)
        self.db_path = db_path
        self.access = access
        self.hub = not isinstance(db_path, Path)  # the clinic database's DSN
        if self.hub:
            self.COLUMNS = ("Desk", *SessionListDialog.COLUMNS)
        self.setWindowTitle("Review a session — clinic database, all desks" if self.hub else "Review a session")
        self.tree = QTreeWidget()
        self.tree.setObjectName("session_list")
        self.tree.setHeaderLabels(self.COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        listing = listing_from(db_path) if sessions is None else sessions
        self.sessions: list[SessionListing] = sorted(listing, key=lambda s: s.started_at, reverse=True)
        for s in self.sessions:
            texts = [s.name or "no patient", s.mrn or "—", date_time_text(s.started_at), s.chair or "—"]
            desk = [s.desk] if self.hub else []
            item = QTreeWidgetItem([*desk, *texts, s.monitor, s.end, str(s.id)])
            item.setData(0, 256, s.address)
            item.setToolTip(self.COLUMNS.index("Monitor"), f"read from {s.port}")
            self.tree.addTopLevelItem(item)
        for column in range(len(self.COLUMNS)):
            self.tree.resizeColumnToContents(column)
        self.tree.itemDoubleClicked.connect(lambda *_: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(fitted_width(self, tree_width(self.tree), 700), 400)
        self.windows: list[ReviewWindow] = []

    def row_texts(self, row: int) -> dict[str, str]:
        """The row's cells by column name (what the nurse reads)."""
        item = self.tree.topLevelItem(row)
        return {name: item.text(i) for i, name in enumerate(self.COLUMNS)}

    def chosen(self) -> int | HubAddress | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        address = str(items[0].data(0, 256))
        return parse_address(address) if self.hub else int(address)

    def accept(self) -> None:
        sid = self.chosen()
        if sid is None:
            return
        self.job = open_review(self.db_path, sid, self.parentWidget(), self.windows, self.access)
        super().accept()


def open_session_list(
    source: Path | str, parent: QWidget | None, access: RecordAccess | None = None
) -> BackgroundJob:
    """Read the list of sessions on a worker thread (the clinic database is across the network), then show it; the
    job's result is the dialog."""

    def show(sessions: list[SessionListing] | None) -> SessionListDialog | None:
        if sessions is None:  # the job has told the user why
            return None
        dialog = SessionListDialog(source, parent, sessions, access)
        job.dialog = dialog
        dialog.open()
        return dialog

    job = BackgroundJob("Reading the list of sessions", lambda _progress, _cancel: listing_from(source), parent)
    job.dialog = None
    job.sigFinished.connect(show)
    return job.start()


def open_review(
    db_path: Path | str,
    session_id: int | HubAddress,
    parent: QWidget | None,
    windows: list[ReviewWindow],
    access: RecordAccess | None = None,
) -> BackgroundJob:
    """Read a session on a worker thread (seconds for a long one: the live monitor must not freeze meanwhile),
    then open its review window, kept in `windows`. From the clinic database the session is a HubAddress.
    With `access` (always, in the program) the opening needs a signed-in account (a locked desk's refusal is the
    job's shown failure) and leaves an access-log row, written on the worker thread once the record is read."""

    refused: NotSignedIn | None = None
    try:  # who, asked now (when the nurse opened it), not when the worker gets to it
        who = access.who("open a record") if access is not None else ""
    except NotSignedIn as exc:
        refused = exc

    def work(_progress: Progress, _cancel: threading.Event) -> SessionRecord:
        if refused is not None:
            raise refused  # shown by the job: "Opening session N failed: The desk is locked: sign in to …"
        record = load_from(db_path, session_id)
        if access is not None:
            log_session_access(access.db_path, who, AccessAction.REVIEW, session_id)
        return record

    def show(record: SessionRecord | None) -> None:
        if record is None:  # the job has told the user why
            return
        window = ReviewWindow(record, parent, access, session_id)
        windows.append(window)
        window.show()

    job = BackgroundJob(f"Opening session {session_id}", work, parent)
    job.sigFinished.connect(show)
    return job.start()


def replay_job(path: Path, db_path: Path, speed: float | None, parent: QWidget | None) -> BackgroundJob:
    """Replaying a capture into a new session, as a background job whose result is the new session's id."""

    def work(progress: Progress, cancel: threading.Event) -> int:
        with SessionWriter(db_path) as writer:
            return replay_capture(path, writer, speed=speed, progress=progress, cancel=cancel)

    return BackgroundJob(f"Replaying {path.name}", work, parent)
