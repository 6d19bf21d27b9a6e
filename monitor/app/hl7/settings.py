"""The EHR interface's settings (issue 20): where results go, what happens to a session without a patient, how
often vital signs are sent, where ADT comes in. One frozen value, built at start from the command line and
clinic.json (the command line wins: cli.live.hl7_settings); a bad value stops the start with one clear line.

`parse_target` takes HOST:PORT only. A value that looks like a connection string (postgresql://..., mllp://...,
'host=... port=...', user@host) is the usual typo of copying the clinic database's DSN or an engine's URL into
--hl7-out; it is refused with a message rather than tried and shown as an unreachable host for ever.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum

INTERVAL_S = 300.0  # clinic default: vital signs every 5 min (issue 20 point 1: "default every 5 min")
INTERVAL_MIN_RANGE = (1.0, 60.0)  # what clinic.json's hl7_interval_min may say (minutes)
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?")
EXAMPLE = "ehr-engine.clinic.local:2575"


class Unassigned(StrEnum):
    """A session not (yet) assigned to a patient: its messages wait until it is (HOLD, the clinic default), or go
    with the location only (SEND: the EHR binds them by location)."""

    HOLD = "hold"
    SEND = "send"


@dataclass(frozen=True, slots=True)
class Hl7Target:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Hl7Settings:
    out: Hl7Target | None = None  # the interface engine results go to (None: no results sent)
    unassigned: Unassigned = Unassigned.HOLD  # clinic default: hold until the session has a patient
    interval_s: float = INTERVAL_S
    listen_port: int | None = None  # ADT in (None: not listening)
    facility: str = ""  # MSH-4, the sending facility (clinic.json hl7_facility; empty: not given)


def parse_target(text: str) -> Hl7Target:
    """HOST:PORT (an IPv6 address in brackets: [fd00::5]:2575) or ValueError saying what was expected."""
    value = text.strip()
    expected = f"expected HOST:PORT of the interface engine's MLLP listener, like {EXAMPLE}"
    if not value:
        raise ValueError(f"empty; {expected}")
    if "://" in value or "=" in value or "@" in value or any(c.isspace() for c in value):
        raise ValueError(
            f"{text!r} looks like a connection string or URL, not an HL7 address; {expected} (no scheme, user, "
            "password or key=value)"
        )
    host, sep, port_text = value.rpartition(":")
    if not sep or not host:
        raise ValueError(f"{text!r} has no port; {expected}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{text!r}: {host!r} is not an IPv6 address; {expected}") from None
    elif not _HOST.fullmatch(host):
        raise ValueError(f"{text!r}: {host!r} is not a host name or address; {expected}")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"{text!r}: the port must be a number from 1 to 65535; {expected}")
    return Hl7Target(host, int(port_text))


def parse_port(text: str) -> int:
    """A TCP port to listen on (1-65535), or ValueError."""
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ValueError(f"{text!r}: a port is a number from 1 to 65535, like 2575")
    return int(value)
