"""A desk for the co-signature tests (issue 18 point 4): real accounts (tests/accounts.py, the real AccountService)
and `confirm` bound as the program binds it: AccountService.confirm(initials, secret, at_least=Role.CHARGE)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from accounts import make_account, service, signed_in

from monitor.clinical.roles import Account, Role


@dataclass(frozen=True)
class Desk:
    nurse: Account  # AB, signed in
    charge: Account  # CD, a charge nurse / prescriber (LONG_SECRET)
    other_nurse: Account  # EF, a nurse (PIN)
    confirm: Callable[[str, str], Account]


def make_desk(db_path: Path) -> Desk:
    nurse = signed_in(db_path, "AB", Role.NURSE)
    charge = make_account(db_path, "CD", Role.CHARGE)
    other = make_account(db_path, "EF", Role.NURSE)
    accounts = service(db_path)
    return Desk(nurse, charge, other, lambda initials, secret: accounts.confirm(initials, secret, Role.CHARGE))
