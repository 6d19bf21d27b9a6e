"""Issue 22 point 4: the PDF prints a strip of the waves at each high-priority alarm onset."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from monitor.app.session_record import load_record
from monitor.ui.report_pdf import layout_report, render_page_image
from tests.wave_data import session_with_waves


def _page_with(layout, text: str) -> int:
    return next(i for i, page in enumerate(layout.pages) if any(text in t for t in page.texts))


def test_the_pdf_has_a_wave_strip_at_each_high_priority_onset(qapp, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    sid = session_with_waves(db)
    layout = layout_report(load_record(db, sid))
    index = _page_with(layout, "Waves at high-priority alarms")
    texts = layout.pages[index].texts
    assert any("SpO₂ low 85 %" in t for t in texts)
    labels = [t for t in texts if t.split("\n")[0] in ("ECG II", "Pleth", "CO₂")]
    assert len(labels) == 3 and all("no samples" not in t for t in labels)
    image = render_page_image(layout, index, dpi=100)
    image.save(str(tmp_path / "strip.png"))
    # the strip is drawn: many coloured (not grey) pixels on the page
    coloured = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(x, y).saturation() > 80
    )
    assert coloured > 500


def test_a_record_from_the_clinic_database_says_where_its_waves_are(qapp, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    sid = session_with_waves(db)
    layout = layout_report(replace(load_record(db, sid), wave_file=None))
    texts = [t for page in layout.pages for t in page.texts]
    assert any("kept on the desk that recorded" in t for t in texts)
