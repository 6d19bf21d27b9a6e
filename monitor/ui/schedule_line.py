"""ScheduleLine: the line of a chair's workspace that says when the next observation check is due and what it
needs, or that it is overdue, or that the session is closed.

GUI thread. It reads the chair's live model (monitor.app.live_chair.LiveChair): the schedule counts the chair's
cuff readings, and the checks missed are put on the record by the program, each once.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from monitor.app.live_chair import LiveChair
from monitor.clinical.schedule import CheckStatus
from monitor.timefmt import hm_text
from monitor.ui import theme
from monitor.ui.style import show
from monitor.wording import count


class ScheduleLine(QLabel):
    def __init__(self) -> None:
        super().__init__("")
        self.setObjectName("schedule")
        self.setWordWrap(True)

    def refresh(self, live: LiveChair, now: float) -> None:
        discharge = live.service.discharge()
        if discharge is not None:  # closed for real: no check falls due any more
            at = f"{hm_text(discharge.t)} by {discharge.original.initials}"
            show(self, f"Discharged at {at}: session closed. Session → Next patient starts the next.", "")
            return
        live.record_missed_checks(now)
        check, gone = live.next_check(now)
        past = f" · {count(gone, 'check')} missed (on the record)" if gone else ""
        if check is None:
            done = "" if live.infusion(now).started_at is None else "All checks done"
            show(self, done + past, "")
            return
        if check.status is CheckStatus.OVERDUE:
            late = (now - check.due_at) / 60
            text = f"CHECK OVERDUE {late:.0f} min (due {hm_text(check.due_at)}): " + ", ".join(check.missing)
            style = theme.OVERDUE_STYLE
        else:
            left = int(check.due_at - now)
            when = f"in {left // 60}:{left % 60:02d}" if left > 0 else "due now"
            text = f"Next check {hm_text(check.due_at)} {when} — needs " + ", ".join(check.missing) + past
            style = theme.CAUTION_BOLD_STYLE if check.status is CheckStatus.DUE else ""
        show(self, text, style)
