"""LinkBanner: the band across the top of a chair's workspace that says whether its monitor is sending.

GUI thread. It shows the chair's link event (monitor.app.live_chair.LiveChair.link) in words a nurse acts on; the
technical reason, for IT, is its tooltip.
"""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from monitor.app.device_door import LinkEvent, LinkState
from monitor.ui import theme
from monitor.ui.text import literal, plain

_LINK_TEXT = {
    LinkState.CONNECTING: ("Connecting to monitor…", theme.LINK_IDLE),
    LinkState.RECEIVING: ("Receiving", theme.LINK_RECEIVING),
    LinkState.SILENT: ("Monitor silent", theme.LINK_SILENT),
    LinkState.DISCONNECTED: ("MONITOR DISCONNECTED", theme.BANNER_RED),
    LinkState.STOPPED: ("Stopped", theme.LINK_IDLE),
}


class LinkBanner(QLabel):
    def __init__(self) -> None:
        super().__init__()
        plain(self)
        self.setObjectName("link_state")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._set(LinkState.CONNECTING, "")

    def show_event(self, event: LinkEvent | None) -> None:
        """The event's state, with how long a silence or a disconnection has lasted."""
        if event is None:
            return
        detail = ""
        if event.state is LinkState.SILENT:
            detail = f"for {time.time() - event.since:.0f} s — check that the monitor's data output is on"
        elif event.state is LinkState.DISCONNECTED:
            since = datetime.fromtimestamp(event.since).strftime("%H:%M:%S")
            detail = f"since {since} — check the cable to {event.port}"
        self._set(event.state, detail)
        self.setToolTip(literal(event.detail))  # the technical reason, for IT, without crowding the banner

    def _set(self, state: LinkState, detail: str) -> None:
        text, colour = _LINK_TEXT[state]
        self.setText(f"{text} {detail}".strip())
        self.setStyleSheet(f"background: {colour}; color: white; font-size: 20px; font-weight: bold; padding: 4px;")
