"""The PDF session record: one infusion session as an A4 document for the patient's file.

What it says comes from monitor.app.export.report_content (Qt-free); here it is laid out into pages
(report_pdf_page: geometry, styles, drawing operations; report_pdf_charts: the vital-sign charts) and drawn with
Qt's own PDF writer (QPdfWriter + QPainter); no widgets, no pyqtgraph items. The same operations paint onto any
QPaintDevice, so `render_page_png` shows a page exactly as the PDF has it (tests and previews use it, since the
PDF's content streams are compressed). Importing this module provides the "pdf" writer to the export registry.

Threads: the GUI thread, or any other thread while a QGuiApplication exists (fonts need it). A 12-hour session at
1 Hz lays out and paints in about 0.1 s (reading it with load_record takes longer).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from monitor.app import export
from monitor.app.export.monitoring_summary import REMS_FIELDS, summary_rows, summary_title
from monitor.app.export.report_content import (
    TITLE,
    EntryContent,
    alarm_rows,
    chain_head_text,
    data_breaks,
    duration,
    entry_content,
    header_rows,
    infusion_rows,
    link_gap_rows,
    when,
)
from monitor.app.record_values import last_values_text
from monitor.app.session_record import SessionRecord
from monitor.clinical.clinic_protocol import ProtocolKind
from monitor.ui.report_pdf_charts import charts
from monitor.ui.report_pdf_page import (
    BODY,
    FOOTER_H,
    GRID,
    INK,
    MARGIN,
    MUTED,
    PAGE_H,
    PAGE_W,
    RULE,
    SHADE,
    STRUCK,
    STRUCK_MARK,
    Flow,
    Page,
    ReportLayout,
    fields,
    pdf_font,
    print_colour,
    section,
    text_height,
)
from monitor.ui.report_pdf_waves import wave_strips
from monitor.ui.trends import GAP_S, LANE_OF_KIND, MARKER_COLOUR

# --- tables -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Para:
    text: str
    font: QFont
    colour: QColor = field(default_factory=lambda: INK)


@dataclass(frozen=True)
class _Row:
    cells: Sequence[Sequence[_Para]]  # per column, paragraphs stacked top to bottom
    shade: QColor | None = None
    mark: QColor | None = None  # a bar at the row's left edge: the entry's lane colour


CELL_PAD_X, CELL_PAD_Y = 3.0, 2.0


def _cell_height(paras: Sequence[_Para], width: float) -> float:
    return sum(text_height(para.text, para.font, width - 2 * CELL_PAD_X) for para in paras)


def _row_height(row: _Row, widths: Sequence[float]) -> float:
    return max(_cell_height(paras, w) for paras, w in zip(row.cells, widths, strict=True)) + 2 * CELL_PAD_Y


def _put_row(page: Page, y: float, row: _Row, widths: Sequence[float], height: float) -> None:
    if row.shade is not None:
        page.fill(QRectF(BODY.left(), y, BODY.width(), height), row.shade)
    if row.mark is not None:
        page.fill(QRectF(BODY.left() - 4.5, y + 1, 2.5, height - 2), row.mark)  # in the margin, clear of text
    x = BODY.left()
    for paras, w in zip(row.cells, widths, strict=True):
        py = y + CELL_PAD_Y
        for para in paras:
            h = text_height(para.text, para.font, w - 2 * CELL_PAD_X)
            page.text(QRectF(x + CELL_PAD_X, py, w - 2 * CELL_PAD_X, h), para.text, para.font, para.colour)
            py += h
        x += w
    page.hline(BODY.left(), BODY.right(), y + height, GRID, 0.4)


def _table(flow: Flow, fractions: Sequence[float], header: Sequence[str], rows: Sequence[_Row]) -> None:
    """Rows down the pages; the header row is repeated at the top of every page the table continues on."""
    widths = [f * BODY.width() for f in fractions]
    head = _Row([[_Para(h, pdf_font(8, bold=True))] for h in header], shade=QColor("#e0e0e0"))
    head_h = _row_height(head, widths)
    heights = [_row_height(row, widths) for row in rows]
    flow.need(head_h + (heights[0] if heights else 0))
    _put_row(flow.page, flow.y, head, widths, head_h)
    flow.y += head_h
    for row, height in zip(rows, heights, strict=True):
        if flow.need(height):
            _put_row(flow.page, flow.y, head, widths, head_h)
            flow.y += head_h
        _put_row(flow.page, flow.y, row, widths, height)
        flow.y += height


def _entry_cells(c: EntryContent) -> tuple[list[_Para], list[_Para]]:
    """The entry text (struck through when struck, with the original beneath an amendment) and its status."""
    entry = [_Para(c.text, pdf_font(9, strike=True), STRUCK)] if c.struck else [_Para(c.text, pdf_font(9))]
    if c.original is not None:
        entry.append(_Para(c.original, pdf_font(8, italic=True), MUTED))
    status = [_Para(line, pdf_font(8, bold=strike)) for line, strike in c.corrections]
    return entry, status


def _entries_table(flow: Flow, record: SessionRecord) -> None:
    section(flow, "Observations, scores and pump events", 40)
    if not record.entries:
        flow.text("No entries recorded.", pdf_font(9, italic=True))
        return
    flow.text(
        "Struck-through entries stay on the record but do not count; amended entries show the "
        "corrected content and, beneath it, the original.",
        pdf_font(8),
        MUTED,
    )
    small = pdf_font(9)
    rows = []
    for v in record.entries:
        content = entry_content(record, v)
        entry, status = _entry_cells(content)
        at = [_Para(content.when, small, STRUCK if v.struck else INK)]
        who = [_Para(content.initials, small, STRUCK if v.struck else INK)]
        rows.append(
            _Row(
                [at, entry, who, status],
                SHADE if v.struck else None,
                STRUCK_MARK if v.struck else print_colour(MARKER_COLOUR[LANE_OF_KIND[v.kind]]),
            )
        )
    _table(flow, (0.11, 0.52, 0.07, 0.30), ("Time", "Entry", "By", "Correction"), rows)


def _alarmssection(flow: Flow, alarms: Sequence[tuple[float, str]], record: SessionRecord) -> None:
    """Alarm events of the session as (time, text); printed even when empty, so a reader knows none were left out."""
    section(flow, "Alarms", 20)
    if not alarms:
        flow.text("No alarms recorded", pdf_font(9))
        return
    rows = [_Row([[_Para(when(record, t), pdf_font(9))], [_Para(text, pdf_font(9))]]) for t, text in alarms]
    _table(flow, (0.15, 0.85), ("Time", "Alarm"), rows)


def _gapssection(flow: Flow, record: SessionRecord) -> None:
    section(flow, "Monitor data gaps", 40)
    font = pdf_font(9)
    rows = [_Row([[_Para(cell, font)] for cell in cells]) for cells in link_gap_rows(record)]
    if rows:
        _table(flow, (0.15, 0.14, 0.46, 0.25), ("Time", "Link", "Detail", "Data back at"), rows)
    else:
        flow.text("No monitor disconnections or silences recorded.", font)
    breaks = data_breaks(record, GAP_S)
    flow.y += 6
    if not breaks:
        flow.text("No break of more than 30 s in the recorded vital signs.", font)
        return
    flow.text("Breaks of more than 30 s in the recorded vital signs (gaps in the charts):", font)
    rows = [
        _Row([[_Para(when(record, a), font)], [_Para(when(record, b), font)], [_Para(duration(b - a), font)]])
        for a, b in breaks
    ]
    _table(flow, (0.2, 0.2, 0.6), ("From", "To", "Length"), rows)


def _summary_page(flow: Flow, record: SessionRecord) -> None:
    """The monitoring summary on a page of its own: the [PI]/[REMS] monitoring form's items, or the handover sheet."""
    flow.new_page()
    flow.text(summary_title(record.protocol_kind), pdf_font(14, bold=True), after=4.0)
    fields(flow, summary_rows(record), label_w=150.0)
    flow.y += 6
    notes = [
        "BP about 40 min after dosing, observation of at least 2 h after dosing (esketamine) and the items above: "
        "[PI]/[REMS] as in shared/clinical.md. Readings are the NIBP readings nearest each moment; the "
        "respiratory depression episodes are the session's SpO₂ low, RR low and EtCO₂ high alarms.",
    ]
    if record.protocol_kind is ProtocolKind.ESKETAMINE_REMS:
        notes.append("REMS form fields covered: " + "; ".join(REMS_FIELDS) + ".")
    for note in notes:
        flow.text(note, pdf_font(8), MUTED)


