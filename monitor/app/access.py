"""The app's doors to a record leave an access-log row (storage.access_log): who opened or exported which session.

`who` is the signed-in account's initials (the command line's `signed`, the window's Desk.require). Where no
account exists yet (a desk before its first administrator) the operating-system user "os:<name>" is recorded: the
only identity the process has, never a blank row.

The window's rows (RecordAccess) are written on a worker thread (the review's reading job, the export's writing
job, the course view's own job), never on the GUI thread: each is its own small transaction on a connection of
its own, so it waits for the desk's SessionWriter thread (WAL: readers never wait, but one writer at a time; the
writer commits every half second) and then fsyncs the chain's anchor file (storage.chain_anchor) — short, but
not bounded enough for the GUI thread.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from monitor.app.desk import Desk
from monitor.app.session_record import SessionRecord
from monitor.storage.access_log import AccessAction, course_target, record_access, session_target
from monitor.storage.db import connect
from monitor.storage.hub_read import HubAddress

EXPORT_ACTIONS = {"pdf": AccessAction.PDF, "csv": AccessAction.CSV, "fhir": AccessAction.FHIR}


def export_action(format_name: str) -> AccessAction:
    return EXPORT_ACTIONS.get(format_name, AccessAction.EXPORT)


def os_user() -> str:
    return f"os:{getpass.getuser()}"


def log_session_access(db_path: Path, who: str, action: AccessAction, session_id: int | HubAddress) -> None:
    """One access-log row in the desk's database (its own transaction). A session of another desk, read from the
    clinic database, is named by its desk and id there ("session:desk-b:12")."""
    _log(db_path, who, action, session_target(session_id) if isinstance(session_id, int) else f"session:{session_id}")


def log_course_access(db_path: Path, who: str, patient_id: int, course_id: int | None) -> None:
    """The course view showed a patient's course (or, with no course yet, the patient): one row."""
    _log(db_path, who, AccessAction.COURSE_VIEW, course_target(course_id) if course_id is not None
         else f"patient:{patient_id}")


def _log(db_path: Path, who: str, action: AccessAction, target: str) -> None:
    conn = connect(db_path)
    try:
        record_access(conn, who, action, target)
    finally:
        conn.close()


def who_at(desk: Desk | None, action: str) -> str:
    """Who does `action` at this desk: the signed-in account's initials; NotSignedIn ("The desk is locked: sign
    in to <action>") when it is locked; the operating-system user where the desk has no account yet."""
    return desk.require(action).initials if desk is not None else os_user()


@dataclass(frozen=True, slots=True)
class RecordAccess:
    """Where, and as whom, the window's doors to a record (review, course view, export) leave their rows."""

    db_path: Path  # the desk's own database: its access log, also for a record read from the clinic database
    who: Callable[[str], str]  # who_at(the desk, action), asked when the door is used (NotSignedIn when locked)


NAMELESS_FORMATS = {"csv"}  # for analysis: no name, MRN or date of birth (README, "Review and export")


def export_warning(record: SessionRecord, fmt: str, destination: Path) -> str:
    """What every export says (the window before it writes, the command line on stderr): whose record, where to,
    and that it identifies the patient — also the nameless CSV, whose dates and free text can."""
    p = record.patient
    whose = f"{p.name} (MRN {p.mrn})" if p is not None else f"session {record.session.id} (not assigned to a patient)"
    detail = (" (name, MRN and date of birth)" if p is not None and fmt not in NAMELESS_FORMATS
              else ": no name or MRN, but its dates, clinical values and free-text notes can identify the patient")
    return (
        f"Exporting {whose} as {fmt.upper()} to {destination}. It contains patient-identifying data{detail}. Keep "
        "it where only the care team can read it; the files are created readable by this operating-system user "
        "only (mode 0600)."
    )
