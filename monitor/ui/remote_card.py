"""RemoteCard: a chair recorded at another desk, on this station's overview, read-only (issue 17 point 4).

GUI thread. The station card's look and lines (monitor.ui.station_card), read from a remote chair's Qt-free model
(monitor.app.remote_chair.RemoteChair) instead of a local one: the desk's name in the title, the values by the one
currency rule, the infusion, the highest alarm. Its last line says where the session is recorded ("recorded at
desk-b — read-only"), or, while this desk cannot read the clinic database, since when it has had no data.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QWidget

from monitor.app.chair import ChairConfig
from monitor.app.remote_chair import RemoteChair
from monitor.ui.station_card import ChairCard, _initials
from monitor.ui.stylesheet import set_role
from monitor.ui.text import literal


class RemoteCard(ChairCard):
    sigOpenRemote = Signal(object)  # the chair's key (desk, session id)

    def __init__(self, index: int, remote: RemoteChair, parent: QWidget | None = None) -> None:
        super().__init__(index, ChairConfig(remote.chair, None), parent)
        self.key = remote.key
        self.setObjectName(f"remote_card_{remote.desk}_{remote.session.id}")
        set_role(self, "chair-card", alarm="none", remote="true")
        self.setToolTip(
            literal(f"{remote.chair} at {remote.desk} (session {remote.session.id})\n{remote.read_only_text}")
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.sigOpenRemote.emit(self.key)
        QWidget.mousePressEvent(self, event)

    def update_from(self, remote: RemoteChair, now: float) -> None:  # type: ignore[override]
        patient = remote.patient
        # The desk last: on a narrow card it is what gives way (the last line names it whole). No "no patient" here:
        # it pushed the desk out of every title of a desk that had not assigned one yet (seen in the demo).
        parts = [remote.chair, _initials(patient.name) if patient else "", remote.desk]
        self.title.setText(" · ".join(p for p in parts if p))
        self.who.setText(f"nurse {remote.nurse or '—'}")
        link = self._values(remote.values, now)
        self._infusion(remote, now)  # type: ignore[arg-type]
        self.check.setText(remote.hub_lost or remote.read_only_text)
        set_role(self.check, state="not-sending" if remote.hub_lost else "read-only")
        why = "" if link else remote.values.shown("HR", now).note.removeprefix(f"{remote.desk}: ")  # in the title
        self._alarm(remote, why)  # type: ignore[arg-type]
        self._spark(remote)  # type: ignore[arg-type]
