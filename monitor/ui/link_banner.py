"""LinkBanner: the band across the top of a chair's workspace that says whether its monitor is sending.

GUI thread. It shows the chair's link event (monitor.app.live_chair.LiveChair.link) in words a nurse acts on; the
technical reason, for IT, is its tooltip.
"""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from monitor.app.device_door import LinkEvent, LinkState
from monitor.ui.stylesheet import set_role
from monitor.ui.text import literal, plain

_LINK_TEXT = {  # its colour: the stylesheet's role "link" by state (theme.LINK_*)
    LinkState.CONNECTING: "Connecting to monitor…",
    LinkState.RECEIVING: "Receiving",
    LinkState.SILENT: "Monitor silent",
    LinkState.DISCONNECTED: "MONITOR DISCONNECTED",
    LinkState.STOPPED: "Stopped",
}


class LinkBanner(QLabel):
    def __init__(self) -> None:
        super().__init__()
        plain(self)
        self.setObjectName("link_state")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # However long the detail, it never widens the window (issue 16); the whole text is in the banner's place.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
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
        text = f"{_LINK_TEXT[state]} {detail}".strip()
        if self.text() != text:
            self.setText(text)
        set_role(self, "link", state=state.value)
