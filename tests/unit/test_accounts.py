"""Staff accounts (issue 18 points 1, 7, 9): Argon2id hashes peppered with the desk key, the secret rules, unique
initials, the last administrator, disabled accounts, and the wrong-PIN lockout that doubles on repeated lockouts."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from argon2.exceptions import VerificationError

from monitor.app.accounts import AccountService, SecretRefused, SignInError, default_hasher
from monitor.clinical.roles import Role
from monitor.storage.db import connect
from tests.accounts import LONG_SECRET, PIN, TEST_HASHER, make_account, service, signed_in


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "m.sqlite3"


def test_the_first_account_must_be_an_administrator_and_later_ones_need_one(db: Path) -> None:
    accounts = service(db)
    assert not accounts.has_any()
    with pytest.raises(SignInError, match="first account must be an administrator"):
        accounts.add("Kim Moss", "KM", Role.NURSE, PIN, by=None)
    admin = accounts.add("Ada Admin", "AA", Role.ADMIN, LONG_SECRET, by=None)
    assert accounts.has_any()
    with pytest.raises(SignInError, match="only an administrator"):
        accounts.add("Kim Moss", "KM", Role.NURSE, PIN, by=None)
    nurse = accounts.add("Kim Moss", "km", Role.NURSE, PIN, by=admin)
    assert nurse.initials == "KM" and nurse.active
    with pytest.raises(SignInError, match="not an active administrator"):
        accounts.add("Bo Bell", "BB", Role.NURSE, PIN, by=nurse)
    with pytest.raises(SignInError, match="initials KM are taken"):
        accounts.add("Kai Mole", "Km", Role.NURSE, "3579", by=admin)
    assert [(a.initials, a.role) for a in accounts.list()] == [("AA", Role.ADMIN), ("KM", Role.NURSE)]


@pytest.mark.parametrize(
    ("secret", "role", "why"),
    [
        ("", Role.NURSE, "empty"),
        ("246", Role.NURSE, "at least 4"),
        ("1111", Role.NURSE, "repeated or sequential"),
        ("1234", Role.NURSE, "repeated or sequential"),
        ("9876", Role.NURSE, "repeated or sequential"),
        ("2468", Role.CHARGE, "at least 8"),
        ("2468", Role.ADMIN, "at least 8"),
        ("12345678", Role.ADMIN, "repeated or sequential"),
    ],
)
def test_bad_secrets_are_refused_with_the_reason(db: Path, secret: str, role: Role, why: str) -> None:
    admin = make_account(db, "AA", Role.ADMIN)
    with pytest.raises(SecretRefused, match=why):
        service(db).add("Someone", "SO", role, secret, by=admin)
    assert [a.initials for a in service(db).list()] == ["AA"]


def test_the_secret_is_stored_only_as_a_peppered_argon2id_hash(db: Path) -> None:
    make_account(db, "KM", Role.NURSE, "2468")
    conn = connect(db)
    (stored,) = conn.execute("SELECT secret_hash FROM accounts WHERE initials = 'KM'").fetchone()
    assert stored.startswith("$argon2id$") and "2468" not in stored
    assert not _verifies(stored, "2468")  # a hash of the peppered PIN, not of the PIN
    everything = "\n".join(str(row) for row in conn.iterdump()).replace(stored, "")
    # Not in the account events either: the PIN as a value of its own. Inside a longer number or hex digest (a
    # timestamp, a chain hash: the dump has thousands of digits) four digits turn up by chance.
    assert not re.search(r"(?<![\w.])2468(?![\w.])", everything)
    # A copy of the database without the desk key: the right PIN with another key fails.
    other_key = AccountService(db, hasher=TEST_HASHER, pepper=lambda: b"x" * 32)
    with pytest.raises(SignInError, match="wrong initials or PIN"):
        other_key.sign_in("KM", "2468")
    assert service(db).sign_in("KM", "2468").initials == "KM"


def _verifies(stored: str, secret: str) -> bool:
    try:
        return TEST_HASHER.verify(stored, secret)
    except VerificationError:
        return False


def test_the_program_hashes_with_rfc_9106_low_memory() -> None:
    hashed = default_hasher().hash("x")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_five_wrong_pins_lock_the_account_for_a_minute_then_doubling(db: Path) -> None:
    make_account(db, "KM", Role.NURSE, PIN)
    clock = Clock()
    accounts = service(db, clock=clock)
    for _ in range(4):
        with pytest.raises(SignInError, match="wrong initials or PIN"):
            accounts.sign_in("KM", "9753")
    with pytest.raises(SignInError, match="locked until"):
        accounts.sign_in("KM", "9753")
    with pytest.raises(SignInError, match="locked until"):  # even the right PIN, while locked
        accounts.sign_in("KM", PIN)
    clock.t += 59
    with pytest.raises(SignInError, match="locked until"):
        accounts.sign_in("KM", PIN)
    clock.t += 2  # past the minute: five more wrong lock it for two minutes
    for _ in range(5):
        with pytest.raises(SignInError):
            accounts.sign_in("KM", "9753")
    clock.t += 119
    with pytest.raises(SignInError, match="locked until"):
        accounts.sign_in("KM", PIN)
    clock.t += 2
    assert accounts.sign_in("KM", PIN).initials == "KM"
    events = [e[2] for e in accounts.events("KM")]
    assert events.count("wrong secret") == 8 and events.count("locked") == 2 and "refused: locked" in events
    details = [e[4] for e in accounts.events("KM") if e[2] == "locked"]
    assert details == ["60 s after 5 wrong", "120 s after 5 wrong"]
    # A success starts over: the next lockout is one minute again.
    for _ in range(5):
        with pytest.raises(SignInError):
            accounts.sign_in("KM", "9753")
    assert [e[4] for e in accounts.events("KM") if e[2] == "locked"][-1] == "60 s after 5 wrong"


def test_an_administrator_reset_unlocks_and_replaces_the_pin(db: Path) -> None:
    admin = make_account(db, "AA", Role.ADMIN)
    make_account(db, "KM", Role.NURSE, PIN)
    accounts = service(db)
    for _ in range(5):
        with pytest.raises(SignInError):
            accounts.sign_in("KM", "9753")
    with pytest.raises(SecretRefused, match="repeated or sequential"):
        accounts.reset_secret("KM", "4444", by=admin)
    accounts.reset_secret("KM", "3579", by=admin)
    assert accounts.sign_in("KM", "3579").initials == "KM"
    with pytest.raises(SignInError):
        accounts.sign_in("KM", PIN)
    assert ("secret reset", "AA") in [(e[2], e[3]) for e in accounts.events("KM")]


def test_a_disabled_account_cannot_sign_in_and_the_last_administrator_stays(db: Path) -> None:
    admin = make_account(db, "AA", Role.ADMIN)
    make_account(db, "KM", Role.NURSE, PIN)
    accounts = service(db)
    accounts.disable("KM", by=admin)
    with pytest.raises(SignInError, match="KM is disabled"):
        accounts.sign_in("KM", PIN)
    with pytest.raises(SignInError, match="last active administrator"):
        accounts.disable("AA", by=admin)
    second = make_account(db, "BB", Role.ADMIN)
    accounts.disable("AA", by=second)
    with pytest.raises(SignInError, match="last active administrator"):
        accounts.disable("BB", by=second)
    with pytest.raises(SignInError, match="not an active administrator"):  # a disabled admin no longer administers
        accounts.reset_secret("KM", "3579", by=admin)


def test_confirm_needs_the_role_and_the_secret(db: Path) -> None:
    make_account(db, "KM", Role.NURSE, PIN)
    make_account(db, "CN", Role.CHARGE)
    accounts = service(db)
    with pytest.raises(SignInError, match="needs the charge nurse / prescriber role"):
        accounts.confirm("KM", PIN, at_least=Role.CHARGE)
    with pytest.raises(SignInError, match="wrong initials or PIN"):
        accounts.confirm("CN", "wrong-secret", at_least=Role.CHARGE)
    assert accounts.confirm("CN", LONG_SECRET, at_least=Role.CHARGE).role is Role.CHARGE
    assert Role.CHARGE.may_cosign and Role.ADMIN.may_cosign and not Role.NURSE.may_cosign
    with pytest.raises(SignInError):  # unknown initials: the same message as a wrong PIN
        accounts.sign_in("QQ", PIN)


def test_account_events_are_append_only_and_accounts_never_deleted(db: Path) -> None:
    make_account(db, "KM", Role.NURSE, PIN)
    conn = connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="never changed"):
        conn.execute("UPDATE account_events SET event = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM account_events")
    with pytest.raises(sqlite3.IntegrityError, match="disable it"):
        conn.execute("DELETE FROM accounts")


def test_the_test_helpers_sign_in(db: Path) -> None:
    account = signed_in(db, "KM")
    assert account.initials == "KM" and account.role is Role.NURSE
    assert signed_in(db, "CN", Role.CHARGE).role is Role.CHARGE
