"""`infusion-monitor clinic-db init DSN`: the clinic database's tables, migrations and desk roles (issue 17).

psycopg is imported only when the command runs, so the other commands start as fast as before."""

from __future__ import annotations

import argparse
import sys


def init(args: argparse.Namespace) -> int:
    import psycopg

    from monitor.storage import hub_schema

    password = None
    if args.desk_password_file is not None:
        try:
            password = args.desk_password_file.read_text().strip()
        except OSError as exc:
            print(f"clinic-db init: cannot read the password file: {exc}", file=sys.stderr)
            return 2
    try:
        report = hub_schema.init(args.dsn, args.desk_role, password)
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
    return 0
