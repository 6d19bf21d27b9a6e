"""ChairSeat: one chair's workspace from one patient to the next, without a restart.

GUI thread. *Session → Next patient* (a window's sigNextPatient) ends the chair's discharged session and starts a
new one on the same monitor (monitor.app.chair.Chair.next_patient, on a worker thread: closing the port waits for
the link). The new session gets a new window -- fresh forms, charts and tiles, so no value of the previous patient
is left over -- which `place` puts where the old one was (the single window, or the station's page).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from monitor.app.chair import Chair
from monitor.app.desk import Desk
from monitor.ui.background import BackgroundJob
from monitor.ui.facade import SessionFacade
from monitor.ui.main_window import MainWindow

Place = Callable[[MainWindow, MainWindow | None], None]  # (new window, the one it replaces or None)


def open_chair_window(chair: Chair, desk: Desk) -> MainWindow:
    """The workspace of one chair at `desk`: who records is its signed-in account (never typed initials) and the
    workspace locks with it. Its facade listens before the chair starts, so nothing is missed."""
    facade = SessionFacade(chair.acquisition, clock=chair.clock)
    facade.attach_alarms(chair.alarms)
    # the clinic workflow: no infusion without a screening that allows it
    facade.attach_service(chair.start(require_screening=True))
    window = MainWindow(facade, source=chair.source, demo=chair.simulator is not None, courses=chair.courses)
    window.workspace.attach_desk(desk)
    return window


class ChairSeat(QObject):
    sigNewPatient = Signal(object)  # the new MainWindow, once it is in place

    def __init__(self, chair: Chair, place: Place, desk: Desk) -> None:
        """`desk`: who records is its signed-in account and the workspace locks with it."""
        super().__init__()
        self.chair = chair
        self.desk = desk
        self._place = place
        self.job: BackgroundJob | None = None
        self.window = self._open(chair)
        place(self.window, None)

    def _open(self, chair: Chair) -> MainWindow:
        window = open_chair_window(chair, self.desk)
        window.sigNextPatient.connect(self.next_patient)
        return window

    def next_patient(self) -> BackgroundJob:
        """End the old session and start the next on a worker thread; the new window replaces the old one."""
        old = self.window
        self.job = BackgroundJob(
            f"{self.chair.config.name}: next patient", lambda _p, _c: self.chair.next_patient(), old
        )
        self.job.sigFinished.connect(lambda chair: self._swap(old, chair))
        return self.job.start()

    def _swap(self, old: MainWindow, chair: Chair | None) -> None:
        if chair is None:  # the job has told the nurse why; the old session is as it was
            return
        self.chair = chair
        self.window = self._open(chair)
        self._place(self.window, old)
        self.sigNewPatient.emit(self.window)
