"""Accounts for tests (issue 18): create an account, sign it in. For every helper's tests that need a signed-in user.

The accounts are real (the real AccountService, the real desk-key pepper from tests/conftest.py's key file, real
Argon2id); only the hash's cost is lowered (TEST_HASHER) so a test does not spend 0.2 s per hash. The cost is stored
in each hash, so the program's own AccountService verifies these hashes unchanged."""

from __future__ import annotations

import io
from pathlib import Path

from argon2 import PasswordHasher, Type

from monitor.app.accounts import AccountService
from monitor.app.desk import Desk
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.roles import Account, Role

TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
PIN = "2468"  # a nurse's PIN that passes the rules
LONG_SECRET = "kestrel-2468"  # administrators, co-signers, service accounts: 8 characters or more
BOOTSTRAP_ADMIN = "ZZ"  # the first administrator make_account creates when the database has no account yet


def default_secret(role: Role) -> str:
    return LONG_SECRET if role.needs_long_secret else PIN


def service(db_path: Path | str, **kwargs) -> AccountService:
    kwargs.setdefault("hasher", TEST_HASHER)
    return AccountService(db_path, **kwargs)


def make_account(
    db_path: Path | str, initials: str = "KM", role: Role = Role.NURSE, secret: str | None = None, name: str = ""
) -> Account:
    """A new active account in the database at db_path (secret: PIN for a nurse, LONG_SECRET otherwise). A first
    administrator BOOTSTRAP_ADMIN is added beforehand when the database has none and the account is not one."""
    accounts = service(db_path)
    secret = secret if secret is not None else default_secret(role)
    name = name or f"Test {initials}"
    if not accounts.has_any():
        if role is Role.ADMIN:
            return accounts.add(name, initials, role, secret, by=None)
        accounts.add("Bootstrap Administrator", BOOTSTRAP_ADMIN, Role.ADMIN, LONG_SECRET, by=None)
    admin = next(a for a in accounts.list() if a.role is Role.ADMIN and a.active)
    return accounts.add(name, initials, role, secret, by=admin)


def ensure_account(db_path: Path | str, initials: str, role: Role = Role.NURSE) -> None:
    """The account `initials` exists in db_path (made by make_account when missing)."""
    if not any(a.initials == initials.upper() for a in service(db_path).list()):
        make_account(db_path, initials, role)


def signed_in(
    db_path: Path | str, initials: str = "KM", role: Role = Role.NURSE, secret: str | None = None
) -> Account:
    """The account `initials` signed in with its secret, created first (make_account) when it does not exist."""
    accounts = service(db_path)
    secret = secret if secret is not None else default_secret(role)
    if not any(a.initials == initials.upper() for a in accounts.list()):
        make_account(db_path, initials, role, secret)
    return accounts.sign_in(initials, secret)


def desk_for(db_path: Path | str, initials: str = "AB", role: Role = Role.NURSE) -> Desk:
    """The desk the program builds (a real AccountService, the clinic default lock time) with `initials` (made in
    db_path when missing) signed in, as every window of the running program has one. `initials` "": nobody signed
    in (a locked desk)."""
    desk = Desk(service(db_path), DEFAULT_PROTOCOL.lock_after_s)
    if initials:
        signed_in(db_path, initials, role)  # made when missing
        desk.sign_in(initials, default_secret(role))
    return desk


def cli_user(monkeypatch, db_path: Path | str, initials: str = "KM", role: Role = Role.NURSE) -> Account:
    """The command line signed in as `initials` (made in db_path when missing): INFUSION_MONITOR_USER set and the
    secret waiting on stdin (one line per command run in the test), as a script would give it."""
    from monitor.cli.signing_in import USER_ENV

    secret = default_secret(role)
    accounts = service(db_path)
    account = next((a for a in accounts.list() if a.initials == initials.upper()), None)
    account = account or make_account(db_path, initials, role, secret)
    monkeypatch.setenv(USER_ENV, initials)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{secret}\n" * 100))
    return account


RECORDER = "RA"  # the service account tests record as


def recorder(db_path: Path | str, clinic_dsn: str | None = None, desk: str = "") -> list[str]:
    """`record`'s --service arguments, the service account made in db_path first when missing; with `clinic_dsn`
    (a desk's DSN) a clinic-wide account, made on the clinic database as desk `desk` (and its first administrator
    BOOTSTRAP_ADMIN when the clinic has none)."""
    if clinic_dsn is not None:
        from monitor.app.clinic_accounts import ClinicAccounts

        accounts = service(db_path, hub=ClinicAccounts(clinic_dsn, desk))
        accounts.pull()
        if not any(a.initials == RECORDER for a in accounts.list()):
            admin = next((a for a in accounts.list() if a.role is Role.ADMIN and a.active), None)
            admin = admin or accounts.add("Bootstrap Administrator", BOOTSTRAP_ADMIN, Role.ADMIN, LONG_SECRET, None)
            accounts.add("Test recorder", RECORDER, Role.SERVICE, LONG_SECRET, by=admin)
    elif not any(a.initials == RECORDER for a in service(db_path).list()):
        make_account(db_path, RECORDER, Role.SERVICE, name="Test recorder")
    return ["--service", RECORDER]
