"""The PDF's wave strips (issue 22 point 4): at each high-priority alarm onset, the stored ECG, pleth and capnogram
from STRIP_BEFORE_S before to STRIP_AFTER_S after it, one row per wave, gaps left blank."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen, QPolygonF

from monitor.app.session_record import SessionRecord
from monitor.app.wave_review import WAVE_ORDER, AlarmEventRow, WaveReader, WaveWindow, high_onsets, wave_reader
from monitor.timefmt import clock_text
from monitor.ui import theme
from monitor.ui.report_pdf_page import BODY, GRID, INK, MUTED, RULE, Y_AXIS_W, Flow, pdf_font, print_colour, section

# 12 s per strip (the program's choice): at the printed width, about 15 mm/s, enough to see each beat and breath.
STRIP_BEFORE_S = 8.0
STRIP_AFTER_S = 4.0
ROW_H = 30.0
ROW_GAP = 3.0
_LOOK = {"ECG_II": ("ECG II", "mV", theme.HR), "PLETH": ("Pleth", "%", theme.SPO2), "CO2": ("CO₂", "mmHg", theme.ETCO2)}


def wave_strips(flow: Flow, record: SessionRecord) -> None:
    """The section: one strip per high-priority onset, or a line saying why there is none."""
    section(flow, "Waves at high-priority alarms", 3 * (ROW_H + ROW_GAP) + 16)
    onsets, reader = high_onsets(record), wave_reader(record)
    note_font = pdf_font(9)
    if not onsets:
        flow.text("No high-priority alarm in this session.", note_font)
        return
    if reader is None:
        flow.text("The waves are kept on the desk that recorded this session (not on the clinic database).", note_font)
        return
    flow.text(
        f"{STRIP_BEFORE_S:g} s before to {STRIP_AFTER_S:g} s after each onset (dashed line); 1 s grid; "
        "a blank is a gap.",
        pdf_font(8),
        MUTED,
    )
    for alarm in onsets:
        _strip(flow, reader, alarm)


def _strip(flow: Flow, reader: WaveReader, alarm: AlarmEventRow) -> None:
    window = reader.window(alarm.t - STRIP_BEFORE_S, alarm.t + STRIP_AFTER_S)
    title = f"{clock_text(alarm.t)}  {alarm.message}"
    flow.need(14 + 3 * (ROW_H + ROW_GAP))
    flow.text(title, pdf_font(9, bold=True), after=1.0)
    if window.empty:
        flow.text("No waves stored around this onset.", pdf_font(8), MUTED)
        return
    for wave in WAVE_ORDER:
        rect = QRectF(BODY.left() + Y_AXIS_W + 20, flow.y, BODY.width() - Y_AXIS_W - 20, ROW_H)
        _row(flow, rect, window, wave, alarm.t)
        flow.y += ROW_H + ROW_GAP
    flow.y += 4


def _row(flow: Flow, rect: QRectF, window: WaveWindow, wave: str, onset: float) -> None:
    label, unit, colour = _LOOK[wave]
    stretches = window.waves.get(wave, [])
    finite = [s.values[np.isfinite(s.values)] for s in stretches]
    values = np.concatenate(finite) if finite else np.empty(0)
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    if hi - lo < 1e-6:
        lo, hi = lo - 0.5, hi + 0.5
    name = f"{label}\n{lo:.3g} to {hi:.3g} {unit}" if len(values) else f"{label}\nno samples"  # the data's own span
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    lines: list[QPolygonF] = []
    for s in stretches:
        xs = rect.left() + (s.times() - window.start) / (window.end - window.start) * rect.width()
        ys = rect.bottom() - (s.values.astype(np.float64) - lo) / (hi - lo) * rect.height()
        lines += _polylines(xs, ys)
    span = window.end - window.start
    ticks = [rect.left() + k / span * rect.width() for k in range(1, int(span))]
    onset_x = rect.left() + (onset - window.start) / (window.end - window.start) * rect.width()
    pen_colour = print_colour(colour)

    def op(p: QPainter) -> None:
        p.setPen(QPen(GRID, 0.4))
        for x in ticks:
            p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        p.save()
        p.setClipRect(rect)
        p.setPen(QPen(pen_colour, 0.7))
        for line in lines:
            p.drawPolyline(line)
        p.restore()
        p.setPen(QPen(INK, 0.6, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(onset_x, rect.top()), QPointF(onset_x, rect.bottom()))
        p.setPen(QPen(RULE, 0.6))
        p.drawRect(rect)

    flow.page.ops.append(op)
    flow.page.text(QRectF(BODY.left(), rect.top(), rect.left() - BODY.left() - 3, ROW_H), name, pdf_font(7), MUTED)


def _polylines(xs: np.ndarray, ys: np.ndarray) -> Sequence[QPolygonF]:
    """One polyline per run of finite samples: a NaN (a gap) breaks the line."""
    ok = np.isfinite(ys)
    edges = np.flatnonzero(np.diff(np.concatenate([[False], ok, [False]]).astype(np.int8)))
    return [
        QPolygonF([QPointF(float(x), float(y)) for x, y in zip(xs[a:b], ys[a:b], strict=True)])
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