def _footers(pages: Sequence[Page], session_id: int, generated_at: float) -> None:
    font = pdf_font(8)
    generated = datetime.fromtimestamp(generated_at).strftime("Generated %Y-%m-%d %H:%M")
    top = PAGE_H - MARGIN - FOOTER_H + 8
    for i, page in enumerate(pages):
        page.hline(BODY.left(), BODY.right(), top, RULE, 0.5)
        rect = QRectF(BODY.left(), top + 3, BODY.width(), 12)
        page.text(
            rect,
            f"Session {session_id} · page {i + 1} of {len(pages)}",
            font,
            MUTED,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
        )
        page.text(rect, generated, font, MUTED, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop))


# --- public -------------------------------------------------------------------------------------------------


def layout_report(record: SessionRecord, *, generated_at: float | None = None) -> ReportLayout:
    """The whole report laid out into pages; nothing is painted yet."""
    flow = Flow()
    flow.text(TITLE, pdf_font(18, bold=True), after=6.0)
    fields(flow, header_rows(record))
    section(flow, "Infusion", 60)
    fields(flow, infusion_rows(record))
    fields(flow, [("Last values", last_values_text(record))])  # by the screen's currency rule
    placement = charts(flow, record)
    _entries_table(flow, record)
    _alarmssection(flow, alarm_rows(record), record)
    wave_strips(flow, record)  # issue 22: the waves at each high-priority alarm onset
    _gapssection(flow, record)
    _summary_page(flow, record)
    section(flow, "Record integrity", 30)  # last: what this paper proves about the stored record (verify --expect)
    fields(flow, [("Audit chain head", chain_head_text(record))])
    _footers(flow.pages, record.session.id, time.time() if generated_at is None else generated_at)
    return ReportLayout(record.session.id, flow.pages, placement)


