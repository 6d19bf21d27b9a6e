"""The PDF session record, from a real session in a real database (writer thread, service, load_record)."""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from monitor.app.courses import CourseService
from monitor.app.session_record import SessionRecord, load_record
from monitor.app.session_service import SessionService
from monitor.clinical.entries import EntryKind
from monitor.devices.events import Sample
from monitor.storage.db import AlarmEventRow, StatusRow
from monitor.storage.writer import SessionWriter
from monitor.ui.report_pdf import layout_report, render_page_png, write_session_pdf
from monitor.ui.report_pdf_charts import column_envelope
from monitor.ui.report_pdf_page import PAGE_H, PAGE_W, print_colour
from monitor.ui.trends import CHARTS

T0 = datetime(2024, 3, 12, 9, 0).timestamp()  # local 09:00, so the session stays within one day
MIN = 60.0
GAP = (50 * MIN, 60 * MIN)  # the monitor went quiet for ten minutes
END = 120 * MIN
HR_COLOUR = print_colour(next(c.colour for chart in CHARTS for c in chart.curves if c.param == "HR"))
START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": "10", "weight_kg": "80", "rate_mg_kg_h": "0.5"}


def _samples(t: float) -> list[Sample]:
    hr = 72 + 10 * math.sin(t / 600)
    cycle = int(t // 300)  # a cuff reading every 5 min, resent with every record until the next
    values = {
        "HR": hr,
        "PR": hr + 1,
        "SPO2": 97 + math.sin(t / 900),
        "RR": 14 + 2 * math.sin(t / 700),
        "ETCO2": 38 + 2 * math.cos(t / 800),
        "NIBP_SYS": 120 + 5 * (cycle % 4),
        "NIBP_DIA": 75 + 3 * (cycle % 3),
        "NIBP_MEAN": 90 + 4 * (cycle % 4),
    }
    return [Sample(name, value, T0 + t, T0 + t) for name, value in values.items()]


def _record_entries(service: SessionService) -> None:
    def at(minutes: float, kind: EntryKind, payload: dict) -> int:
        return service.record(kind, payload, t=T0 + minutes * MIN).result(5).id

    at(5, EntryKind.SCORE, {"scale": "pain", "score": 6})
    at(10, EntryKind.INFUSION, START)
    dizzy = at(20, EntryKind.SIDE_EFFECT, {"effect": "dizziness", "severity": "mild"})
    at(30, EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "moderate", "note": "ondansetron 4 mg iv"})
    at(40, EntryKind.INFUSION, {"action": "rate", "rate_mg_kg_h": "0.8"})
    wrong = at(45, EntryKind.NOTE, {"note": "patient asleep"})
    at(65, EntryKind.INFUSION, {"action": "bolus", "dose_mg": "10"})
    at(70, EntryKind.DISSOCIATION, {"level": "mild"})
    at(80, EntryKind.INFUSION, {"action": "pause"})
    at(85, EntryKind.INFUSION, {"action": "resume"})
    at(90, EntryKind.SCORE, {"scale": "pain", "score": 3})
    at(90, EntryKind.SCORE, {"scale": "rass", "score": 0})
    at(110, EntryKind.INFUSION, {"action": "stop"})
    service.set_initials("cd")
    service.amend(dizzy, {"effect": "dizziness", "severity": "moderate"}, reason="patient says it is worse").result(5)
    service.strike(wrong, reason="written for the wrong patient").result(5)


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> SessionRecord:
    db = tmp_path_factory.mktemp("report") / "monitor.sqlite3"
    writer = SessionWriter(db)
    writer.start()
    try:
        sid = writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=T0)
        times = [t for t in np.arange(0, END, 5.0) if not GAP[0] <= t < GAP[1]]
        for t in times:
            writer.add_samples(sid, _samples(float(t)))
        writer.add_link_event(sid, T0 + GAP[0] + 10, "silent", "no data for 10 s")
        writer.add_link_event(sid, T0 + GAP[1], "receiving", "")
        _record_entries(SessionService(writer, sid, T0, clock=lambda: T0 + END, initials="ab"))
        writer.end_session(sid, T0 + END)
        courses = CourseService(writer)
        patient = courses.add_patient("Jane Doe", "MRN-4711", "1968-03-14", "80", "").result(5)
        courses.assign(sid, courses.add_course(patient, "Autumn 2026, 6 infusions").result(5)).result(5)
        assert writer.flush()
    finally:
        writer.close()
    return load_record(db, sid)


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[:, :, :3].astype(int)


def _crop(pixels: np.ndarray, rect, scale: float, inset: float = 0.0) -> np.ndarray:
    x0, x1 = round((rect.left() + inset) * scale), round((rect.right() - inset) * scale)
    y0, y1 = round((rect.top() + inset) * scale), round((rect.bottom() - inset) * scale)
    return pixels[y0:y1, x0:x1]


