"""`infusion-monitor hl7 outbox [--release]`: what waits for the EHR on this desk, and putting parked messages back.

A message the EHR refused with AE three times is parked (app.hl7.sender): kept, shown on the desk, not sent again by
itself. IT reads why here, fixes the cause at the engine (a code table, a registration), and releases them: they go
again with their own control ids at the desk's next pass. Signed in: an administrator to release (it is recorded in
the message's delivery history and as a command-line account event), any account to look.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from monitor.timefmt import hm_text


def add_outbox_parser(actions: argparse._SubParsersAction) -> None:
    from monitor.cli.users import add_user_option

    outbox = actions.add_parser("outbox", help="what waits for the EHR on this desk; --release puts parked ones back")
    outbox.add_argument("--db", type=Path, help="database file (default: the one in the user data directory)")
    outbox.add_argument(
        "--release", action="store_true", help="send the parked messages again (administrator; after fixing the cause)"
    )
    add_user_option(outbox)


def outbox_command(args: argparse.Namespace) -> int:
    from monitor.cli.signing_in import signed
    from monitor.clinical.roles import Role

    role = Role.ADMIN if args.release else Role.NURSE
    return signed(_outbox, lambda a: "the EHR outbox" + (": release parked" if a.release else ""), role)(args)


def _outbox(args: argparse.Namespace) -> int:
    from monitor.cli.records import existing_db
    from monitor.storage import db as store
    from monitor.storage import hl7_outbox

    path = existing_db(args.db)
    if path is None:
        return 2
    conn = store.connect(path)
    try:
        count, oldest = hl7_outbox.waiting(conn)
        parked = hl7_outbox.parked(conn)
        since = f" since {hm_text(oldest)}" if oldest is not None else ""
        print(f"{count} message{'' if count == 1 else 's'} for the EHR not yet accepted{since} ({path})")
        for p in parked:
            print(f"  parked {hm_text(p.parked_at)}  {p.key}  control id {p.control_id}  {p.reason}")
        if args.release:
            released = hl7_outbox.release_parked(conn, time.time(), args.signed_in.initials)
            print(f"released {released} parked message{'' if released == 1 else 's'}: sent again, same control ids")
    finally:
        conn.close()
    if parked and not args.release:
        print("fix the cause at the EHR, then: infusion-monitor hl7 outbox --release", file=sys.stderr)
    return 0
