"""Staff roles and the signed-in account (issue 18): who may do what, and who did it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Ordered by authority: each role may do what the ones before it may."""

    NURSE = "nurse"
    CHARGE = "charge"  # charge nurse / prescriber: co-signs what a second person must safeguard
    ADMIN = "admin"
    SERVICE = "service"  # a headless recorder (`record --service NAME`): records samples, never a nurse entry

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def may_cosign(self) -> bool:
        return self in (Role.CHARGE, Role.ADMIN)

    @property
    def needs_long_secret(self) -> bool:
        """Administrators and co-signers guard the others: a 4-digit PIN is 10,000 guesses in a copied file."""
        return self is not Role.NURSE

    def at_least(self, other: Role) -> bool:
        if self is Role.SERVICE or other is Role.SERVICE:
            return self is other
        return _RANK[self] >= _RANK[other]


_LABELS = {
    Role.NURSE: "nurse",
    Role.CHARGE: "charge nurse / prescriber",
    Role.ADMIN: "administrator",
    Role.SERVICE: "service account (headless recorder)",
}
_RANK = {Role.NURSE: 0, Role.CHARGE: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    initials: str
    role: Role
    active: bool