def _near(pixels: np.ndarray, colour, tolerance: int = 40) -> int:
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return int(np.all(np.abs(pixels - target) <= tolerance, axis=-1).sum())


def test_pdf_is_written_page_by_page(record: SessionRecord, tmp_path: Path, qtbot) -> None:
    path = tmp_path / "session.pdf"
    seen: list[tuple[int, int]] = []
    pages = write_session_pdf(record, path, progress=lambda done, total: seen.append((done, total)))
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert pages >= 2
    assert seen == [(i, pages) for i in range(1, pages + 1)]
    count = re.search(rb"/Count (\d+)", data)
    assert count is not None and int(count.group(1)) == pages, "the page tree holds every page"
    assert not (tmp_path / "session.pdf.part").exists()


def test_report_says_what_the_session_holds(record: SessionRecord, qtbot) -> None:
    layout = layout_report(record, generated_at=T0 + END + 300)
    pages = ["\n".join(page.texts) for page in layout.pages]
    text = "\n".join(pages)
    assert pages[0].startswith("Ketamine infusion session record")
    for expected in (
        "Jane Doe · MRN MRN-4711 · born 1968-03-14 · 80 kg · no known allergies recorded",
        "Autumn 2026, 6 infusions (session 1 of 1 so far)",
        "09:00:00 – 11:00:00 (2 h 00 min)",
        "/dev/ttyUSB0 · protocol datex-s5",
        "AB, CD",
        "Ketamine 10 mg/mL",
        "80 kg",
        "1 h 35 min (pauses excluded)",  # 10 → 110 min, less the 5-min pause
        "09:10:00   0.5 mg/kg/h = 4.0 mL/h (start)",
        "09:40:00   0.8 mg/kg/h = 6.4 mL/h (changed)",
        "10:20:00 – 10:25:00 (5 min 00 s)",  # the pause
        "1, 10 mg in all: 10 mg at 10:05:00",
        "Pain 6/10",
        "Nausea (moderate) — ondansetron 4 mg iv",
        "Dizziness (moderate)",
        "Originally: Dizziness (mild)",
        "patient says it is worse",
        "Note: patient asleep",
        "written for the wrong patient",
        "No alarms recorded",
        "Monitor data gaps",
        "no data for 10 s",
        "10:00:00 (9 min 50 s)",  # the link came back at the end of the gap
        "09:49:55",  # the last sample before the break in the charts
        f"Session {record.session.id} · page 1 of {len(pages)}",
        f"page {len(pages)} of {len(pages)}",
        f"{record.chain_head} — check: infusion-monitor verify --expect {record.chain_head} --session 1",
    ):
        assert expected in text, expected
    assert record.chain_head.startswith("hmac:")  # the session's audit chain head, keyed (issue 18 point 6)
    # 40 mg/h for 30 min, 64 mg/h for 65 min (40→110 less the pause), and the 10 mg bolus.
    total = 40 * 30 / 60 + 64 * 65 / 60 + 10
    assert f"{total:.1f} mg = {total / 80:.2f} mg/kg" in text
    assert record.infusion.total_mg == pytest.approx(total)
    struck_line = next(line for line in text.splitlines() if "wrong patient" in line)
    assert struck_line.startswith("Struck through 11:00:00 by CD")


def test_pages_render_to_png_with_charts_and_gaps(record: SessionRecord, tmp_path: Path, qtbot) -> None:
    layout = layout_report(record)
    assert layout.charts is not None and layout.charts.page == 0, "charts on the first page"
    paths = [tmp_path / "page1.png", tmp_path / "page2.png"]
    for index, path in enumerate(paths):
        render_page_png(record, index, path)
        shutil.copy(path, Path("/tmp") / f"report_page{index + 1}.png")  # for a person to look at
    page1, page2 = QImage(str(paths[0])), QImage(str(paths[1]))
    assert page1.width() == 827 and page1.height() == 1169, "A4 at 100 dpi"
    scale = page1.width() / PAGE_W
    pixels = _rgb(page1)

    hr_rect = layout.charts.rects["hr"]
    chart = _crop(pixels, hr_rect, scale, inset=1.5)
    ink = np.any(chart < 200, axis=-1)
    assert ink.mean() > 0.02, "the heart-rate chart has curves on it"
    assert _near(chart, HR_COLOUR) > 150, "the HR curve is drawn in its colour"
    for key in ("spo2", "nibp", "resp"):
        assert np.any(_crop(pixels, layout.charts.rects[key], scale, 1.5) < 200, axis=-1).mean() > 0.01, key

    # Inside the ten-minute gap nothing but the light grid: the line breaks instead of bridging it.
    x0 = round(layout.charts.x_of(T0 + GAP[0] + 60) * scale)
    x1 = round(layout.charts.x_of(T0 + GAP[1] - 60) * scale)
    y0, y1 = round((hr_rect.top() + 1.5) * scale), round((hr_rect.bottom() - 1.5) * scale)
    gap = pixels[y0:y1, x0:x1]
    assert gap.size and not np.any(gap < 180), "no curve drawn across the gap"
    assert _near(pixels[y0:y1, x0 - 40 : x0 - 10], HR_COLOUR) > 10, "the curve does run up to the gap"

    body2 = _rgb(page2)
    assert np.any(body2 < 128, axis=-1).mean() > 0.01, "page 2 carries text"
    footer = body2[round((PAGE_H - 40) * scale) - 20 :, :]
    assert np.any(footer < 200, axis=-1).any(), "page 2 has its footer"


