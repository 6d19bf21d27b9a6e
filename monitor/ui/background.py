"""BackgroundJob: long work (replay, export, backup) on a worker thread, with a progress dialog on the GUI thread.

The worker only stores its progress (an atomic tuple swap) and completes a Future; a GUI timer reads both. The
result, or the error shown to the user, arrives through `sigFinished` on the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from monitor.ui.text import literal

Progress = Callable[[int, int], None]
Work = Callable[[Progress, threading.Event], Any]


class BackgroundJob(QObject):
    sigFinished = Signal(object)  # the work's result, or None when it failed or was cancelled

    def __init__(self, title: str, work: Work, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._work = work
        self.cancel = threading.Event()
        self.done: tuple[int, int] = (0, 1)
        self.result: Future[Any] = Future()
        self.progress = QProgressDialog(title, "Cancel", 0, 1000, parent)
        self.progress.setMinimumDuration(300)  # quick jobs finish without a flashing dialog
        self.progress.canceled.connect(self.cancel.set)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._poll)

    def start(self) -> BackgroundJob:
        threading.Thread(target=self._run, name=self.title, daemon=True).start()
        self._timer.start()
        return self

    def _run(self) -> None:
        try:
            self.result.set_result(self._work(self._on_progress, self.cancel))
        except Exception as exc:  # reported to the user in _poll, never swallowed
            self.result.set_exception(exc)

    def _on_progress(self, done: int, total: int) -> None:
        self.done = (done, total)

    def _poll(self) -> None:
        done, total = self.done
        self.progress.setValue(int(1000 * done / max(total, 1)))
        if not self.result.done():
            return
        self._timer.stop()
        self.progress.reset()
        error = self.result.exception()
        if error is not None:
            QMessageBox.warning(self.parent(), self.title, literal(f"{self.title} failed: {error}"))
            self.sigFinished.emit(None)
            return
        self.sigFinished.emit(self.result.result())
