"""ADT^A04 (register a patient) and ADT^A08 (update patient information) from the EHR, read into a registration.
Qt-free; called on the HL7 listener's thread (app.hl7.listener).

hl7apy parses the message (any v2 version it knows, segments found by name); this module picks the fields the
patient list needs: PID-3 (the repetition whose identifier type CX-5 is "MR", else "PI", else untyped), PID-5 (family,
given, middle), PID-7 (a full date of birth), PID-8 (HL7 table 0001). A message this desk cannot take raises
AdtRefused with the ACK code and the reason the sender sees in MSA-3/ERR: AR for a message it does not handle at
all (unreadable, not ADT^A04/A08, unknown version), AE for an ADT with a missing or wrong field.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from hl7apy.exceptions import HL7apyException, UnsupportedVersion
from hl7apy.parser import parse_message

from monitor.app.hl7.ack import AckCode, unescape
from monitor.clinical.errors import EntryError
from monitor.clinical.patient_fields import validate_dob
from monitor.storage.hl7_registrations import EhrMessage

SEXES = frozenset("AFMNOUX")  # HL7 table 0001 administrative sex (X: v2.8.2 onwards)


class AdtEvent(StrEnum):
    REGISTER = "A04"
    UPDATE = "A08"


# HL7 table 0357, message error condition codes (ERR-3)
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_EVENT_CODE = "201"
UNSUPPORTED_VERSION_ID = "203"
UNKNOWN_KEY_IDENTIFIER = "204"
DUPLICATE_KEY_IDENTIFIER = "205"


class AdtRefused(ValueError):
    """The message is refused: `code` AR (not a message this desk takes) or AE (an ADT with a bad field), with the
    reason and its table-0357 `error_code`."""

    def __init__(self, code: AckCode, reason: str, error_code: str) -> None:
        super().__init__(reason)
        self.code, self.reason, self.error_code = code, reason, error_code


def parse_adt(message: str, today: date) -> EhrMessage:
    """The registration an ADT^A04/A08 carries, or AdtRefused with the ACK code and the reason."""
    try:
        parsed = parse_message(message.replace("\n", "\r").strip("\r"), find_groups=False)
    except UnsupportedVersion as exc:
        raise AdtRefused(AckCode.AR, f"MSH-12: {exc}", UNSUPPORTED_VERSION_ID) from None
    except HL7apyException as exc:
        raise AdtRefused(AckCode.AR, f"message not readable as HL7 v2: {exc}", REQUIRED_FIELD_MISSING) from None
    msh = parsed.msh
    kind, event = _text(msh.msh_9.msh_9_1), _text(msh.msh_9.msh_9_2)
    if kind != "ADT" or event not in set(AdtEvent):
        shown = f"{kind}^{event}" if event else kind or "(none)"
        raise AdtRefused(
            AckCode.AR,
            f"unsupported message type {shown}: this desk takes ADT^A04 and ADT^A08 only",
            UNSUPPORTED_MESSAGE_TYPE if kind != "ADT" else UNSUPPORTED_EVENT_CODE,
        )
    control_id = _text(msh.msh_10)
    if not control_id:
        raise AdtRefused(AckCode.AE, "MSH-10 message control ID is empty", REQUIRED_FIELD_MISSING)
    segments = {child.name for child in parsed.children}
    if "PID" not in segments:
        raise AdtRefused(AckCode.AE, f"ADT^{event} without a PID segment", REQUIRED_FIELD_MISSING)
    pid = parsed.pid
    sender = "^".join(part for part in (_text(msh.msh_3), _text(msh.msh_4)) if part)
    evn = _text(parsed.evn.evn_5) if "EVN" in segments else ""
    return EhrMessage(
        event=event,
        control_id=control_id,
        sender=sender,
        operator=evn,
        mrn=_mrn(pid),
        name=_name(pid),
        dob=_dob(pid, today),
        sex=_sex(pid),
    )


def _mrn(pid) -> str:
    ids = [(_text(rep.cx_1), _text(rep.cx_5)) for rep in pid.pid_3]
    # MR, else PI (patient internal identifier, which some EHRs use), else one the sender did not type; never
    # another kind of number (a social security or account number is not the medical record number).
    mrn = next((i for kind in ("MR", "PI", "") for i, typed in ids if i and typed == kind), "")
    if not mrn:
        raise AdtRefused(AckCode.AE, "PID-3 patient identifier list has no MRN", REQUIRED_FIELD_MISSING)
    return mrn


def _name(pid) -> str:
    if not pid.pid_5:
        raise AdtRefused(AckCode.AE, "PID-5 patient name is empty", REQUIRED_FIELD_MISSING)
    parts = _text(pid.pid_5[0]).split("^")[:3]
    family = unescape(parts[0].split("&")[0])  # FN-1 surname (own-surname subcomponents follow)
    given = " ".join(unescape(p) for p in parts[1:] if p)
    name = f"{family}, {given}" if family and given else family or given
    if len(name) < 2:
        raise AdtRefused(AckCode.AE, "PID-5 patient name is empty", REQUIRED_FIELD_MISSING)
    return name


def _dob(pid, today: date) -> str:
    text = _text(pid.pid_7).split("^")[0]  # v2.3 TS: time^degree of precision
    if not re.fullmatch(r"\d{8}([\d.+-]*)", text):
        shown = repr(text) if text else "empty"
        reason = f"PID-7 date of birth {shown}: needs year, month and day (YYYYMMDD)"
        raise AdtRefused(AckCode.AE, reason, REQUIRED_FIELD_MISSING if not text else DATA_TYPE_ERROR)
    try:
        return validate_dob(f"{text[:4]}-{text[4:6]}-{text[6:8]}", today)
    except EntryError as exc:
        raise AdtRefused(AckCode.AE, f"PID-7: {exc}", DATA_TYPE_ERROR) from None


def _sex(pid) -> str:
    sex = _text(pid.pid_8).split("^")[0].upper()
    if sex and sex not in SEXES:
        reason = f"PID-8 administrative sex {sex!r} is not in HL7 table 0001"
        raise AdtRefused(AckCode.AE, reason, TABLE_VALUE_NOT_FOUND)
    return sex


def _text(element) -> str:
    return element.to_er7().strip()
