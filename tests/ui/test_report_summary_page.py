"""The PDF's monitoring summary page (issue 19 point 6): a page of its own with the summary's rows, the REMS fields
for an esketamine-rems clinic, the handover sheet otherwise; written to a real PDF and painted to a PNG."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from monitor.app.export.monitoring_summary import REMS_FIELDS, summary_rows
from monitor.app.session_record import SessionRecord, load_record
from monitor.ui.report_pdf import layout_report, render_page_image, write_session_pdf
from tests.summary_data import ALARMS, FULL, as_rems, record_session


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> SessionRecord:
    db = tmp_path_factory.mktemp("summary-pdf") / "monitor.sqlite3"
    return load_record(db, record_session(db, FULL, ALARMS))


def _summary_page(record: SessionRecord) -> tuple[int, str]:
    layout = layout_report(record, generated_at=record.end)
    (index,) = [i for i, page in enumerate(layout.pages) if any(t.startswith("Monitoring summary") for t in page.texts)]
    return index, "\n".join(layout.pages[index].texts)


def test_the_handover_sheet_is_a_page_of_its_own_with_every_row(record: SessionRecord, qtbot) -> None:
    index, text = _summary_page(record)
    assert index > 0 and text.startswith("Monitoring summary — handover sheet")
    for label, value in summary_rows(record):
        assert f"{label}\n{value}" in text, label
    assert "BP about 40 min after dosing\n120/70 mmHg taken 09:50:00; due 09:51:00" in text
    assert "REMS form fields covered" not in text


def test_an_esketamine_clinic_gets_the_rems_form_and_says_which_fields_it_covers(record: SessionRecord, qtbot) -> None:
    _index, text = _summary_page(as_rems(record))
    assert text.startswith("Monitoring summary — REMS patient monitoring form")
    assert "REMS form fields covered: " + "; ".join(REMS_FIELDS) in text.replace("\n", " ")


def test_the_summary_page_is_written_and_painted(record: SessionRecord, tmp_path: Path, qtbot) -> None:
    pages = write_session_pdf(record, tmp_path / "session.pdf")
    index, _text = _summary_page(record)
    assert index < pages
    image = render_page_image(layout_report(record), index, dpi=100).convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    inked_rows = int((pixels[:, : image.width()] < 128).any(axis=1).sum())
    assert inked_rows > 150, "the summary's rows are painted on the page"
    image.save(str(tmp_path / "summary.png"))


def test_the_written_pdf_carries_the_summary_text(record: SessionRecord, tmp_path: Path, qtbot) -> None:
    """The text as a PDF reader gets it (Ghostscript's txtwrite), not only the layout's strings. Never skipped:
    .ci/run installs ghostscript (Debian package) where it is missing."""
    assert shutil.which("gs"), "Ghostscript (gs) reads the PDF's text back: apt-get install ghostscript"
    path = tmp_path / "session.pdf"
    write_session_pdf(record, path)
    out = subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=txtwrite", "-sOutputFile=-", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = " ".join(out.split())  # txtwrite maps Qt's subset glyphs outside ASCII wrongly (— reads "4"): ASCII only
    for expected in (
        "Monitoring summary",
        "handover sheet",
        "120/70 mmHg taken 09:50:00; due 09:51:00, 1 min 00 s before it was due",
        "sedation: began 09:30:00, resolved 09:50:00",
        "began 10:40:00, not resolved by the end",
        "sertraline 100 mg daily",
    ):
        assert expected in text, expected
