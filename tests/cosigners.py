"""Co-signers for the co-signature tests: signed-in accounts and a desk whose `confirm` keeps the contract of
AccountService.confirm(initials, secret, at_least=Role.CHARGE) (a refusal with a message; the PIN checked, then the
role). Stands in until acc's AccountService (h-i18-acc "accounts core") lands; then the tests use tests/accounts.py
and the real service, and this file goes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    NURSE = "nurse"
    CHARGE = "charge"
    ADMIN = "admin"

    @property
    def may_cosign(self) -> bool:
        return self is not Role.NURSE


@dataclass(frozen=True)
class Account:
    initials: str
    role: Role


class Desk:
    """AccountService.confirm's contract: the PIN checked, then the role (at_least CHARGE)."""

    def __init__(self, *accounts: tuple[str, Role, str]) -> None:
        self.accounts = {i: (Account(i, r), pin) for i, r, pin in accounts}

    def confirm(self, initials: str, secret: str) -> Account:
        account, pin = self.accounts.get(initials, (None, None))
        if account is None or secret != pin:
            raise ValueError("wrong initials or PIN")
        if not account.role.may_cosign:
            raise ValueError(f"{initials} is not a charge nurse or prescriber")
        return account


DESK = Desk(("AB", Role.NURSE, "2468"), ("CD", Role.CHARGE, "13579864"), ("EF", Role.NURSE, "97531"))
NURSE, CHARGE = Account("AB", Role.NURSE), Account("CD", Role.CHARGE)
