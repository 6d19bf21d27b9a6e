"""`infusion-monitor users add|list|disable|reset-pin [--db]`: the accounts, on the command line (issue 18 point 1).

An administrator signs in first (--user / INFUSION_MONITOR_USER, secret on the terminal or stdin), except for the
very first account of a database, which is its first administrator. New secrets are typed twice, never argv.

With a clinic database (--clinic-db DSN, else clinic.json's) the accounts are the clinic's: they change on it (and
are refused while it cannot be reached), and this desk's copy is brought up to date first (app.clinic_accounts)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.signing_in import NOT_SIGNED_IN, read_new_secret, record_command_access, sign_in
from monitor.clinical.roles import Account, Role

if TYPE_CHECKING:
    from monitor.app.accounts import AccountService


def users(args: argparse.Namespace) -> int:
    from monitor.app.accounts import AccountService, SignInError
    from monitor.app.clinic_accounts import UNREACHABLE, account_service
    from monitor.storage.paths import default_db_path

    db = args.db or default_db_path()  # `users --db FILE` manages FILE's accounts, even a new file's first
    clinic_db = _clinic_db(args)
    accounts: AccountService | None = None
    if clinic_db is not None:  # the clinic's accounts: the desk's copy first brought up to date
        accounts = account_service(db, clinic_db)
        if not accounts.pull():
            if args.users_command != "list":
                print(f"infusion-monitor: {UNREACHABLE}", file=sys.stderr)
                return 1
            print("infusion-monitor: the clinic database cannot be reached: this is the desk's last copy",
                  file=sys.stderr)
    first = args.users_command == "add" and (
        not accounts.has_any() if accounts is not None else (not db.is_file() or not AccountService(db).has_any())
    )
    admin: Account | None = None
    if not first and not db.is_file():
        print(f"infusion-monitor: no database at {db}", file=sys.stderr)
        return 2
    if not first:
        admin = sign_in(args, at_least=Role.ADMIN, accounts=accounts)
        if admin is None:
            return NOT_SIGNED_IN
        record_command_access(args, admin, f"users {args.users_command}", getattr(args, "initials", "") or "")
    accounts = accounts or AccountService(db)
    try:
        return _ACTIONS[args.users_command](accounts, args, admin)
    except SignInError as exc:
        print(f"infusion-monitor: {exc.message}", file=sys.stderr)
        return 1


def _add(accounts: AccountService, args: argparse.Namespace, admin: Account | None) -> int:
    role = Role(args.role)
    if admin is None and role is not Role.ADMIN:
        print("infusion-monitor: the database has no account yet: the first one is an administrator "
              "(users add --role admin)", file=sys.stderr)
        return 1
    secret = read_new_secret(args.initials.upper())
    if secret is None:
        return 1
    account = accounts.add(args.name, args.initials, role, secret, by=admin)
    print(f"added {account.initials} ({account.name}), {account.role.label}")
    return 0


def _list(accounts: AccountService, _args: argparse.Namespace, _admin: Account | None) -> int:
    for a in accounts.list():
        print(f"{a.initials:<5} {a.role.value:<8} {'active' if a.active else 'disabled':<9} {a.name}")
    return 0


def _disable(accounts: AccountService, args: argparse.Namespace, admin: Account | None) -> int:
    assert admin is not None
    account = accounts.disable(args.initials, by=admin)
    print(f"disabled {account.initials} ({account.name})")
    return 0


def _reset(accounts: AccountService, args: argparse.Namespace, admin: Account | None) -> int:
    assert admin is not None
    secret = read_new_secret(args.initials.upper())
    if secret is None:
        return 1
    accounts.reset_secret(args.initials, secret, by=admin)
    print(f"new PIN or password set for {args.initials.upper()} (and its lock cleared)")
    return 0


def _clinic_db(args: argparse.Namespace):  # -> ClinicDb | None
    """--clinic-db / --desk, else clinic.json's (as `run` and `record` take them)."""
    from monitor.cli.live import _clinic, clinic_db

    clinic = _clinic(None)
    return clinic_db(args, clinic) if clinic is not None else None


_ACTIONS = {"add": _add, "list": _list, "disable": _disable, "reset-pin": _reset}


def add_users_parser(sub: argparse._SubParsersAction) -> None:
    users_p = sub.add_parser("users", help="staff accounts: add, list, disable, reset a PIN (an administrator's)")
    actions = users_p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an account (the first one of a database: its first administrator)")
    add.add_argument("--name", required=True, help="the person's name")
    add.add_argument("--initials", required=True, help="2-4 letters, unique in the clinic")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.NURSE.value)
    actions.add_parser("list", help="list the accounts")
    dis = actions.add_parser("disable", help="disable an account (never deleted; not the last administrator)")
    dis.add_argument("initials")
    reset = actions.add_parser("reset-pin", help="set a new PIN or password (clears a lockout)")
    reset.add_argument("initials")
    for p in (add, *[actions.choices[n] for n in ("list", "disable", "reset-pin")]):
        p.add_argument("--db", type=Path, help="database file (default: in the user data directory)")
        p.add_argument("--clinic-db", metavar="DSN", help="the clinic database whose accounts these are (default: "
                       "clinic.json's clinic_db, else the database file's own accounts)")
        p.add_argument("--desk", metavar="NAME", help="this desk's name on the clinic database (default: "
                       "clinic.json's desk, else the host name)")
        add_user_option(p)


def add_user_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--user", metavar="INITIALS", help="sign in as (else INFUSION_MONITOR_USER, else asked); the PIN is read from "
        "the terminal, or from stdin when it is not one"
    )
