"""Clinic-wide accounts (issue 18 point 1, with a clinic database): the hub holds the staff's accounts, every desk a
copy for signing in while the hub is away. Qt-free; every call here does network I/O: never on the GUI thread
(the replication worker pulls, app.replication; the command line and the accounts dialog's worker change).

- Changes (add, disable, reset) are made on the hub, one at a time in the clinic (an advisory lock), checked against
  the clinic's current state; then pulled into the copy at once. With the hub unreachable a change is refused
  (SignInError, UNREACHABLE): the accounts are the clinic's record, never a desk's own fork.
- Signing in reads the copy (app.accounts), so it works offline; wrong PINs and lockouts are the desk's own and
  reach the hub as shipped account events.
- The PIN pepper is the clinic's (hub migration 7), cached 0600 beside the desk key (storage.desk_key).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.app.accounts import SignInError
from monitor.storage import account_copy, hub_accounts
from monitor.storage.account_copy import ClinicAccount
from monitor.storage.desk_key import cache_clinic_pepper, cached_clinic_pepper, clinic_pepper_file
from monitor.storage.hub_dsn import masked
from monitor.storage.replicator import ReplicationRefusedError, claim_desk, local_uid

if TYPE_CHECKING:
    import sqlite3

    import psycopg

    from monitor.app.accounts import AccountService

log = logging.getLogger(__name__)

PULL_EVERY_S = 10.0  # clinic default: a change made at another desk (a disabled account) reaches this one within
CONNECT_TIMEOUT_S = 5
UNREACHABLE = (
    "the clinic database cannot be reached, and accounts change only there (they are the clinic's, for every desk): "
    "nothing was changed; try again when it is back. Signing in still works from this desk's copy."
)
NO_PEPPER_YET = (
    "this desk has not yet reached the clinic database, so it cannot check a PIN (it needs the clinic's key, fetched "
    "on its first connection): connect the desk to the clinic database once"
)

Decision = Callable[[dict[str, ClinicAccount]], tuple[str, ClinicAccount, str]]  # -> (change, new state, by)


class ClinicAccounts:
    """The hub side of AccountService(hub=...): `dsn` (may hold a password: never shown) as desk `desk`."""

    def __init__(self, dsn: str, desk: str, *, pepper_file: Path | None = None) -> None:
        self.dsn = dsn
        self.desk = desk
        self.pepper_file = pepper_file or clinic_pepper_file()

    def __repr__(self) -> str:
        return f"ClinicAccounts({masked(self.dsn)!r}, desk={self.desk!r})"

    def connect(self) -> psycopg.Connection:
        import psycopg

        return psycopg.connect(self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name=f"infusion-monitor accounts {self.desk}"[:63])

    # --- the pepper ---------------------------------------------------------------------------------------------
    def pepper(self) -> bytes:
        """The cached pepper: never the network (signing in may be on the GUI thread), NO_PEPPER_YET without one."""
        cached = cached_clinic_pepper(self.pepper_file)
        if cached is None:
            raise SignInError(NO_PEPPER_YET)
        return cached

    def ensure_pepper(self) -> None:
        """Before a change hashes a new secret: the pepper cached, fetched now if need be (UNREACHABLE if not)."""
        if cached_clinic_pepper(self.pepper_file) is not None:
            return
        import psycopg

        try:
            with self.connect() as hub:
                self._refresh_pepper(hub)
        except (psycopg.Error, OSError) as exc:
            log.warning("the clinic's PIN key could not be fetched from %s: %s", masked(self.dsn), exc)
            raise SignInError(UNREACHABLE) from exc

    def _refresh_pepper(self, hub: psycopg.Connection) -> bytes:
        pepper = hub_accounts.pepper(hub)
        if pepper is None:
            raise SignInError("the clinic database has no PIN key: IT runs `infusion-monitor clinic-db init` on it")
        if cached_clinic_pepper(self.pepper_file) != pepper:
            cache_clinic_pepper(self.pepper_file, pepper)
            log.info("cached the clinic's PIN key in %s", self.pepper_file)
        return pepper

    # --- the copy -----------------------------------------------------------------------------------------------
    def pull(self, local: sqlite3.Connection, hub: psycopg.Connection) -> int:
        """Bring the desk's copy up to the clinic's accounts (and the pepper's cache); the accounts changed."""
        self._refresh_pepper(hub)
        if hub_accounts.latest_version(hub) == account_copy.copied_version(local):
            return 0
        accounts = hub_accounts.current(hub)
        local.execute("BEGIN IMMEDIATE")
        try:
            changed = account_copy.copy_accounts(local, accounts)
        except BaseException:
            local.execute("ROLLBACK")
            raise
        local.execute("COMMIT")
        if changed:
            log.info("%d accounts copied from the clinic database", changed)
        return changed

    def pull_now(self, local: sqlite3.Connection) -> bool:
        """A pull on a connection of its own; False (logged) when the hub cannot be reached."""
        import psycopg

        try:
            with self.connect() as hub:
                self.pull(local, hub)
            return True
        except (psycopg.Error, OSError, SignInError) as exc:
            log.warning("the clinic's accounts could not be pulled from %s: %s", masked(self.dsn), exc)
            return False

    # --- a change -----------------------------------------------------------------------------------------------
    def change(self, local: sqlite3.Connection, decide: Decision) -> None:
        """`decide(current state)` -> the change to append (or SignInError); appended under the clinic's lock,
        then pulled. SignInError(UNREACHABLE) when the hub cannot be reached: nothing changed anywhere."""
        import psycopg

        try:
            hub = self.connect()
        except (psycopg.Error, OSError) as exc:
            log.warning("account change refused: the clinic database %s: %s", masked(self.dsn), exc)
            raise SignInError(UNREACHABLE) from exc
        try:
            with hub.transaction():
                hub_accounts.lock(hub)
                claim_desk(hub, self.desk, local_uid(local))
                state = {a.initials: a for a in hub_accounts.current(hub)}
                change, account, by = decide(state)
                hub_accounts.append(hub, self.desk, change, account, by)
            self.pull(local, hub)
        except ReplicationRefusedError as exc:
            raise SignInError(str(exc)) from exc
        except psycopg.OperationalError as exc:
            log.warning("account change refused: the clinic database %s: %s", masked(self.dsn), exc)
            raise SignInError(UNREACHABLE) from exc
        except psycopg.Error as exc:
            raise SignInError(f"the clinic database refused the change: {exc}") from exc
        finally:
            hub.close()


def account_service(db: Path | str, clinic_db: object | None) -> AccountService:
    """The desk's AccountService: the clinic's accounts when `clinic_db` (an app.replication.ClinicDb) is given."""
    from monitor.app.accounts import AccountService

    if clinic_db is None:
        return AccountService(db)
    return AccountService(db, ClinicAccounts(clinic_db.dsn, clinic_db.desk))  # type: ignore[attr-defined]
