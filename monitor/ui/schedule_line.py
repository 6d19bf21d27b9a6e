"""ScheduleLine: the head of a chair's *Check* group: when the next observation check is due (a countdown, always
shown), or that it is overdue, or that the session is closed; and beneath it (`needs`) what that check still needs.
Under the esketamine-rems protocol the schedule also holds its three BP checks (clinical.schedule.rems_bp_checks),
named here with their source.

GUI thread. It reads the chair's live model (monitor.app.live_chair.LiveChair): the schedule counts the chair's
cuff readings, and the checks missed are put on the record by the program, each once. Its looks are roles of the
one stylesheet (monitor.ui.stylesheet): "check" with its state, read at 2 m; "check-needs".
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from monitor.app.live_chair import LiveChair
from monitor.clinical.schedule import BP_BEFORE_DOSING, CheckStatus
from monitor.timefmt import hm_text
from monitor.ui.stylesheet import set_role
from monitor.wording import count

# The schedule's requirements (clinical.schedule.REQUIREMENTS) as the Check group's controls name them.
NEEDS_WORDS = {
    "vitals": "a cuff reading (NIBP)",
    "sedation score": "a sedation score (RASS or MOAA/S)",
    "dissociation": "the dissociation rating",
    "side-effect review": "the side-effect review",
}


class ScheduleLine(QLabel):
    def __init__(self) -> None:
        super().__init__("")
        self.setObjectName("schedule")
        self.setWordWrap(True)
        set_role(self, "check", state="")
        self.needs = QLabel("")
        self.needs.setObjectName("schedule_needs")
        self.needs.setWordWrap(True)
        set_role(self.needs, "check-needs")

    def _show(self, text: str, needs: str = "", state: str = "") -> None:
        if self.text() != text:
            self.setText(text)
        if self.needs.text() != needs:
            self.needs.setText(needs)
        set_role(self, state=state)

    def refresh(self, live: LiveChair, now: float) -> None:
        discharge = live.service.discharge()
        if discharge is not None:  # closed for real: no check falls due any more
            at = f"{hm_text(discharge.t)} by {discharge.original.initials}"
            self._show(f"Discharged at {at}: session closed.", "Session → Next patient starts the next.")
            return
        live.record_missed_checks(now)
        check, gone = live.next_check(now)
        past = f"{count(gone, 'check')} missed (on the record)." if gone else ""
        if check is None:
            started = live.infusion(now).started_at is not None
            self._show("All checks done" if started else "No check due yet", past or "Checks start with the infusion.")
            return
        needs = "Still needed: " + ", ".join(NEEDS_WORDS.get(m, m) for m in check.missing) + "."
        needs = f"{needs} {past}".strip()
        if check.status is CheckStatus.OVERDUE:
            late = (now - check.due_at) / 60
            self._show(f"CHECK OVERDUE {late:.0f} min (due {hm_text(check.due_at)})", needs, "overdue")
            return
        left = int(check.due_at - now)
        when = f"in {left // 60}:{left % 60:02d}" if left > 0 else "due now"
        state = "due" if check.status is CheckStatus.DUE else ""
        if check.what == BP_BEFORE_DOSING:  # due until the infusion starts: no clock time to give
            self._show(f"{check.what} ([PI]/[REMS]) · due now", needs, "due")
            return
        what = f"{check.what} ([PI]/[REMS])" if check.what else "Next check"
        self._show(f"{what} {hm_text(check.due_at)} · {when}", needs, state)
