"""RemoteCards: the other desks' chairs on the station overview, below this desk's, read-only (issue 17 point 4).

GUI thread. A heading that says where the cards come from, or since when the clinic database has given nothing
(never hidden, even with no card to show), and a grid of RemoteCards that is rebuilt only when the set of open
remote sessions changes (a session opened, ended or discharged at its desk). Each card opens the chair's read-only
workspace (monitor.ui.remote_workspace). Refreshed by the station's timer, from the Qt-free model that the hub
watcher feeds (monitor.app.hub_watch.OtherDesks).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from monitor.app.hub_watch import OtherDesks
from monitor.ui.remote_card import RemoteCard
from monitor.ui.remote_workspace import RemoteWorkspace
from monitor.ui.stylesheet import set_role
from monitor.ui.text import plain

COLUMNS = 4
RemoteKey = tuple[str, int]


class RemoteCards(QWidget):
    def __init__(self, others: OtherDesks, open_page: Callable[[QWidget, str], None]) -> None:
        super().__init__()
        self.others = others
        self.open_page = open_page
        self.heading = plain(QLabel(""))
        self.heading.setObjectName("other_desks")
        set_role(self.heading, "card-line", state="read-only")
        self.grid = QGridLayout()
        for column in range(COLUMNS):
            self.grid.setColumnStretch(column, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(self.grid, 1)
        self.cards: dict[RemoteKey, RemoteCard] = {}
        self.pages: dict[RemoteKey, RemoteWorkspace] = {}
        self._version = -1

    def refresh(self, now: float | None = None) -> list[RemoteWorkspace]:
        """Apply what the watcher read, then show it; returns the open pages whose session has gone."""
        now = time.time() if now is None else now
        self.others.refresh()
        model = self.others.model
        if model.version != self._version:
            self._version = model.version
            self._rebuild()
        self.heading.setText(self.others.status_text())
        set_role(self.heading, state="not-sending" if model.hub_lost else "read-only")
        for key, card in self.cards.items():
            card.update_from(model.chairs[key], now)
        gone = [self.pages.pop(key) for key in list(self.pages) if key not in model.chairs]
        for page in self.pages.values():
            if page.isVisible():
                page.update_from(now)
        return gone

    def _rebuild(self) -> None:
        """Cards in the model's order (desk, chair); those of sessions still open are kept as they are."""
        chairs = self.others.model.ordered()
        keep = {c.key for c in chairs}
        for card in self.cards.values():
            self.grid.removeWidget(card)  # placed again below, in the new order
        for key in [k for k in self.cards if k not in keep]:
            self.cards.pop(key).deleteLater()
        for i, chair in enumerate(chairs):
            card = self.cards.get(chair.key)
            if card is None:
                card = self.cards[chair.key] = RemoteCard(i, chair)
                card.sigOpenRemote.connect(self.open)
            self.grid.addWidget(card, i // COLUMNS, i % COLUMNS)
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 1 if row < (len(chairs) + COLUMNS - 1) // COLUMNS else 0)

    def open(self, key: RemoteKey) -> RemoteWorkspace | None:
        chair = self.others.model.chairs.get(key)
        if chair is None:
            return None
        page = self.pages.get(key)
        if page is None:
            page = self.pages[key] = RemoteWorkspace(chair)
        page.update_from(time.time())
        self.open_page(page, f"{chair.desk} · {chair.chair} — read-only")
        return page
