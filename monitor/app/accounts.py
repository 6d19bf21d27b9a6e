"""Staff accounts (issue 18): adding, disabling, resetting, signing in, and a second person's confirmation.

Secrets: a PIN or password is never stored, logged or passed on the command line. What is stored is an Argon2id
hash (argon2-cffi, RFC 9106's second recommended "low-memory" profile: t=3, 64 MiB, p=4 — the memory cost makes
each guess expensive on a GPU while a desk still signs in within a fraction of a second) of the secret peppered with
the desk key: HMAC-SHA256(desk_key(), secret) — with a clinic database the clinic's pepper (app.clinic_accounts).
The key lives outside the database (storage.desk_key), so a copied database alone does not let anyone try the
10,000 four-digit PINs offline.

Brute force: MAX_TRIES wrong secrets lock the account for LOCK_SECONDS, doubled for each further lockout before the
next success (1, 2, 4 ... minutes; clinic defaults), every wrong try and lock recorded as an account event.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import itertools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from monitor.clinical.roles import Account, Role
from monitor.storage import accounts as store
from monitor.storage.account_copy import ClinicAccount
from monitor.storage.db import connect
from monitor.storage.desk_key import desk_key

if TYPE_CHECKING:
    from monitor.app.clinic_accounts import ClinicAccounts

log = logging.getLogger(__name__)

MAX_TRIES = 5  # clinic default (issue 18): wrong secrets before the account locks
LOCK_SECONDS = 60.0  # clinic default: the first lock; each further lockout doubles it
MAX_LOCK_SECONDS = 24 * 3600.0  # the doubling stops at a day: an administrator's reset unlocks at once
MIN_PIN = 4  # issue 18: a PIN of fewer than 4 digits is refused
MIN_LONG_SECRET = 8  # clinic default: administrators, co-signers and service accounts need 8 characters or more
MAX_INITIALS = 4


class SignInError(Exception):
    """A refused sign-in, confirmation or account change; `message` is what the person at the desk reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SecretRefused(SignInError):
    """A new PIN or password that breaks the rules (empty, too short, trivially repeated or sequential)."""


def default_hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


def default_pepper() -> bytes:
    return desk_key()


def check_secret(secret: str, role: Role) -> None:
    """Raises SecretRefused with the reason, or returns: the rules for a new secret of an account of `role`."""
    if not secret:
        raise SecretRefused("enter a PIN or password: an empty one is refused")
    minimum = MIN_LONG_SECRET if role.needs_long_secret else MIN_PIN
    if len(secret) < minimum:
        who = f"an account with the {role.label} role" if role.needs_long_secret else "a PIN"
        raise SecretRefused(f"{who} needs at least {minimum} characters (clinic default); this one has {len(secret)}")
    if _trivial(secret):
        raise SecretRefused("a repeated or sequential PIN (like 1111 or 1234) is refused: choose another")


def _trivial(secret: str) -> bool:
    if len(set(secret)) == 1:
        return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(secret)}
    return steps in ({1}, {-1})


def _check_initials(initials: str) -> str:
    initials = initials.strip().upper()
    if not initials.isalpha() or not 1 < len(initials) <= MAX_INITIALS:
        raise SignInError(f"initials are 2 to {MAX_INITIALS} letters, like KM")
    return initials


