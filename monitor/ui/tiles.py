"""Large numerics tiles: value, unit, age of the value, dimmed when stale, coloured by alarm level.

GUI thread only. A bright number is always a current one: the tile shows what monitor.clinical.currency decided
(invalid at once as "--" with the reason, stale dimmed with its age). The alarm engine sets `alarm_level`; the
colours follow IEC 60601-1-8 as in shared/clinical.md [IEC-60601-1-8]: high red, medium yellow, low cyan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from monitor.app.latest_values import LatestValues
from monitor.clinical.currency import Currency, ShownValue
from monitor.timefmt import age_text
from monitor.ui import theme


class AlarmLevel(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3


# [IEC-60601-1-8] high red, medium yellow, low cyan (clinical.md "Alarm presentation").
ALARM_BACKGROUND = {
    AlarmLevel.NONE: theme.PANEL,
    AlarmLevel.LOW: theme.TILE_LOW,
    AlarmLevel.MEDIUM: theme.TILE_MEDIUM,
    AlarmLevel.HIGH: theme.BANNER_RED,
}


@dataclass(frozen=True)
class TileSpec:
    key: str
    title: str
    unit: str
    colour: str
    params: tuple[str, ...]


TILES = (
    TileSpec("hr", "HR", "/min", theme.HR, ("HR",)),
    TileSpec("spo2", "SpO₂", "%", theme.SPO2, ("SPO2", "PR")),
    TileSpec("nibp", "NIBP", "mmHg", theme.NIBP, ("NIBP_SYS", "NIBP_DIA", "NIBP_MEAN")),
    TileSpec("rr", "RR", "/min", theme.RR, ("RR",)),
    TileSpec("etco2", "EtCO₂", "mmHg", theme.ETCO2, ("ETCO2",)),
    TileSpec("temp", "Temp", "°C", theme.TEMP, ("TEMP1",)),
)
# The widest value each tile must show whole: its width is set from this, never from what it shows now, so a new
# value or a long reason beneath it ("No valid value: …") moves nothing and never widens the window (issue 16).
MARGIN = 6
WIDEST_VALUE = {"hr": "000", "spo2": "100", "nibp": "000/000", "rr": "00", "etco2": "00", "temp": "00.0"}


class NumericTile(QFrame):
    def __init__(self, spec: TileSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"tile_{spec.key}")
        self.title = QLabel(f"{spec.title} <span style='font-size:13px'>{spec.unit}</span>")
        self.value = QLabel("--")
        self.value.setObjectName(f"value_{spec.key}")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.detail = QLabel("")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, 4, MARGIN, 4)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.detail)
        self.currency = Currency.NONE
        self.alarm_level = AlarmLevel.NONE
        self.dimmed = True
        self._paint()
        for label in (self.title, self.value, self.detail):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, label.sizePolicy().verticalPolicy())
        self.value.ensurePolished()
        self.title.ensurePolished()
        unit_font = QFont(self.title.font())
        unit_font.setPixelSize(13)  # the unit's size in the title
        unit = QFontMetrics(unit_font).horizontalAdvance(spec.unit)
        title = self.title.fontMetrics().horizontalAdvance(f"{spec.title}  ") + unit
        widest = max(self.value.fontMetrics().horizontalAdvance(WIDEST_VALUE[spec.key]), title)
        self.setMinimumWidth(widest + 2 * MARGIN + 4)

    def set_alarm_level(self, level: AlarmLevel) -> None:
        if level != self.alarm_level:
            self.alarm_level = level
            self._paint()

    def _paint(self) -> None:
        colour = theme.DIMMED if self.dimmed else self.spec.colour
        if self.alarm_level is not AlarmLevel.NONE and not self.dimmed:
            colour = "#ffffff"  # white on the alarm colour reads at a distance
        self.setStyleSheet(
            f"NumericTile {{ background: {ALARM_BACKGROUND[self.alarm_level]}; border: 1px solid {theme.BORDER};"
            " border-radius: 6px; }"
        )
        base = f"color: {colour}; background: transparent;"
        self.title.setStyleSheet(f"{base} font-size: 18px; font-weight: bold;")
        self.value.setStyleSheet(f"{base} font-size: 52px; font-weight: bold;")
        self.detail.setStyleSheet(f"{base} font-size: 15px;")

    def display(self, text: str, shown: ShownValue, detail: str = "") -> None:
        """Show a value as the currency rule judged it: invalid at once as "--" with the reason, stale dimmed
        with its age, current bright. `text` is the number(s) (shown.text, or "120/80" for NIBP)."""
        self.currency = shown.currency
        invalid = shown.currency in (Currency.INVALID, Currency.NONE)
        age = age_text(shown.age_s) if shown.age_s is not None and shown.age_s >= 5 and not invalid else ""
        parts = [shown.note or detail] if invalid else [detail, age]  # no value yet: the detail says why
        if self.value.text() != ("--" if invalid else text):
            self.value.setText("--" if invalid else text)
        detail_text = " · ".join(p for p in parts if p)
        if self.detail.text() != detail_text:
            self.detail.setText(detail_text)
        dim = not shown.current
        if dim != self.dimmed:
            self.dimmed = dim
            self._paint()


def render_tiles(tiles: Mapping[str, NumericTile], values: LatestValues, now: float) -> None:
    """Every tile from a chair's LatestValues, through the one currency rule (a local chair's or a remote one's)."""
    for spec in TILES:
        if spec.key == "nibp":
            nibp = values.nibp(now)
            mean = f"({nibp.mean.text})" if nibp.mean.value is not None else ""
            detail = f"{mean} measuring…".strip() if nibp.measuring else mean
            if nibp.sys.value is None and not nibp.measuring:
                detail = "No cuff reading yet"
            tiles["nibp"].display(nibp.text, nibp.sys, detail)  # the age counts from the reading itself
            continue
        shown = values.shown(spec.params[0], now)
        detail = ""
        if spec.key == "spo2":
            pr = values.shown("PR", now)
            detail = f"PR {pr.text}" if pr.current else ""
        tiles[spec.key].display(shown.text, shown, detail)
