"""Reading back what the composer put in the HL7 outbox: each message's key and its OBX rows, parsed from the ER7;
and waiting for a condition (the HL7 tests and benchmarks/hl7_outbox.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.app.hl7.mdc import score_code, side_effect_code, vital_codes
from monitor.clinical.scales import SCALES, SideEffect
from monitor.params import PARAMS

# OBX-3's identifier -> the name the composer was given (the first parameter of a shared code: TEMP1 for MDC_TEMP)
NAMES: dict[str, str] = {}
for _name in reversed(PARAMS):
    NAMES[vital_codes(_name)[0].code] = _name
NAMES.update({score_code(k).code: k for k in (*SCALES, "dissociation")})
NAMES.update({side_effect_code(e.value).code: e.value for e in SideEffect})


@dataclass(frozen=True)
class ObxRow:
    param: str  # the monitor.params name, or the score / side-effect key
    value: float | str
    t: float
    status: str  # OBX-11
    identity: tuple[str, str]  # OBX-3 and OBX-4: what the EHR matches a correction with


@dataclass(frozen=True)
class Outboxed:
    key: str
    covers_t: float
    message: str
    obs: list[ObxRow]
    chair: str  # PV1-3's bed
    mrn: str | None  # PID-3, None without a PID


def _value(text: str) -> float | str:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def parse(message: str) -> tuple[list[ObxRow], str, str | None]:
    obs: list[ObxRow] = []
    chair, mrn = "", None
    for segment in message.split("\r"):
        f = segment.split("|")
        if f[0] == "PV1":
            chair = f[3].split("^")[2]  # PL: point of care (the desk) ^ room ^ bed (the chair) ^ facility
        elif f[0] == "PID":
            mrn = f[3].split("^")[0] or None  # empty: sent by location only
        elif f[0] == "OBX":
            when = datetime.strptime(f[14], "%Y%m%d%H%M%S%z").astimezone(UTC).timestamp()
            obs.append(ObxRow(NAMES[f[3].split("^")[0]], _value(f[5]), when, f[11], (f[3], f[4])))
    return obs, chair, mrn


def outbox(conn: sqlite3.Connection) -> list[Outboxed]:
    rows = conn.execute("SELECT key, covers_t, message FROM hl7_outbox ORDER BY id").fetchall()
    return [Outboxed(key, covers_t, message, *parse(message)) for key, covers_t, message in rows]