class AccountService:
    """The accounts of this desk's database, or with `hub` (app.clinic_accounts) the clinic's: changes are made on
    the clinic database (refused while it is unreachable), signing in reads this desk's copy (README, "Staff
    accounts"), peppered with the clinic's key.

    `db` is the database path or a factory of fresh connections. Each call opens its own connection, so the
    service may be used from any thread. `clock`, `hasher` and `pepper` are for tests (a cheaper Argon2id)."""

    def __init__(
        self,
        db: Path | str | Callable[[], sqlite3.Connection],
        hub: ClinicAccounts | None = None,
        *,
        clock: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
        pepper: Callable[[], bytes] = default_pepper,
    ) -> None:
        self._open = db if callable(db) else (lambda: connect(db))
        self._hub = hub
        self._clinic_only = hub is not None  # with a clinic database only the copy of its accounts signs in
        self._clock = clock
        self._hasher = hasher or default_hasher()
        self._pepper = hub.pepper if hub is not None and pepper is default_pepper else pepper

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._open()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _peppered(self, secret: str) -> str:
        return hmac.new(self._pepper(), secret.encode("utf-8"), hashlib.sha256).hexdigest()

    def _hash(self, secret: str) -> str:
        return self._hasher.hash(self._peppered(secret))

    def _matches(self, stored_hash: str, secret: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, self._peppered(secret))
        except (VerificationError, InvalidHashError):
            return False

    # --- reading -----------------------------------------------------------------------------------------------
    @property
    def clinic_wide(self) -> bool:
        """True with a clinic database: the accounts are the clinic's (changing them needs it reachable)."""
        return self._hub is not None

    def pull(self) -> bool:
        """With a clinic database: copy its accounts now (network I/O: a worker thread or the command line, never
        the GUI thread); False when it cannot be reached (the copy stays as it was). True without one."""
        if self._hub is None:
            return True
        conn = self._open()
        try:
            return self._hub.pull_now(conn)
        finally:
            conn.close()

    def has_any(self) -> bool:
        with self._tx() as conn:
            return store.count(conn, clinic_only=self._clinic_only) > 0

    def list(self) -> list[Account]:
        with self._tx() as conn:
            return [_account(row) for row in store.all_accounts(conn, clinic_only=self._clinic_only)]

    def events(self, initials: str | None = None) -> list[tuple[float, str, str, str, str]]:
        with self._tx() as conn:
            return store.events(conn, initials)

    def locked_until(self) -> dict[str, float]:
        """The accounts locked now (too many wrong secrets), by initials: until when (epoch seconds)."""
        now = self._clock()
        with self._tx() as conn:
            return {r.initials: r.locked_until for r in store.all_accounts(conn)
                    if r.locked_until is not None and r.locked_until > now}

    # --- administering -----------------------------------------------------------------------------------------
    def add(self, name: str, initials: str, role: Role, secret: str, by: Account | None) -> Account:
        """`by` None only for the very first account, which must be an administrator."""
        initials = _check_initials(initials)
        name = name.strip()
        if not name:
            raise SignInError("enter the person's name")
        check_secret(secret, role)
        if self._hub is not None:
            self._hub.ensure_pepper()
        secret_hash = self._hash(secret)  # outside the transaction: hashing takes a moment
        if self._hub is not None:
            return self._clinic_add(name, initials, role, secret_hash, by)
        with self._tx() as conn:
            if by is None:
                if store.count(conn):
                    raise SignInError("only an administrator adds accounts: sign in as one")
                if role is not Role.ADMIN:
                    raise SignInError("the first account must be an administrator")
            else:
                self._require_admin(conn, by)
            if store.find(conn, initials) is not None:
                raise SignInError(f"the initials {initials} are taken: initials are unique in the clinic")
            account_id = store.insert(conn, name, initials, role.value, secret_hash)
            store.log_event(conn, account_id, initials, "added", by.initials if by else "", role.value)
        log.info("account %s added (%s) by %s", initials, role.value, by.initials if by else "first start")
        return Account(account_id, name, initials, role, True)

    def disable(self, initials: str, by: Account) -> Account:
        if self._hub is not None:
            return self._clinic_disable(initials.strip().upper(), by)
        with self._tx() as conn:
            self._require_admin(conn, by)
            account = _account(self._existing(conn, initials))
            admins = store.count(conn, role=Role.ADMIN.value, active_only=True)
            if account.role is Role.ADMIN and account.active and admins <= 1:
                raise SignInError(f"{account.initials} is the last active administrator: add another one first")
            store.set_active(conn, account.id, False)
            store.log_event(conn, account.id, account.initials, "disabled", by.initials)
        log.info("account %s disabled by %s", account.initials, by.initials)
        return Account(account.id, account.name, account.initials, account.role, False)

    def reset_secret(self, initials: str, secret: str, by: Account) -> None:
        """A new PIN/password (also unlocks a locked account). An administrator's act."""
        with self._tx() as conn:
            role = _account(self._existing(conn, initials)).role
        check_secret(secret, role)
        if self._hub is not None:
            self._hub.ensure_pepper()
        secret_hash = self._hash(secret)
        if self._hub is not None:
            self._clinic_change(lambda state: _reset(state, initials.strip().upper(), secret_hash, by))
            log.info("account %s: secret reset by %s at the clinic database", initials.strip().upper(), by.initials)
            return
        with self._tx() as conn:
            self._require_admin(conn, by)
            account = _account(self._existing(conn, initials))
            store.set_secret(conn, account.id, secret_hash)
            store.log_event(conn, account.id, account.initials, "secret reset", by.initials)
        log.info("account %s: secret reset by %s", account.initials, by.initials)

    # --- signing in --------------------------------------------------------------------------------------------
    def sign_in(self, initials: str, secret: str) -> Account:
        """The account, or SignInError: unknown initials or wrong secret (one message for both), disabled, locked.
        Every refusal is recorded (committed) as an account event before it is raised."""
        initials = initials.strip().upper()
        with self._tx() as conn:
            outcome = self._try(conn, initials, secret)
        if isinstance(outcome, str):
            raise SignInError(outcome)
        return outcome

    def confirm(self, initials: str, secret: str, at_least: Role) -> Account:
        """A second person's confirmation (a co-signature) or an authorisation: sign_in's checks, plus the role."""
        account = self.sign_in(initials, secret)
        if not account.role.at_least(at_least):
            raise SignInError(f"{account.initials} is a {account.role.label}: this needs the {at_least.label} role")
        return account

    def _try(self, conn: sqlite3.Connection, initials: str, secret: str) -> Account | str:
        stored = store.find(conn, initials, clinic_only=self._clinic_only)
        if stored is None:
            store.log_event(conn, None, initials or "?", "unknown initials")
            if self._clinic_only and not store.count(conn, clinic_only=True):
                return NO_COPY_YET
            return WRONG
        account = _account(stored)
        if not account.active:
            store.log_event(conn, account.id, account.initials, "refused: disabled")
            return f"the account {account.initials} is disabled: ask an administrator"
        now = self._clock()
        if stored.locked_until is not None and now < stored.locked_until:
            store.log_event(conn, account.id, account.initials, "refused: locked")
            return _locked(account.initials, stored.locked_until)
        if self._matches(stored.secret_hash, secret):
            if stored.failed or stored.lockouts or stored.locked_until is not None:
                store.set_tries(conn, account.id, 0, 0, None)
            return account
        failed = stored.failed + 1
        if failed < MAX_TRIES:
            store.set_tries(conn, account.id, failed, stored.lockouts, None)
            store.log_event(conn, account.id, account.initials, "wrong secret", detail=f"{failed} of {MAX_TRIES}")
            return WRONG
        seconds = lock_seconds(stored.lockouts)
        until = now + seconds
        store.set_tries(conn, account.id, 0, stored.lockouts + 1, until)
        store.log_event(conn, account.id, account.initials, "locked", detail=f"{seconds:.0f} s after {MAX_TRIES} wrong")
        log.warning("account %s locked for %.0f s after %d wrong secrets", account.initials, seconds, MAX_TRIES)
        return _locked(account.initials, until)

    # --- the clinic's accounts (hub given) ------------------------------------------------------------------------
    def _clinic_change(self, decide: Callable[[dict[str, ClinicAccount]], tuple[str, ClinicAccount, str]]) -> None:
        assert self._hub is not None
        conn = self._open()
        try:
            self._hub.change(conn, decide)
        finally:
            conn.close()

    def _clinic_add(self, name: str, initials: str, role: Role, secret_hash: str, by: Account | None) -> Account:
        self._clinic_change(lambda state: _add(state, name, initials, role, secret_hash, by))
        log.info("account %s added (%s) by %s at the clinic database", initials, role.value,
                 by.initials if by else "first start")
        return self._copied(initials)

    def _clinic_disable(self, initials: str, by: Account) -> Account:
        self._clinic_change(lambda state: _disable(state, initials, by))
        log.info("account %s disabled by %s at the clinic database", initials, by.initials)
        return self._copied(initials)

    def _copied(self, initials: str) -> Account:
        with self._tx() as conn:
            return _account(self._existing(conn, initials))

    # --- helpers -----------------------------------------------------------------------------------------------
    def _existing(self, conn: sqlite3.Connection, initials: str) -> store.StoredAccount:
        stored = store.find(conn, initials.strip().upper(), clinic_only=self._clinic_only)
        if stored is None:
            raise SignInError(f"no account with the initials {initials.strip().upper()}")
        return stored

    def _require_admin(self, conn: sqlite3.Connection, by: Account) -> None:
        current = store.find(conn, by.initials)
        if current is None or not current.active or current.role != Role.ADMIN.value:
            raise SignInError(f"{by.initials} is not an active administrator: this needs one")


