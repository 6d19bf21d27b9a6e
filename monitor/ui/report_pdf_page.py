"""The pages of the PDF session record: A4 geometry, print styles, and pages of drawing operations.

A report is laid out first, into pages of drawing operations in points (1/72 inch), then painted (report_pdf):
the footer says "page X of Y", and QPdfWriter cannot count pages before the last one is drawn. The same operations
paint onto any QPaintDevice. Text is measured here, so the layout needs a QGuiApplication (fonts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPen,
)

# --- page geometry (points) and styles ----------------------------------------------------------------------

PAGE_W = 210 / 25.4 * 72  # A4
PAGE_H = 297 / 25.4 * 72
MARGIN = 40.0
FOOTER_H = 22.0
BODY = QRectF(MARGIN, MARGIN, PAGE_W - 2 * MARGIN, PAGE_H - 2 * MARGIN - FOOTER_H)

INK = QColor("#000000")
MUTED = QColor("#505050")
RULE = QColor("#8a8a8a")
GRID = QColor("#d9d9d9")
SHADE = QColor("#f0f0f0")
STRUCK = QColor("#707070")
STRUCK_MARK = QColor("#9e9e9e")

CHART_H = 72.0
CHART_TITLE_H = 15.0
CHART_GAP = 5.0
LANE_ROW_H = 9.0
Y_AXIS_W = 30.0
TIME_LABEL_H = 12.0
WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)


def pdf_font(size: int, *, bold: bool = False, italic: bool = False, strike: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(["DejaVu Sans", "Arial", "Helvetica"])
    font.setStyleHint(QFont.StyleHint.SansSerif)
    # Pixel size in layout points: the painter is scaled to each device, so one size fits the PDF and a PNG.
    font.setPixelSize(size)
    # Unhinted metrics scale linearly, so text measured at layout time fits the same box at any resolution.
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setBold(bold)
    font.setItalic(italic)
    font.setStrikeOut(strike)
    return font


def print_colour(screen_colour: str) -> QColor:
    """A chart colour for white paper. The trend colours are chosen for a black screen, where light means
    visible; on paper light colours vanish, so the lightness is mirrored (and capped) keeping the hue."""
    h, s, lightness, a = QColor(screen_colour).getHslF()
    return QColor.fromHslF(h, s, min(1.0 - lightness, 0.42), a)


# --- the laid-out document ----------------------------------------------------------------------------------

DrawOp = Callable[[QPainter], None]


@dataclass
class Page:
    ops: list[DrawOp] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # every string written on the page, for search and tests

    def text(self, rect: QRectF, text: str, font: QFont, colour: QColor = INK, flags: int = WRAP) -> None:
        def op(p: QPainter) -> None:
            p.setFont(font)
            p.setPen(colour)
            p.drawText(rect, flags, text)

        self.ops.append(op)
        self.texts.append(text)

    def fill(self, rect: QRectF, colour: QColor) -> None:
        self.ops.append(lambda p: p.fillRect(rect, colour))

    def hline(self, x0: float, x1: float, y: float, colour: QColor = RULE, width: float = 0.5) -> None:
        def op(p: QPainter) -> None:
            p.setPen(QPen(colour, width))
            p.drawLine(QPointF(x0, y), QPointF(x1, y))

        self.ops.append(op)


@dataclass(frozen=True)
class ChartPlacement:
    """Where the trend charts landed: page index, plot areas by chart key (points), and the time span."""

    page: int
    rects: dict[str, QRectF]
    t0: float
    t1: float

    def x_of(self, t: float) -> float:
        rect = next(iter(self.rects.values()))
        return rect.left() + (t - self.t0) / (self.t1 - self.t0) * rect.width()


@dataclass
class ReportLayout:
    session_id: int
    pages: list[Page]
    charts: ChartPlacement | None = None

    def paint(self, index: int, painter: QPainter) -> None:
        """Page `index` onto the painter's device, scaled so the A4 page fills the device's width."""
        scale = painter.device().width() / PAGE_W
        painter.save()
        painter.scale(scale, scale)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        for op in self.pages[index].ops:
            op(painter)
        painter.restore()


class Flow:
    """A cursor down the pages: each block asks for the room it needs and a full page starts the next."""

    def __init__(self) -> None:
        self.pages = [Page()]
        self.y = BODY.top()

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def need(self, height: float) -> bool:
        """Make room for `height` points; True when that took a new page."""
        if self.y + height <= BODY.bottom() or self.y == BODY.top():
            return False
        self.pages.append(Page())
        self.y = BODY.top()
        return True

    def new_page(self) -> None:
        """Start the next block at the top of a page of its own (unless the current page is still empty)."""
        if self.y != BODY.top():
            self.pages.append(Page())
            self.y = BODY.top()

    def text(self, text: str, font: QFont, colour: QColor = INK, after: float = 2.0) -> None:
        height = text_height(text, font, BODY.width())
        self.need(height)
        self.page.text(QRectF(BODY.left(), self.y, BODY.width(), height), text, font, colour)
        self.y += height + after


def text_height(text: str, font: QFont, width: float) -> float:
    return QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 1e6), WRAP, text).height()


def section(flow: Flow, title: str, keep_with: float) -> None:
    """A section heading, moved to the next page with the first `keep_with` points of its content."""
    font = pdf_font(12, bold=True)
    height = text_height(title, font, BODY.width())
    flow.y += 8.0
    flow.need(height + 4.0 + keep_with)
    flow.page.text(QRectF(BODY.left(), flow.y, BODY.width(), height), title, font)
    flow.y += height + 1.0
    flow.page.hline(BODY.left(), BODY.right(), flow.y, INK, 0.6)
    flow.y += 4.0


def fields(flow: Flow, rows: Sequence[tuple[str, str]], label_w: float = 118.0) -> None:
    label_font, value_font = pdf_font(9, bold=True), pdf_font(9)
    value_w = BODY.width() - label_w
    for label, value in rows:
        height = max(text_height(label, label_font, label_w - 4), text_height(value, value_font, value_w))
        flow.need(height)
        flow.page.text(QRectF(BODY.left(), flow.y, label_w - 4, height), label, label_font, MUTED)
        flow.page.text(QRectF(BODY.left() + label_w, flow.y, value_w, height), value, value_font)
        flow.y += height + 2.5
