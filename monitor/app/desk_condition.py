"""One standing condition of the desk's links (the clinic database, the EHR interface), told to its listeners and
shown on every recording chair by the worker thread that owns the link.

Qt-free. The worker sets the condition's text (None: it cleared) and, once per pass, calls `tell_chairs()`: each chair
`chairs()` gives now (a next patient's new chair too) is told when what it shows differs, on the worker's thread, so
a chair never waits on the network and a failing chair never stops the others being told.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from monitor.app.alarm_service import AlarmService

log = logging.getLogger(__name__)

ProblemListener = Callable[[str | None], None]
Show = Callable[[AlarmService, str | None], object]


class DeskCondition:
    def __init__(self, name: str, show: Show) -> None:
        self.name = name  # for the log: "the clinic database condition"
        self._show = show
        self._lock = threading.Lock()
        self._listeners: list[ProblemListener] = []
        self._problem: str | None = None
        self._chairs: Callable[[], Iterable[AlarmService]] = tuple
        self._told: dict[int, tuple[AlarmService, str | None]] = {}  # id(service) -> (service, problem shown)

    @property
    def problem(self) -> str | None:
        with self._lock:
            return self._problem

    def add_listener(self, listener: ProblemListener) -> None:
        """Told the text when it appears (or changes) and None when it clears, on the worker thread; hand it on at
        once. A listener added while the condition stands is told at once."""
        with self._lock:
            self._listeners.append(listener)
            problem = self._problem
        if problem is not None:
            listener(problem)

    def watch_chairs(self, chairs: Callable[[], Iterable[AlarmService]]) -> None:
        """Show the condition on every chair `chairs()` gives at each tell_chairs(); `tuple`: none (closing)."""
        self._chairs = chairs

    def set(self, problem: str | None) -> bool:
        """The condition's text now (None: cleared); True when it changed (the listeners were told)."""
        with self._lock:
            if problem == self._problem:
                return False
            self._problem = problem
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(problem)
            except Exception:  # one listener's failure must not stop the others being told
                log.exception("a listener of %s failed", self.name)
        return True

    def tell_chairs(self) -> None:
        problem = self.problem
        told = {}
        for service in self._chairs():
            if service.acquisition.session_id is None:
                continue  # not recording yet: told at the next pass
            before = self._told.get(id(service), (service, None))[1]
            if before != problem:
                try:
                    self._show(service, problem)
                except Exception:  # one chair's failure must not stop the others being told
                    log.exception("%s could not be shown on a chair", self.name)
                    continue
            told[id(service)] = (service, problem)
        self._told = told
