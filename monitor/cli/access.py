"""`infusion-monitor access-log --patient MRN`: who opened, printed or exported that patient's records, oldest first.

An administrator's command: `signed(..., Role.ADMIN)` (monitor.cli) refuses anyone else before this runs (exit 3,
"sign-in refused: KM is a nurse: this needs the administrator role"). The chain is verified first: a listing from
an altered log says so before it is read.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime


def access_log(args: argparse.Namespace) -> int:
    from monitor.cli.records import existing_db
    from monitor.storage.access_log import accesses_of_patient, verify_access
    from monitor.storage.db import connect

    path = existing_db(args.db)
    if path is None:
        return 2
    conn = connect(path)
    try:
        check = verify_access(conn)
        try:
            rows = accesses_of_patient(conn, args.patient)
        except KeyError as exc:
            print(f"infusion-monitor: {exc.args[0]} in {path}", file=sys.stderr)
            return 2
    finally:
        conn.close()
    if not check.ok:
        print(f"ACCESS LOG ALTERED: {check.problem} (the rows below may not be what was recorded)")
    print(f"accesses to the records of patient {args.patient} ({len(rows)}):")
    for r in rows:
        at = datetime.fromtimestamp(r.at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        print(f"{at}  {r.who:<6} {r.action:<12} {r.target}")
    return 0 if check.ok else 1
