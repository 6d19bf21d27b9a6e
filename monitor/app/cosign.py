"""Co-signature: a second person with the charge nurse / prescriber role confirms with initials and PIN.

Qt-free. The signed-in account acts alone when its role may co-sign (Role.may_cosign); a nurse needs a second
person, confirmed through AccountService.confirm(initials, secret, at_least=Role.CHARGE), which checks the PIN,
the account being active and not locked out, and the role. The co-signer's initials go into the entry payload
(`cosigned_by`, covered by the audit chain) or the limit change's alarm event. Nothing is recorded when refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from monitor.app.accounts import SignInError
from monitor.clinical.cosign import COSIGNED_BY, Safeguard


class _Role(Protocol):
    @property
    def may_cosign(self) -> bool: ...


class Signer(Protocol):
    @property
    def initials(self) -> str: ...

    @property
    def role(self) -> _Role: ...


# AccountService.confirm with at_least bound (the caller passes `lambda i, s: accounts.confirm(i, s, Role.CHARGE)`)
Confirm = Callable[[str, str], Signer]


class CoSignRefused(Exception):
    """Why a co-signature was refused (wrong PIN, locked out, not a charge nurse or prescriber, same person)."""


@dataclass(frozen=True, slots=True)
class CoSignature:
    safeguard: Safeguard
    by: str  # the signed-in user's initials
    cosigned_by: str | None  # None: the signed-in user's own role suffices

    def stamp(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload to record, with the co-signer's initials when there is one."""
        out = dict(payload)
        if self.cosigned_by:
            out[COSIGNED_BY] = self.cosigned_by
        return out


def needs_second_person(signed_in: Signer) -> bool:
    return not signed_in.role.may_cosign


def cosign(
    safeguard: Safeguard, signed_in: Signer, confirm: Confirm, initials: str = "", secret: str = ""
) -> CoSignature:
    """The authorisation for `safeguard`, or CoSignRefused saying why (the confirm error's message kept)."""
    if not needs_second_person(signed_in):
        return CoSignature(safeguard, signed_in.initials, None)
    initials = initials.strip().upper()
    if not initials or not secret:
        raise CoSignRefused(f"{safeguard.capitalize()} needs a charge nurse or prescriber to co-sign with their PIN")
    if initials == signed_in.initials.upper():
        raise CoSignRefused("A second person co-signs: not the signed-in user")
    try:
        cosigner = confirm(initials, secret)
    except SignInError as exc:  # wrong PIN, disabled, locked, not a charge nurse / prescriber: the refusal
        raise CoSignRefused(f"Co-signature refused: {exc}") from exc
    if not cosigner.role.may_cosign:  # confirm checks at_least already; never trust one check for a safeguard
        raise CoSignRefused(f"Co-signature refused: {cosigner.initials} may not co-sign {safeguard}")
    return CoSignature(safeguard, signed_in.initials, cosigner.initials)
