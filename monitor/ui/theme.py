"""The palette: every colour a widget shows, by what it means, and the few label styles built from them.

Widgets name a colour by its meaning here instead of writing hex strings, so one look is defined once (the
station card and the workspace grey a value that is not current alike; an error reads the same red everywhere).
"""

from __future__ import annotations

from monitor.clinical.alarm_limits import AlarmPriority

# [IEC-60601-1-8] high red, medium yellow, low cyan (clinical.md "Alarm presentation"), and the text on each.
ALARM = {AlarmPriority.HIGH: "#d50000", AlarmPriority.MEDIUM: "#ffd600", AlarmPriority.LOW: "#00bcd4"}
TEXT_ON_ALARM = {AlarmPriority.HIGH: "white", AlarmPriority.MEDIUM: "black", AlarmPriority.LOW: "black"}
ALARM_UNLIT = "#37474f"  # a flashing alarm row in its dark phase
# A numeric tile's background by alarm level (darker shades, so its white number stays readable).
TILE_LOW = "#006064"
TILE_MEDIUM = "#8d6e00"
BANNER_RED = "#b71c1c"  # storage failure, overdue check, monitor disconnected, a tile in high alarm

# The link to the monitor.
LINK_IDLE = "#455a64"  # connecting, stopped
LINK_RECEIVING = "#1b5e20"
LINK_SILENT = "#e65100"  # also a station card's frame while its monitor is not sending

# Text.
ERROR = "#ff5252"
OK = "#81c784"
CAUTION = "#ffb74d"
NOT_CURRENT = "#78909c"  # a value that is not current: grey, never the bright white of a current one
DIMMED = "#5f6b73"  # a tile whose value is not current
CARD_TEXT = "#eceff1"
LIMIT_MARK = "#90a4ae"

# Surfaces.
PANEL = "#101418"  # tiles, station cards, the card's small trend
BORDER = "#263238"

# The colour of each parameter, the same on its tile, its trend curve and the station card.
HR = "#3ddc84"
SPO2 = "#4fc3f7"
NIBP = "#eeeeee"
NIBP_MEAN = "#9e9e9e"
RR = "#ffd54f"
ETCO2 = "#ffb74d"
TEMP = "#eeeeee"

# Label styles used in several widgets.
ERROR_STYLE = f"color: {ERROR};"
ERROR_BOLD_STYLE = f"color: {ERROR}; font-weight: bold;"
OK_STYLE = f"color: {OK};"
NOT_CURRENT_STYLE = f"color: {NOT_CURRENT};"
OK_BOLD_STYLE = f"color: {OK}; font-weight: bold;"


def message_style(error: bool, bold_error: bool = False) -> str:
    """A message to the nurse: red when it is an error (bold where it must stand out), green otherwise."""
    if error:
        return ERROR_BOLD_STYLE if bold_error else ERROR_STYLE
    return OK_STYLE