# --- the rules of a change, against the clinic's current state (the hub's, under its lock) ---------------------------
def _clinic_admin(state: dict[str, ClinicAccount], by: Account) -> None:
    current = state.get(by.initials)
    if current is None or not current.active or current.role != Role.ADMIN.value:
        raise SignInError(f"{by.initials} is not an active administrator of the clinic: this needs one")


def _clinic_existing(state: dict[str, ClinicAccount], initials: str) -> ClinicAccount:
    if initials not in state:
        raise SignInError(f"no account with the initials {initials} in the clinic")
    return state[initials]


def _add(state: dict[str, ClinicAccount], name: str, initials: str, role: Role, secret_hash: str, by: Account | None):
    if by is None:
        if state:
            raise SignInError("only an administrator adds accounts: sign in as one (the clinic has accounts)")
        if role is not Role.ADMIN:
            raise SignInError("the first account must be an administrator")
    else:
        _clinic_admin(state, by)
    if initials in state:
        raise SignInError(f"the initials {initials} are taken: initials are unique in the clinic")
    return "added", ClinicAccount(0, initials, name, role.value, True, secret_hash), by.initials if by else ""


def _disable(state: dict[str, ClinicAccount], initials: str, by: Account):
    _clinic_admin(state, by)
    account = _clinic_existing(state, initials)
    admins = sum(1 for a in state.values() if a.role == Role.ADMIN.value and a.active)
    if account.role == Role.ADMIN.value and account.active and admins <= 1:
        raise SignInError(f"{initials} is the last active administrator: add another one first")
    return "disabled", dataclasses.replace(account, active=False), by.initials


def _reset(state: dict[str, ClinicAccount], initials: str, secret_hash: str, by: Account):
    _clinic_admin(state, by)
    account = _clinic_existing(state, initials)
    return "secret reset", dataclasses.replace(account, secret_hash=secret_hash), by.initials


def _account(row: store.StoredAccount) -> Account:
    return Account(row.id, row.name, row.initials, Role(row.role), row.active)


NO_COPY_YET = (
    "this desk has no copy of the clinic's accounts yet: it gets them from the clinic database as soon as it reaches "
    "it (ask IT if it cannot)"
)
WRONG = "wrong initials or PIN"  # one message for unknown initials and a wrong secret: initials are not a hint


def lock_seconds(earlier_lockouts: int) -> float:
    """1 minute, doubled for each lockout since the last successful sign-in, at most a day."""
    return min(LOCK_SECONDS * 2**earlier_lockouts, MAX_LOCK_SECONDS)


def _locked(initials: str, until: float) -> str:
    return (
        f"{initials} is locked until {_hhmmss(until)} (too many wrong PINs): wait, or ask an administrator to reset it"
    )


def _hhmmss(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S")
