"""`infusion-monitor clinic-db init DSN`: the clinic database's tables, migrations and desk roles (issue 17).

psycopg is imported only when the command runs, so the other commands start as fast as before."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def init(args: argparse.Namespace) -> int:
    import psycopg

    from monitor.storage import hub_schema

    try:
        password = _password(args.desk_password_file)
        reader_password = _password(args.reader_password_file)
    except OSError as exc:
        print(f"clinic-db init: cannot read the password file: {exc}", file=sys.stderr)
        return 2
    try:
        report = hub_schema.init(args.dsn, args.desk_role, password)
        reader_created = _reader(args.dsn, args.reader_role, reader_password)
    except (psycopg.Error, hub_schema.HubSchemaTooNewError) as exc:
        print(f"clinic-db init: {exc}", file=sys.stderr)
        return 1
    if report.applied:
        for version in report.applied:
            print(f"applied migration {version}")
        print(f"clinic database at schema version {report.after} (was {report.before})")
    else:
        print(f"already at schema version {report.after}: nothing to do")
    print(f"desks connect as members of the role {hub_schema.DESK_GROUP} (INSERT and SELECT only)")
    if report.desk_role:
        state = "created" if report.desk_role_created else "already there"
        print(f"desk role {report.desk_role}: {state}, member of {hub_schema.DESK_GROUP}"
              + ("; password set" if password is not None else ""))
    if args.reader_role:
        state = "created" if reader_created else "already there"
        print(f"reader role {args.reader_role}: {state}, SELECT only (reads every desk's record, changes nothing)"
              + ("; password set" if reader_password is not None else ""))
    return 0


def _password(path: Path | None) -> str | None:
    return None if path is None else path.read_text().strip()


def _reader(dsn: str, name: str | None, password: str | None) -> bool:
    """The read-only login role, after the migrations (so it can read every table they made)."""
    if not name:
        return False
    import psycopg

    from monitor.storage.hub_read import ensure_reader_role

    with psycopg.connect(dsn, autocommit=True) as conn:
        return ensure_reader_role(conn, name, password)
