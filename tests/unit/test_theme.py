"""monitor.ui.theme is the one home of the screen's colours: widgets name them, none writes their hex again."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.clinical.alarm_limits import AlarmPriority
from monitor.ui import theme

UI = Path(theme.__file__).parent
# The PDF (report_pdf.py and its drawing modules) prints black on white: its own palette, not the screen's.
PRINT_PALETTE = {"report_pdf.py", "report_pdf_charts.py", "report_pdf_page.py"}


def _theme_colours() -> set[str]:
    return {v.lower() for v in vars(theme).values() if isinstance(v, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", v)}


def test_no_widget_writes_a_theme_colour_itself() -> None:
    colours = _theme_colours() | {v.lower() for v in theme.ALARM.values()}
    assert {"#ff5252", "#b71c1c", "#78909c", "#d50000"} <= colours
    found = {
        (path.name, hex_)
        for path in UI.glob("*.py")
        if path.name != "theme.py" and path.name not in PRINT_PALETTE
        for hex_ in re.findall(r"#[0-9a-fA-F]{6}", path.read_text(encoding="utf-8"))
        if hex_.lower() in colours
    }
    assert not found, f"name these colours from monitor.ui.theme: {sorted(found)}"


def test_alarm_colours_and_message_styles() -> None:
    assert theme.ALARM[AlarmPriority.HIGH] == "#d50000", "[IEC-60601-1-8] high priority is red"
    assert theme.message_style(True) == "color: #ff5252;"
    assert theme.message_style(True, bold_error=True) == "color: #ff5252; font-weight: bold;"
    assert theme.message_style(False) == "color: #81c784;"
