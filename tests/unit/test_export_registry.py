"""The export registry (monitor.app.export) and what the PDF record contains (report_content), without Qt."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.app import export
from monitor.app.export.registry import Exporter, Target
from monitor.app.export.report_content import data_breaks, entry_content, header_rows, link_gap_rows
from monitor.app.session_record import load_record
from monitor.cli import build_parser
from monitor.storage.private_files import TargetRefused


def _choices(parser: argparse.ArgumentParser, command: str, dest: str) -> list[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(next(a for a in sub.choices[command]._actions if a.dest == dest).choices)


def test_cli_format_choices_are_the_registry_names_in_menu_order() -> None:
    assert export.names() == ["pdf", "csv", "fhir"]
    assert _choices(build_parser(), "export", "format") == export.names()


def test_the_qt_free_core_lists_the_drawn_pdf_without_importing_qt_or_the_writers() -> None:
    """The CLI's parser lists the formats for every command: that must not load Qt, numpy or the record."""
    code = (
        "import sys; import monitor.cli; from monitor.app import export; e = export.get('pdf');"
        "print(e.write is None, e.drawn_by, e.target.value, *(m in sys.modules for m in"
        " ('PySide6', 'numpy', 'monitor.app.session_record', 'monitor.app.export.csv')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "monitor.ui.report_pdf", "file", "False", "False", "False", "False"]


def test_a_format_needs_a_writer_or_a_module_that_provides_one_and_a_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="neither a writer"):
        Exporter("hl7", "HL7 v2…", Target.FILE, ".hl7")
    with pytest.raises(ValueError, match="registered already"):
        export.register(Exporter("csv", "again", Target.FOLDER, drawn_by="somewhere"))
    assert export.get("csv").label == "CSV (samples and timeline)…"


def test_file_formats_refuse_an_existing_file_without_force(recorded_session, tmp_path: Path) -> None:
    db, sid = recorded_session
    record = load_record(db, sid)
    target = tmp_path / "b.fhir.json"
    target.write_text("kept")
    write = export.get("fhir").write
    assert write is not None
    with pytest.raises(TargetRefused):
        write(record, target)
    assert target.read_text() == "kept"
    assert write(record, target, force=True) == [target] and target.read_text().startswith("{")


def test_report_content_says_what_the_record_holds(recorded_session) -> None:
    db, sid = recorded_session
    record = load_record(db, sid)
    rows = dict(header_rows(record))
    assert rows["Session"].startswith(f"{sid}, ") and rows["Monitor"].startswith("/dev/ttyUSB0 · protocol datex-s5")
    contents = [entry_content(record, v) for v in record.entries]
    pain = next(c for c in contents if c.text == "Pain 6/10")
    assert pain.original == "Originally: Pain 7/10" and not pain.struck
    assert pain.corrections[0][0].endswith(": misheard") and pain.corrections[0][1] is False
    struck = next(c for c in contents if c.struck)
    assert struck.corrections[-1][0].endswith(": wrong patient") and struck.corrections[-1][1] is True
    assert link_gap_rows(record) == []
    assert data_breaks(record, 30.0) == [], "samples every 5 s from start to end"
    assert data_breaks(record, 1.0), "with a 1 s rule every 5 s step is a break"
