"""HL7 v2 acknowledgements: read the ACK an interface engine sends back, build the one we send for what we receive.

Read in both modes: original (MSA-1 AA/AE/AR) and enhanced (commit CA/CE/CR; IHE PCD-01 asks the receiver for an
accept acknowledgement, MSH-15 "AL"), each commit code taken as its original-mode twin. Parsed by hand, not by a
library: an ACK from an engine of any version, or the answer to a message too broken for a parser, must be read.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

VERSION = "2.6"
APPLICATION = "INFUSION-MONITOR"
DELIMITERS = "^~\\&"


class AckCode(StrEnum):
    AA = "AA"  # accepted
    AE = "AE"  # error: the receiver could not process it (may succeed later)
    AR = "AR"  # rejected: the message itself is refused (type, version, structure)


_ENHANCED = {"CA": AckCode.AA, "CE": AckCode.AE, "CR": AckCode.AR}

# HL7 table 0357 (message error condition codes) for the ERR segment.
ERR_UNSUPPORTED_MESSAGE_TYPE = "200"
ERR_APPLICATION_INTERNAL = "207"
_ERR_NAMES = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    ERR_UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    "201": "Unsupported event code",
    "203": "Unsupported version id",
    ERR_APPLICATION_INTERNAL: "Application internal error",
}


@dataclass(frozen=True)
class Ack:
    code: AckCode
    control_id: str  # MSA-2: the MSH-10 of the message acknowledged
    text: str  # the reason given with AE/AR ("" when none)


def new_control_id() -> str:
    """A unique MSH-10: milliseconds since the epoch in hex and 32 random bits, 19 characters (engines cap at 20)."""
    return f"{int(time.time() * 1000):011x}{secrets.token_hex(4)}".upper()


def hl7_timestamp(t: float) -> str:
    """An HL7 DTM in UTC with its offset, to the second: 20261129055200+0000."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y%m%d%H%M%S+0000")


def escape(text: str) -> str:
    """Text for an ER7 field: the delimiters escaped (\\F\\ \\S\\ \\R\\ \\E\\ \\T\\), line breaks as spaces."""
    out = text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("~", "\\R\\")
    out = out.replace("&", "\\T\\")
    return " ".join(out.splitlines())


def unescape(text: str) -> str:
    for seq, char in (("\\F\\", "|"), ("\\S\\", "^"), ("\\R\\", "~"), ("\\T\\", "&"), ("\\E\\", "\\")):
        text = text.replace(seq, char)
    return text


@dataclass(frozen=True)
class _Segments:
    """A message split into fields by its own delimiters (MSH-1, MSH-2); tolerant of anything after MSH."""

    segments: list[list[str]]
    component: str

    @classmethod
    def split(cls, message: str) -> _Segments:
        lines = [s for s in message.replace("\r\n", "\r").replace("\n", "\r").split("\r") if s.strip()]
        if not lines or not lines[0].startswith("MSH") or len(lines[0]) < 8:
            raise ValueError("not an HL7 v2 message: it does not start with an MSH segment")
        field_sep = lines[0][3]
        component = lines[0][4]
        segments = []
        for line in lines:
            fields = line.split(field_sep)
            if fields[0] == "MSH":
                fields.insert(1, field_sep)  # number MSH fields as the standard does: MSH-1 is the separator
            segments.append(fields)
        return cls(segments, component)

    def field(self, segment: str, number: int, component: int = 1) -> str:
        for fields in self.segments:
            if fields[0] == segment:
                if number >= len(fields):
                    return ""
                parts = fields[number].split(self.component)
                return unescape(parts[component - 1]) if component <= len(parts) else ""
        return ""

    def has(self, segment: str) -> bool:
        return any(fields[0] == segment for fields in self.segments)


def parse_ack(message: str) -> Ack:
    """The acknowledgement in an ACK message; ValueError when the message is not an ACK (or has no valid MSA-1)."""
    msg = _Segments.split(message)
    kind = msg.field("MSH", 9)
    if kind != "ACK":
        raise ValueError(f"not an ACK: the message type (MSH-9) is {kind or 'empty'!r}")
    if not msg.has("MSA"):
        raise ValueError("not an ACK: no MSA segment")
    raw = msg.field("MSA", 1)
    code = _ENHANCED.get(raw) or (AckCode(raw) if raw in AckCode.__members__ else None)
    if code is None:
        raise ValueError(f"not an ACK: the acknowledgement code (MSA-1) is {raw or 'empty'!r}")
    text = msg.field("ERR", 8) or msg.field("ERR", 7) or msg.field("MSA", 3) or msg.field("ERR", 3, 2)
    return Ack(code, msg.field("MSA", 2), text)


def _read_received(received: str) -> tuple[str, str, str, str, str, str]:
    """(control id, event, sending application, sending facility, processing id, version) of what came, as much as
    can be read."""
    try:
        msg = _Segments.split(received)
    except ValueError:
        return "", "", "", "", "P", VERSION
    processing = msg.field("MSH", 11)
    return (
        msg.field("MSH", 10),
        msg.field("MSH", 9, 2),
        msg.field("MSH", 3),
        msg.field("MSH", 4),
        processing if processing in ("P", "T", "D") else "P",  # a test message gets a test answer
        msg.field("MSH", 12) or VERSION,
    )


def build_ack(received: str, code: AckCode, text: str = "", *, error_code: str = "", at: float | None = None) -> str:
    """The ACK (segments joined by "\\r") answering `received`: MSA-2 = its MSH-10 and, for AE/AR, an ERR segment
    with the reason (ERR-8, user message) and an HL7 table-0357 code (ERR-3; default 207, application error).

    A message too broken to read still gets its answer, with whatever could be read (MSA-2 empty if MSH-10 could not).
    """
    control_id, event, app, facility, processing, version = _read_received(received)
    msh = "|".join(
        [
            "MSH",
            DELIMITERS,
            APPLICATION,
            "",
            escape(app),
            escape(facility),
            hl7_timestamp(time.time() if at is None else at),
            "",
            f"ACK^{escape(event)}^ACK" if event else "ACK",
            new_control_id(),
            processing,
            escape(version),
        ]
    )
    segments = [msh, f"MSA|{code.value}|{escape(control_id)}"]
    if code is not AckCode.AA:
        err_code = error_code or ERR_APPLICATION_INTERNAL
        name = _ERR_NAMES.get(err_code, "")
        segments.append(f"ERR|||{err_code}^{name}^HL70357|E||||{escape(text)}")
    return "\r".join(segments)
