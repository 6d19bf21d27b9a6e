"""The app's doors to a record leave an access-log row (storage.access_log): who opened or exported which session.

`who` is the signed-in account's initials. Until the command line signs in (issue 18, acc), a command-line export
records the operating-system user as "os:<name>" — the only identity the process has; the account replaces it.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from monitor.storage.access_log import AccessAction, record_access, session_target
from monitor.storage.db import connect

EXPORT_ACTIONS = {"pdf": AccessAction.PDF, "csv": AccessAction.CSV, "fhir": AccessAction.FHIR}


def export_action(format_name: str) -> AccessAction:
    return EXPORT_ACTIONS.get(format_name, AccessAction.EXPORT)


def os_user() -> str:
    return f"os:{getpass.getuser()}"


def log_session_access(db_path: Path, who: str, action: AccessAction, session_id: int) -> None:
    """One access-log row in the desk's database (its own transaction)."""
    conn = connect(db_path)
    try:
        record_access(conn, who, action, session_target(session_id))
    finally:
        conn.close()