def test_a_long_table_continues_with_its_header_on_every_page(record: SessionRecord, qtbot) -> None:
    long = dataclasses.replace(record, entries=record.entries * 8)  # about a hundred rows
    layout = layout_report(long)
    row_time = re.compile(r"^\d\d:\d\d:\d\d$")  # the first cell of every row
    with_rows = [page.texts for page in layout.pages if any(row_time.match(text) for text in page.texts)]
    assert len(with_rows) >= 3, "the table runs over several pages"
    for texts in with_rows:
        first_row = next(i for i, text in enumerate(texts) if row_time.match(text))
        assert "Correction" in texts[:first_row], "the header row is repeated above the rows"
    assert all(f"page {i + 1} of {len(layout.pages)}" in p.texts[-2] for i, p in enumerate(layout.pages))


def test_envelope_keeps_spikes_and_breaks_at_gaps() -> None:
    t = np.concatenate((np.arange(0, 1000, 1.0), np.arange(1100, 2000, 1.0)))
    v = np.full(t.size, 50.0)
    v[500] = 140.0  # one beat of tachycardia
    segments = column_envelope(t, v, 0.0, 2000.0, 100)
    assert len(segments) == 2, "split at the 100 s gap"
    assert max(seg[:, 1].max() for seg in segments) == 140.0, "a one-sample spike survives downsampling"
    assert sum(len(seg) for seg in segments) <= 2 * 100
    assert segments[0][:, 0].max() < 0.5 < segments[1][:, 0].min()


def _flapping(cycles: int) -> list[AlarmEventRow]:
    """One condition raised and cleared again and again (what RR hovering at its limit gave before hysteresis)."""
    rows = []
    for k in range(cycles):
        t = T0 + 10 * MIN + k * 2 * MIN
        rows.append(AlarmEventRow(t, "onset", "RR low", "RR low: 7 /min", "high", "clinical", 7, 8, ""))
        rows.append(
            AlarmEventRow(
                t + 60, "clear", "RR low", "RR low: 7 /min: condition cleared (latched)", "high", "clinical", 8, 8, ""
            )
        )
    return rows


def test_repeats_of_one_alarm_are_one_row_with_a_count_and_the_last_time(record: SessionRecord, qtbot) -> None:
    flapping = dataclasses.replace(record, alarms=_flapping(30))
    pages = [page for page in layout_report(flapping).pages if not page.texts[0].startswith("Monitoring summary")]
    texts = [text for page in pages for text in page.texts]  # the summary page sums the episodes up: its own test
    alarm_rows = [text for text in texts if "RR low" in text and "[high]" in text]
    strips = [text for text in texts if text.endswith("  RR low: 7 /min")]  # the waves section (issue 22)
    assert len(strips) == 30, "a wave strip at each high-priority onset, under its time"
    assert alarm_rows == [
        "onset [high]: RR low: 7 /min (×30, last 10:08:00)",
        "clear [high]: RR low: 7 /min: condition cleared (latched) (×30, last 10:09:00)",
    ]


def test_the_last_values_follow_the_screens_currency_rule(record: SessionRecord, qtbot) -> None:
    """The PDF's last values: flagged by the monitor -> "--" with the reason; older than its limit -> its age."""

    def last_values(r: SessionRecord) -> str:
        texts = [text for page in layout_report(r).pages for text in page.texts]
        return texts[texts.index("Last values") + 1]

    assert last_values(record).startswith("HR ") and "not current" not in last_values(record)
    flagged = dataclasses.replace(record, status=[StatusRow(T0 + END - 30, T0 + END - 30, [], {"SPO2": "invalid"})])
    assert "SpO₂ -- (no valid value)" in last_values(flagged)
    later = dataclasses.replace(record, end=record.end + 20 * MIN)
    text = last_values(later)
    assert "HR " in text and "20 min before the end: not current" in text
    assert re.search(r"NIBP \d+/\d+ \(2\d min before the end: not current\)", text), text
