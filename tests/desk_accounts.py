"""Accounts that sign in at a test desk (monitor.app.desk.Desk), until h-i18-acc's AccountService lands with
tests/accounts.py (same `sign_in(initials, secret)` contract; a refused sign-in raises with why)."""

from __future__ import annotations

from dataclasses import dataclass

PINS = {"AB": "4812", "CD": "7391"}


@dataclass(frozen=True)
class StandInAccount:
    name: str
    initials: str


class StandInAccounts:
    def __init__(self) -> None:
        self.known = {"AB": StandInAccount("Ann Baker", "AB"), "CD": StandInAccount("Cy Dunn", "CD")}

    def sign_in(self, initials: str, secret: str) -> StandInAccount:
        if PINS.get(initials) != secret:
            raise ValueError("wrong PIN")
        return self.known[initials]