def write_session_pdf(record: SessionRecord, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the session record to `path` as an A4 PDF; returns the number of pages.

    Written to a '.part' file beside it and renamed at the end, so an interrupted export never leaves a
    truncated PDF under the real name. Raises OSError when the file cannot be written.
    """
    layout = layout_report(record)
    path = Path(path)
    part = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(part))
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    writer.setTitle(f"Ketamine infusion session record — session {record.session.id}")
    writer.setCreator("Infusion station monitor")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write the PDF to {part}")
    total = len(layout.pages)
    try:
        for index in range(total):
            if index:
                writer.newPage()
            layout.paint(index, painter)
            if progress is not None:
                progress(index + 1, total)
    finally:
        painter.end()
        del writer  # closes the file, so it can be renamed (Windows will not rename an open file)
    part.replace(path)
    return total


def render_page_image(layout: ReportLayout, index: int, dpi: float = 100.0) -> QImage:
    """Page `index` as a white A4 image at `dpi`."""
    image = QImage(round(PAGE_W / 72 * dpi), round(PAGE_H / 72 * dpi), QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        layout.paint(index, painter)
    finally:
        painter.end()
    return image


def render_page_png(record: SessionRecord, page_index: int, path: Path, dpi: float = 100.0) -> None:
    """Page `page_index` (from 0) of the record as a PNG, painted exactly as in the PDF."""
    image = render_page_image(layout_report(record), page_index, dpi)
    if not image.save(str(path), "PNG"):
        raise OSError(f"cannot write the PNG to {path}")


export.provide("pdf", export.into_new_file(write_session_pdf))
