"""Large numerics tiles: value, unit, age of the value, dimmed when stale, coloured by alarm level.

GUI thread only. A bright number is always a current one: the tile dims when its value is old or the monitor
is not sending. The alarm engine (its own issue) sets `alarm_level`; the colours follow IEC 60601-1-8 as in
shared/clinical.md [IEC-60601-1-8]: high red, medium yellow, low cyan.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

STALE_AFTER_S = 30.0  # a continuous parameter not refreshed for this long is shown dimmed
# A cuff reading is intermittent; clinical.md "Monitoring during infusion": NIBP at least every 15 min, so a
# reading older than that is no longer current.
NIBP_STALE_AFTER_S = 15 * 60.0


class AlarmLevel(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3


# [IEC-60601-1-8] high red, medium yellow, low cyan (clinical.md "Alarm presentation").
ALARM_BACKGROUND = {
    AlarmLevel.NONE: "#101418",
    AlarmLevel.LOW: "#006064",
    AlarmLevel.MEDIUM: "#8d6e00",
    AlarmLevel.HIGH: "#b71c1c",
}


@dataclass(frozen=True)
class TileSpec:
    key: str
    title: str
    unit: str
    colour: str
    params: tuple[str, ...]


TILES = (
    TileSpec("hr", "HR", "/min", "#3ddc84", ("HR",)),
    TileSpec("spo2", "SpO₂", "%", "#4fc3f7", ("SPO2", "PR")),
    TileSpec("nibp", "NIBP", "mmHg", "#eeeeee", ("NIBP_SYS", "NIBP_DIA", "NIBP_MEAN")),
    TileSpec("rr", "RR", "/min", "#ffd54f", ("RR",)),
    TileSpec("etco2", "EtCO₂", "mmHg", "#ffb74d", ("ETCO2",)),
    TileSpec("temp", "Temp", "°C", "#eeeeee", ("TEMP1",)),
)


class NumericTile(QFrame):
    def __init__(self, spec: TileSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"tile_{spec.key}")
        self.title = QLabel(f"{spec.title}  <span style='font-size:13px'>{spec.unit}</span>")
        self.value = QLabel("--")
        self.value.setObjectName(f"value_{spec.key}")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.detail = QLabel("")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.detail)
        self._detail_base = ""
        self.updated_at: float | None = None
        self.sample_time: float | None = None
        self.alarm_level = AlarmLevel.NONE
        self.dimmed = True
        self._paint()

    def set_alarm_level(self, level: AlarmLevel) -> None:
        if level != self.alarm_level:
            self.alarm_level = level
            self._paint()

    def _paint(self) -> None:
        colour = "#5f6b73" if self.dimmed else self.spec.colour
        if self.alarm_level is not AlarmLevel.NONE and not self.dimmed:
            colour = "#ffffff"  # white on the alarm colour reads at a distance
        self.setStyleSheet(
            f"NumericTile {{ background: {ALARM_BACKGROUND[self.alarm_level]}; border: 1px solid #263238;"
            " border-radius: 6px; }"
        )
        base = f"color: {colour}; background: transparent;"
        self.title.setStyleSheet(f"{base} font-size: 18px; font-weight: bold;")
        self.value.setStyleSheet(f"{base} font-size: 52px; font-weight: bold;")
        self.detail.setStyleSheet(f"{base} font-size: 15px;")

    def show_values(self, text: str, detail: str, sample_time: float, now: float, live: bool) -> None:
        self.value.setText(text)
        self.sample_time = sample_time
        self.updated_at = now
        self._detail_base = detail
        self.refresh_age(now, live)

    def show_invalid(self, reason: str) -> None:
        """No valid value now (the monitor or the decoder says why): "--" at once, never the last number."""
        self.value.setText("--")
        self.detail.setText(reason)
        self._detail_base = reason
        self.updated_at = self.sample_time = None
        if not self.dimmed:
            self.dimmed = True
            self._paint()

    def refresh_age(self, now: float, live: bool) -> None:
        """Dim the tile when its value is old, or at once when the monitor is not sending."""
        if self.updated_at is None:
            return
        limit = NIBP_STALE_AFTER_S if self.spec.key == "nibp" else STALE_AFTER_S
        age = now - self.updated_at
        parts = [p for p in (self._detail_base, age_text(age) if age >= 5 else "") if p]
        self.detail.setText("  ·  ".join(parts))
        dim = not live or age > limit
        if dim != self.dimmed:
            self.dimmed = dim
            self._paint()


def age_text(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    return f"{seconds / 60:.0f} min ago"
