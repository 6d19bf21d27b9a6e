"""Who is signed in at this desk, and when the desk locks itself (issue 18, points 2 and 3). Qt-free.

The one place every service asks "who is doing this": an entry, a limit change, an export or opening a record
needs a signed-in account (`require`); an alarm's Acknowledge / Audio pause works on a locked desk too and is then
recorded as LOCKED_SCREEN (`alarm_who`). Initials are the signed-in account's, never typed.

Locking signs the account out: the lock screen offers sign-in (the same nurse, or a quick switch to another).
The desk locks after `lock_after_s` without keyboard or mouse input (clinic.json "lock_after_min", clinic
default 5 min, monitor.clinical.clinic_protocol.LOCK_AFTER_MIN); the UI reports input through `note_input`
and polls `lock_if_idle`.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Protocol

from monitor.clinical.errors import EntryError

log = logging.getLogger(__name__)

LOCKED_SCREEN = "from the locked screen"  # the who column of an alarm answered on a locked desk


class NotSignedIn(EntryError):
    """The action needs a signed-in user; the message says which action and how (sign in)."""


class SignedInAccount(Protocol):
    """What the desk needs of an account (monitor.app.accounts' Account)."""

    @property
    def initials(self) -> str: ...

    @property
    def name(self) -> str: ...


class Authenticator(Protocol):
    """The account service's sign-in (monitor.app.accounts.AccountService): SignInError with why not."""

    def sign_in(self, initials: str, secret: str) -> SignedInAccount: ...


DeskListener = Callable[[SignedInAccount | None], None]


class Desk:
    def __init__(
        self, accounts: Authenticator, lock_after_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if lock_after_s <= 0:
            raise ValueError(f"lock_after_s must be positive, got {lock_after_s!r}")
        self.accounts = accounts
        self.lock_after_s = lock_after_s
        self.clock = clock
        self._account: SignedInAccount | None = None
        self._last_input = clock()
        self._guard = threading.Lock()  # services read who from their own threads
        self._listeners: list[Callable[[], DeskListener | None]] = []

    def add_listener(self, listener: DeskListener) -> None:
        """`listener(account)` on every sign-in, switch and lock (None: locked).

        A bound method is held weakly: a view that is gone (a chair's window after Next patient; one desk outlives
        many) stops listening by itself, with nothing connected to its `destroyed` signal — a handler called while
        Qt tears the object down in a garbage collection crashed the interpreter (tests, 2026-11-29)."""
        if inspect.ismethod(listener):
            self._listeners.append(weakref.WeakMethod(listener))
        else:
            self._listeners.append(lambda: listener)

    def remove_listener(self, listener: DeskListener) -> None:
        """Stop telling `listener`."""
        self._listeners = [ref for ref in self._listeners if ref() not in (None, listener)]

    # --- who ----------------------------------------------------------------------------------------------

    @property
    def account(self) -> SignedInAccount | None:
        with self._guard:
            return self._account

    @property
    def locked(self) -> bool:
        return self.account is None

    @property
    def initials(self) -> str:
        """The signed-in account's initials; "" while locked."""
        account = self.account
        return account.initials if account else ""

    def alarm_who(self) -> str:
        """Who answers an alarm: the signed-in initials, or LOCKED_SCREEN (alarms stay answerable when locked)."""
        return self.initials or LOCKED_SCREEN

    def require(self, action: str) -> SignedInAccount:
        """The signed-in account, or NotSignedIn("Sign in to <action>")."""
        account = self.account
        if account is None:
            raise NotSignedIn(f"The desk is locked: sign in to {action}")
        return account

    # --- signing in and locking -----------------------------------------------------------------------------

    def sign_in(self, initials: str, secret: str) -> SignedInAccount:
        """Sign in (or switch user): the account service checks the secret (SignInError says why not)."""
        account = self.accounts.sign_in(initials, secret)
        with self._guard:
            self._account = account
            self._last_input = self.clock()
        self._notify(account)
        return account

    def lock(self) -> None:
        with self._guard:
            was = self._account
            self._account = None
        if was is not None:
            self._notify(None)

    def note_input(self) -> None:
        """Keyboard or mouse input by the signed-in user: the idle time starts again. Input on a locked desk
        changes nothing (only sign-in unlocks)."""
        with self._guard:
            if self._account is not None:
                self._last_input = self.clock()

    def idle_s(self) -> float:
        with self._guard:
            return self.clock() - self._last_input

    def lock_if_idle(self) -> bool:
        """Lock when nobody touched the desk for lock_after_s; True if this call locked it."""
        with self._guard:
            due = self._account is not None and self.clock() - self._last_input >= self.lock_after_s
        if due:
            self.lock()
        return due

    def _notify(self, account: SignedInAccount | None) -> None:
        """Every live listener is told; one that fails is logged and does not stop the lock reaching the others."""
        self._listeners = [ref for ref in self._listeners if ref() is not None]
        for ref in list(self._listeners):
            listener = ref()
            if listener is None:
                continue
            try:
                listener(account)
            except Exception:
                log.exception("a view of the desk could not show the sign-in state")
