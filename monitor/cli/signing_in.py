"""Signing in on the command line (issue 18 point 9): `export`, `backup`, `replay`, `verify` and `users` need an
account. The initials come from --user, else INFUSION_MONITOR_USER, else a prompt; the secret is read from the
terminal without echo (getpass), or, when stdin is not a terminal (scripts, tests), as one line of stdin — never from
the command line or the environment, where other programs of the same user could read it.

Whose accounts: those of the local database the command works on (--db when it is a file, else the desk's own
database). A command on the clinic database (a postgresql:// --db) signs in with the desk's own database's
accounts; `users --clinic-db` signs in with the clinic's (README, "Clinic-wide accounts").
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.clinical.roles import Account, Role

if TYPE_CHECKING:
    from monitor.app.accounts import AccountService

USER_ENV = "INFUSION_MONITOR_USER"
NOT_SIGNED_IN = 3  # exit status of a command refused for want of a valid account


def read_secret(prompt: str) -> str:
    """One secret: from the terminal without echo, else one line of stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt, stream=sys.stderr)
    return sys.stdin.readline().rstrip("\r\n") if sys.stdin is not None else ""


def read_new_secret(whose: str) -> str | None:
    """A new secret typed twice; None (after saying so) when the two differ."""
    first = read_secret(f"New PIN or password for {whose}: ")
    second = read_secret("The same again: ")
    if first != second:
        print("infusion-monitor: the two entries differ: nothing changed", file=sys.stderr)
        return None
    return first


def accounts_db(args: argparse.Namespace) -> Path:
    """The database whose accounts sign this command in: its --db when that file exists (a desk run with its own
    --db keeps its accounts there), else the desk's own database (a replay into a new file, the clinic database)."""
    from monitor.storage.paths import default_db_path

    db = getattr(args, "db", None)
    return db if isinstance(db, Path) and db.is_file() else default_db_path()


def signing_initials(args: argparse.Namespace) -> str:
    initials = getattr(args, "user", None) or os.environ.get(USER_ENV, "")
    if not initials and sys.stdin is not None and sys.stdin.isatty():
        print("Initials: ", end="", file=sys.stderr, flush=True)
        initials = sys.stdin.readline().strip()
    return initials.strip().upper()


def sign_in(
    args: argparse.Namespace, at_least: Role = Role.NURSE, accounts: AccountService | None = None
) -> Account | None:
    """The signed-in account, or None after saying why (no database, no account yet, refused). `accounts`: the
    service to sign in with (the clinic's, `users --clinic-db`), else the local database's."""
    from monitor.app.accounts import AccountService, SignInError

    db = accounts_db(args)
    if not db.is_file():
        print(f"infusion-monitor: no database at {db}, so no account to sign in with", file=sys.stderr)
        return None
    accounts = accounts or AccountService(db)
    if not accounts.has_any():
        print(
            f"infusion-monitor: {db} has no account yet: create the first administrator with "
            "`infusion-monitor users add --role admin` (README, Staff accounts)",
            file=sys.stderr,
        )
        return None
    initials = signing_initials(args)
    if not initials:
        print(f"infusion-monitor: sign in: give --user INITIALS (or {USER_ENV}), the PIN on stdin", file=sys.stderr)
        return None
    try:
        return accounts.confirm(initials, read_secret(f"PIN or password for {initials}: "), at_least)
    except SignInError as exc:
        print(f"infusion-monitor: sign-in refused: {exc.message}", file=sys.stderr)
        return None


def record_command_access(args: argparse.Namespace, who: Account, action: str, target: str) -> None:
    """The command itself, as an account event of the signer ("command line: export", its target): what was run and
    by whom. The record it touched gets its own access-log row from the command (storage.access_log: export, review),
    which names a patient's session, as the access log's targets do; a backup or a verify names no patient."""
    _account_event(accounts_db(args), who, f"command line: {action}", target)


def _account_event(db: Path, who: Account, event: str, detail: str) -> None:
    from monitor.storage import accounts as store
    from monitor.storage.db import connect

    conn = connect(db)
    try:
        conn.execute("BEGIN IMMEDIATE")
        store.log_event(conn, who.id, who.initials, event, detail=detail)
        conn.execute("COMMIT")
    finally:
        conn.close()


def signed(
    command: Callable[[argparse.Namespace], int],
    target: Callable[[argparse.Namespace], str],
    at_least: Role = Role.NURSE,
):
    """`command`, run only for a signed-in account of at least `at_least`'s role, after its access row. Exit 2 when
    there is no database to sign in with (as the commands say of a missing database), NOT_SIGNED_IN when the
    sign-in is refused (a wrong secret, or too low a role: the message names the role needed)."""

    def run(args: argparse.Namespace) -> int:
        who = sign_in(args, at_least)
        if who is None:
            return NOT_SIGNED_IN if accounts_db(args).is_file() else 2
        record_command_access(args, who, args.command, target(args))
        args.signed_in = who  # the command's own access rows name this account
        return command(args)

    return run


def service_account(db: Path, initials: str | None, clinic_db: object | None = None) -> Account | None:
    """`record`'s account (issue 18 point 8): an active service account of `db`, named by --service. It needs no
    secret — a headless recorder starts unattended and records samples only, never a nurse entry, and authorises
    nothing — but it must exist, so a recording is attributable to a recorder an administrator set up. With a clinic
    database (`clinic_db`) it is a clinic account: the desk's copy is brought up to date first when the hub answers."""
    if not initials:
        print(
            "record: give --service INITIALS: record runs as a named service account "
            "(an administrator creates it: `infusion-monitor users add --role service`)",
            file=sys.stderr,
        )
        return None
    from monitor.app.clinic_accounts import account_service

    found = None
    if db.is_file() or clinic_db is not None:
        accounts = account_service(db, clinic_db)
        accounts.pull()  # the clinic's accounts (unreachable: the copy, logged); nothing to do without a hub
        found = next((a for a in accounts.list() if a.initials == initials.strip().upper()), None)
    if found is None or found.role is not Role.SERVICE or not found.active:
        why = "no such account" if found is None else ("disabled" if not found.active else f"a {found.role.label}")
        whose = "the clinic's accounts (as this desk last copied them)" if clinic_db is not None else str(db)
        print(f"record: {initials.upper()} is not an active service account of {whose} ({why})", file=sys.stderr)
        return None
    return found


def record_service_start(db: Path, service: Account, port: str) -> None:
    _account_event(db, service, "record started", port)
