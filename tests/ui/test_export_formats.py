"""Every format of the export registry writes a valid file of a recorded session, the drawn PDF included once the
ui has provided it; the review window's Export menu lists the registry."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle

from monitor.app import export
from monitor.app.export.csv import SAMPLE_COLUMNS, TIMELINE_COLUMNS
from monitor.app.session_record import load_record
from monitor.ui import report_pdf  # noqa: F401  (provides the PDF writer)
from monitor.ui.review_window import ReviewWindow


def _pdf(paths: list[Path]) -> None:
    (path,) = paths
    assert path.suffix == ".pdf" and path.read_bytes().startswith(b"%PDF") and b"%%EOF" in path.read_bytes()[-32:]


def _csv(paths: list[Path]) -> None:
    samples, timeline = paths
    for path, columns in ((samples, SAMPLE_COLUMNS), (timeline, TIMELINE_COLUMNS)):
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert tuple(rows[0]) == columns and len(rows) > 1


def _fhir(paths: list[Path]) -> None:
    (path,) = paths
    assert path.name.endswith(".fhir.json")
    Bundle.model_validate(json.loads(path.read_text(encoding="utf-8")))


VALID: dict[str, Callable[[list[Path]], None]] = {"pdf": _pdf, "csv": _csv, "fhir": _fhir}


def test_every_registered_format_writes_a_valid_file(qapp, recorded_session, tmp_path: Path) -> None:
    db, sid = recorded_session
    record = load_record(db, sid)
    assert set(VALID) == set(export.names()), "a new format needs its check here"
    for exporter in export.exporters():
        assert exporter.write is not None, f"{exporter.name}: not provided"
        name = f"session-{sid}{exporter.suffix}"
        target = tmp_path / exporter.name / name if exporter.target is export.Target.FILE else tmp_path / "folder"
        target.parent.mkdir(parents=True, exist_ok=True)
        progress: list[tuple[int, int]] = []
        paths = exporter.write(record, target, lambda done, total, p=progress: p.append((done, total)))
        VALID[exporter.name](paths)
        assert progress == [] or progress[-1][0] == progress[-1][1], f"{exporter.name}: progress ends at its total"


def test_the_export_menu_is_the_registry(qtbot, recorded_session) -> None:
    db, sid = recorded_session
    window = ReviewWindow(load_record(db, sid))
    qtbot.addWidget(window)
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "Export"]
    assert [a.text() for a in menu.actions()] == [e.label for e in export.exporters()]
