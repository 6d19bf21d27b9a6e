"""The one stylesheet of the program: every look a label or a box takes, by its role, built from theme's colours.

A widget says what it is (`set_role(label, "readout")`) and, where its look changes with its state, that state
(`set_role(line, "check", state="overdue")`); this sheet says how each looks. The application installs it once
(monitor.ui.app, and the tests' QApplication in tests/conftest.py), so a test renders what the nurse sees.

Sizes for reading at 2 m (issue 16): the issue found the 18-20 px bold alarm rows and the link bar readable from
2 m at 1920x1080 (a screenshot at one third scale), and the 15 px infusion and check lines not; so what must be
read across the room is at least READ_AT_2M_PX, bold, and the numerics larger. Pixel sizes, not points: what
a desk shows is set by its pixels, whatever DPI the system reports.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

from monitor.ui import theme
from monitor.ui.tiles import TILES

READ_AT_2M_PX = 22  # bold; the alarm rows (18-20 px bold) were the smallest text the issue could read at 2 m
LARGE_PX = 26  # the infusion state and the next check: the two things looked for first after the numbers
NORMAL_PX = 15

_CHECK = f"""
QLabel[role="check"] {{ font-size: {LARGE_PX}px; font-weight: bold; padding: 2px; }}
QLabel[role="check"][state="due"] {{ color: {theme.CAUTION}; }}
QLabel[role="check"][state="overdue"] {{ background: {theme.BANNER_RED}; color: white; }}
QLabel[role="check-needs"] {{ font-size: {NORMAL_PX + 1}px; }}  /* at the desk: 22 px took 4 lines */
"""

_INFUSION = f"""
QLabel[role="infusion-state"] {{ font-size: {LARGE_PX}px; font-weight: bold; }}
QLabel[role="infusion-state"][state="running"] {{ color: #66bb6a; }}
QLabel[role="infusion-state"][state="paused"] {{ color: #ffa726; }}
QLabel[role="infusion-state"][state="not started"], QLabel[role="infusion-state"][state="stopped"] {{
    color: {theme.LIMIT_MARK};
}}
QLabel[role="readout"] {{ font-size: {READ_AT_2M_PX}px; font-weight: bold; }}
QLabel[role="detail"] {{ font-size: {NORMAL_PX}px; }}
"""

_MESSAGES = f"""
QLabel[role="message"] {{ font-size: {READ_AT_2M_PX}px; }}
QLabel[role="message"][tone="ok"] {{ color: {theme.OK}; }}
QLabel[role="message"][tone="error"] {{ color: {theme.ERROR}; font-weight: bold; }}
QLabel[role="status"] {{ color: {theme.CAUTION}; font-size: 16px; }}
QLabel[role="banner"] {{
    background: {theme.BANNER_RED}; color: white; font-size: {READ_AT_2M_PX}px; font-weight: bold; padding: 4px;
}}
QLabel[role="settings-notice"] {{
    background: {theme.CAUTION}; color: black; font-size: {NORMAL_PX + 2}px; font-weight: bold; padding: 2px 6px;
}}
"""

_LINK = f"""
QLabel[role="link"] {{ color: white; font-size: {READ_AT_2M_PX}px; font-weight: bold; padding: 4px; }}
QLabel[role="link"][state="connecting"], QLabel[role="link"][state="stopped"] {{ background: {theme.LINK_IDLE}; }}
QLabel[role="link"][state="receiving"] {{ background: {theme.LINK_RECEIVING}; }}
QLabel[role="link"][state="silent"] {{ background: {theme.LINK_SILENT}; }}
QLabel[role="link"][state="disconnected"] {{ background: {theme.BANNER_RED}; }}
"""

_GROUPS = f"""
QGroupBox[role="check-group"] {{ font-size: {NORMAL_PX + 2}px; font-weight: bold; }}
"""

# Other windows add their rules in sections of their own below, each at the end (one hunk each, for merges).
STYLESHEET = _CHECK + _INFUSION + _MESSAGES + _LINK + _GROUPS

# Records and dialogs: a read-only field (a started infusion's drug, concentration and weight: corrected by
# amending the entry) is drawn on the window's own background with a dotted outline, not as a white box to type in.
_READ_ONLY = """
QLineEdit:read-only { background: palette(window); border: 1px dotted palette(mid); padding: 1px 2px; }
"""
STYLESHEET += _READ_ONLY


def install(app: QApplication) -> None:
    """The program's look, app-wide (once: re-setting a sheet re-polishes every widget)."""
    if app.styleSheet() != STYLESHEET:
        app.setStyleSheet(STYLESHEET)


def set_role(widget: QWidget, role: str | None = None, **states: str) -> None:
    """Give a widget its role (and its state properties: `state="overdue"`), re-polished only on a change:
    the sheet's property selectors are matched when a widget is polished, not when a property changes."""
    wanted = ({"role": role} if role is not None else {}) | states
    changed = False
    for name, value in wanted.items():
        if widget.property(name) != value:
            widget.setProperty(name, value)
            changed = True
    if changed:
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)
        widget.update()


# --- The station overview's chair cards (monitor.ui.station_card): 8 chairs on 1920x1080, read at 2 m. ---
CARD_NUMBER_PX = 46  # as large as a 4x2 grid's card allows (two rows of numbers, the lines and the trend)
CARD_TITLE_PX = 28
CARD_LINE_PX = 21  # a cap height of 15 px, read at 2 m; 22 px cut "Running 0.5 mg/kg/h · 31 min · 19 mg"
CARD_NOTE_PX = 16  # a value's name and its age or reason, read near the desk
# fit="compact": a card too short for these (8 chairs on a 1366x768 desk) takes smaller sizes, never overlapping.

_CARD_VALUES = "\n".join(f'QLabel[param="{spec.key}"] {{ color: {spec.colour}; }}' for spec in TILES)
# The whole card in its highest alarm's colour: the IEC 60601-1-8 colour (theme.ALARM) on its frame and alarm line,
# the tiles' darker shade of it behind the numbers (white stays readable on it).
CARD_BACKGROUND = {"HIGH": theme.BANNER_RED, "MEDIUM": theme.TILE_MEDIUM, "LOW": theme.TILE_LOW}
_CARD_ALARMS = "\n".join(
    f'QWidget[role="chair-card"][alarm="{p.name.lower()}"] {{ background: {CARD_BACKGROUND[p.name]};'
    f" border-color: {lit}; }}\n"
    f'QLabel[role="card-line"][alarm="{p.name.lower()}"] {{ background: {lit}; color: {theme.TEXT_ON_ALARM[p]}; }}'
    for p, lit in theme.ALARM.items()
)
_STATION_CARD = f"""
QWidget[role="chair-card"] {{ background: {theme.PANEL}; border: 4px solid {theme.BORDER}; border-radius: 6px; }}
QWidget[role="chair-card"][alarm="not-sending"] {{ border-color: {theme.LINK_SILENT}; }}
QWidget[role="chair-card"][remote="true"] {{ border-style: dashed; }}
{_CARD_ALARMS}
QLabel[role="card-title"] {{ color: {theme.CARD_TEXT}; font-size: {CARD_TITLE_PX}px; font-weight: bold; }}
QLabel[role="card-note"] {{ color: {theme.CARD_TEXT}; font-size: {CARD_NOTE_PX}px; }}
QLabel[role="card-line"] {{
    color: {theme.CARD_TEXT}; font-size: {CARD_LINE_PX}px; font-weight: bold; padding: 0 4px; border: none;
}}
QLabel[role="card-line"][state="not-sending"] {{ color: {theme.CAUTION}; }}
QLabel[role="card-line"][state="overdue"] {{ background: {theme.BANNER_RED}; color: white; }}
QLabel[role="card-line"][state="read-only"] {{ color: {theme.NOT_CURRENT}; font-weight: normal; }}
QLabel[role="remote-banner"] {{
    background: {theme.PANEL}; color: {theme.CARD_TEXT}; font-size: {CARD_NOTE_PX + 2}px; font-weight: bold;
    border: 2px dashed {theme.NOT_CURRENT}; padding: 4px;
}}
QLabel[role="remote-line"] {{ font-size: {CARD_NOTE_PX + 2}px; font-weight: bold; padding: 2px; }}
QLabel[role="card-value"] {{ font-size: {CARD_NUMBER_PX}px; font-weight: bold; }}
QLabel[role="card-value-name"] {{ font-size: {CARD_NOTE_PX}px; font-weight: bold; }}
QLabel[role="card-value-note"] {{ font-size: {CARD_NOTE_PX}px; }}
{_CARD_VALUES}
QLabel[param][state="not-current"] {{ color: {theme.NOT_CURRENT}; }}
QLabel[role="card-title"][fit="compact"] {{ font-size: {CARD_TITLE_PX - 8}px; }}
QLabel[role="card-line"][fit="compact"] {{ font-size: {CARD_LINE_PX - 3}px; }}
QLabel[role="card-value"][fit="compact"] {{ font-size: {CARD_NUMBER_PX - 16}px; }}
QLabel[role="card-value-name"][fit="compact"], QLabel[role="card-value-note"][fit="compact"],
QLabel[role="card-note"][fit="compact"] {{ font-size: {CARD_NOTE_PX - 3}px; }}
"""
STYLESHEET += _STATION_CARD
