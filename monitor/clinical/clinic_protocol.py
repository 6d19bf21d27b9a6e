"""The clinic's protocol: the numbers clinical.md says each clinic sets for itself ("Defaults must be configurable
per clinic: protocols differ"), read from a JSON file and checked before any session uses them.

Everything not in the file keeps this program's default (the clinical.md values, cited where they are defined).
Alarm limits stay within the hard bounds of monitor.clinical.alarm_limits, as a session's own changes do. Example:

    {
      "protocol": "iv-ketamine",
      "alarm_limits": {"NIBP_SYS": {"low": 90, "high": 170}, "SPO2": {"low": 93}},
      "check_interval_min": 10,
      "check_grace_min": 5,
      "bp_gate": {"sys": 150, "dia": 95},
      "max_rate_mg_kg_h": 1.0,
      "observe_after_stop_min": 45,
      "aldrete_circulation": "mmHg",
      "aldrete_override": true,
      "serial_hosts": ["10.1.2.3", "moxa-chair1.clinic.local"],
      "clinic_db": "host=db.clinic.local dbname=monitor user=desk_a sslmode=verify-full",
      "desk": "desk-a",
      "lock_after_min": 5,
      "hl7_out": "ehr-engine.clinic.local:2575",
      "hl7_unassigned": "hold",
      "hl7_interval_min": 5,
      "hl7_in": 2576,
      "hl7_facility": "KETAMINE-CLINIC"
    }

"protocol": which workflow governs the sessions (ProtocolKind): "iv-ketamine" (the default) or "esketamine-rems"
(the esketamine [PI]/[REMS] workflow many ketamine clinics follow: observation at least 2 h after dosing instead
of "observe_after_stop_min" after the infusion ends, and BP checks before dosing, at ~40 min and before the end).
"allow_above_ceiling": whether a dose rate or bolus above max_rate_mg_kg_h / max_bolus_mg_kg may be given at all;
false by default (this program's clinic default: refused). True lets a charge nurse or prescriber exceed them, or a
nurse with one's co-signature (initials + PIN, on the record), up to the absolute 5 mg/kg/h and 2 mg/kg.
"aldrete_circulation": the circulation item's variant (clinical.md [ALDRETE]: "percent", the default, or "mmHg").
"aldrete_override": whether an Aldrete score contradicting the monitor may be kept with a reason on the record;
false by default (this program's clinic default: such a score is refused, showing the values).
"serial_hosts" lists the serial device servers a port may reach over the network (socket://HOST:PORT or
rfc2217://HOST:PORT, monitor.devices.port_policy); without it only device paths are opened.
"show_other_desks": with a clinic database, the station also shows the chairs other desks record, read-only (false
by default: a desk shows its own chairs). "other_desks_alarms": "high" puts the other desks' high-priority alarms
in this station's alarm bar, marked with their desk and never sounding here ("none", the clinic default: they stay
on their cards; the alarm sounds at the desk that records the chair, whose nurse answers it).
"clinic_db": the clinic database's PostgreSQL connection string (TLS by its sslmode), "desk": this desk's name on it
(default the host name); --clinic-db and --desk on the command line win. Keep passwords out of this file (libpq's
~/.pgpass or PGPASSFILE); a DSN is never printed with its password.
"lock_after_min": the desk locks itself after this many minutes without keyboard or mouse input (LOCK_AFTER_MIN,
clinic default 5 min; 1 to 30) — monitor.app.desk.
The EHR interface (monitor.app.hl7.settings; --hl7-out, --hl7-unassigned and --hl7-in on the command line win):
"hl7_out": HOST:PORT of the interface engine's MLLP listener that ORU^R01 results go to (checked at start: a
connection string or URL is refused); "hl7_unassigned": "hold" (the clinic default: a session's messages wait until
it is assigned to a patient) or "send" (with the location only); "hl7_interval_min": vital signs every N minutes (1
to 60; clinic default 5); "hl7_in": the TCP port ADT^A04/A08 messages arrive on; "hl7_facility": MSH-4, the sending
facility's name.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from monitor.clinical import config_values
from monitor.clinical.alarm_limits import DEFAULT_LIMITS, Limit, adjust_limit
from monitor.clinical.errors import EntryError
from monitor.clinical.infusion import InfusionLimits
from monitor.clinical.recovery import MIN_OBSERVATION_S, REMS_OBSERVATION_S, Circulation, ObserveFrom
from monitor.clinical.schedule import CHECK_INTERVAL_S, GRACE_S
from monitor.clinical.screening import BP_GATE_DIA, BP_GATE_SYS
from monitor.devices.port_policy import PortPolicy

_KEYS = {
    "protocol",
    "alarm_limits",
    "check_interval_min",
    "check_grace_min",
    "bp_gate",
    "max_rate_mg_kg_h",
    "max_bolus_mg_kg",
    "allow_above_ceiling",
    "observe_after_stop_min",
    "aldrete_circulation",
    "aldrete_override",
    "serial_hosts",
    "clinic_db",
    "desk",
    "show_other_desks",
    "other_desks_alarms",
    "lock_after_min",
    "hl7_out",
    "hl7_unassigned",
    "hl7_interval_min",
    "hl7_in",
    "hl7_facility",
}
LOCK_AFTER_MIN = 5.0  # clinic default: the desk locks after 5 min without input (issue 18: "default 5")
OTHER_DESKS_ALARMS = ("none", "high")  # which of the other desks' alarms the station bar shows (never sounding)
DESK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")  # a host-name-like label: shown on cards, typed by IT


class ProtocolError(config_values.ConfigError):
    """The protocol file is unusable; the message names the file and the entry."""


class ProtocolKind(StrEnum):
    """The workflow a clinic follows (clinic.json "protocol"; clinical.md "Monitoring during infusion")."""

    IV_KETAMINE = "iv-ketamine"  # IV ketamine infusion: observe after the infusion ends (60 min, clinic default)
    ESKETAMINE_REMS = "esketamine-rems"  # [PI]/[REMS]: observe at least 2 h after dosing, BP at set times


@dataclass(frozen=True)
class ClinicProtocol:
    kind: ProtocolKind = ProtocolKind.IV_KETAMINE  # clinical.md: IV ketamine by default; a clinic may choose REMS
    limits: dict[str, Limit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    check_interval_s: float = CHECK_INTERVAL_S
    check_grace_s: float = GRACE_S
    bp_gate: tuple[float, float] = (BP_GATE_SYS, BP_GATE_DIA)
    infusion: InfusionLimits = field(default_factory=InfusionLimits)
    min_observation_s: float = MIN_OBSERVATION_S
    aldrete_circulation: Circulation = Circulation.PERCENT  # clinical.md [ALDRETE]: the % variant by default
    aldrete_override: bool = False  # clinic default: a score contradicting the monitor is refused, not kept
    serial_hosts: tuple[str, ...] = ()  # network serial servers a port may reach (none: device paths only)
    show_other_desks: bool = False  # clinic default: a station shows its own chairs; true adds other desks' (read-only)
    other_desks_alarms: str = "none"  # clinic default: other desks' alarms stay on their cards, not in this bar
    # the clinic database's DSN (None: this desk records locally only); it may hold a password: not in repr
    clinic_db: str | None = field(default=None, repr=False)
    desk: str | None = None  # this desk's name there (None: the host name)
    lock_after_s: float = 60 * LOCK_AFTER_MIN  # clinic default 5 min: idle time before the desk locks itself
    # The EHR interface as the file gives it (None / "": not in the file; app.hl7.settings has the defaults and
    # checks hl7_out, which is only text here)
    hl7_out: str | None = None
    hl7_unassigned: str | None = None
    hl7_interval_s: float | None = None
    hl7_in: int | None = None
    hl7_facility: str = ""
    source: str = "built-in defaults (shared/clinical.md)"  # what the session record names

    def describe(self) -> str:
        gate = f"{self.bp_gate[0]:g}/{self.bp_gate[1]:g}"
        return (
            f"clinic protocol: {self.source}; protocol {self.kind.value}; "
            f"checks every {self.check_interval_s / 60:g} min (+{self.check_grace_s / 60:g}); start gate {gate}; "
            f"max {self.infusion.max_rate_mg_kg_h:g} mg/kg/h; "
            f"observe {self.min_observation_s / 60:g} min after {self.observe_from.value}; Aldrete circulation in "
            f"{self.aldrete_circulation.value}; a score contradicting the monitor "
            + ("may be kept with a reason" if self.aldrete_override else "is refused")
        )

    def headline(self) -> str:
        """The protocol in one line, for the window's status bar: which, and what it sets, with each number's
        standing (clinical.md)."""
        if self.kind is ProtocolKind.ESKETAMINE_REMS:
            return (
                "Protocol esketamine-rems: observe ≥ 2 h after dosing [PI]; BP before dosing, at ~40 min and before "
                "the end [PI]/[REMS]"
            )
        default = " (clinic default)" if self.min_observation_s == MIN_OBSERVATION_S else " (this clinic's)"
        return f"Protocol iv-ketamine: observe {self.min_observation_s / 60:g} min after the infusion ends{default}"

    @property
    def observe_from(self) -> ObserveFrom:
        """iv-ketamine: after the infusion ends (clinic default); esketamine-rems: after dosing [PI]."""
        return ObserveFrom.DOSING if self.kind is ProtocolKind.ESKETAMINE_REMS else ObserveFrom.INFUSION_END

    @property
    def port_policy(self) -> PortPolicy:
        return PortPolicy.for_hosts(self.serial_hosts)


DEFAULT_PROTOCOL = ClinicProtocol()


_DESCRIBED_KIND = re.compile(r"; protocol ([a-z-]+);")


def kind_described(described: str) -> ProtocolKind:
    """The protocol kind a session's "clinic" link event (ClinicProtocol.describe, put on the record at each start)
    names; one recorded before issue 19 names none: iv-ketamine, the only protocol there was."""
    found = _DESCRIBED_KIND.search(described)
    try:
        return ProtocolKind(found.group(1)) if found else ProtocolKind.IV_KETAMINE
    except ValueError:
        raise ProtocolError(f"the record names an unknown clinic protocol {found.group(1)!r}") from None


def load_protocol(path: Path) -> ClinicProtocol:
    """The protocol in `path`; ProtocolError says what is wrong (unreadable, not JSON, a value out of range)."""
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except OSError as exc:
        raise ProtocolError(f"cannot read the clinic protocol {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ProtocolError(f"clinic protocol {path} is not valid JSON: {exc}") from None
    source = f"{path} (sha256 {hashlib.sha256(raw).hexdigest()[:12]})"
    try:
        return parse_protocol(data, source)
    except (EntryError, config_values.ConfigError) as exc:
        raise ProtocolError(f"clinic protocol {path}: {exc}") from None


def parse_protocol(data: Any, source: str) -> ClinicProtocol:
    if not isinstance(data, dict):
        raise ProtocolError("expected a JSON object")
    unknown = set(data) - _KEYS
    if unknown:
        raise ProtocolError(f"unknown entries {sorted(unknown)}; known: {sorted(_KEYS)}")
    base = DEFAULT_PROTOCOL
    infusion = replace(
        base.infusion,
        max_rate_mg_kg_h=_number(data, "max_rate_mg_kg_h", base.infusion.max_rate_mg_kg_h, 0.05, 5.0),
        max_bolus_mg_kg=_number(data, "max_bolus_mg_kg", base.infusion.max_bolus_mg_kg, 0.0, 2.0),
        allow_above_ceiling=_switch(data, "allow_above_ceiling", base.infusion.allow_above_ceiling),
    )
    gate = data.get("bp_gate", {})
    if not isinstance(gate, dict):
        raise ProtocolError('bp_gate must be an object like {"sys": 160, "dia": 100}')
    kind = _kind(data.get("protocol", base.kind.value))
    observe_min = _number(data, "observe_after_stop_min", base.min_observation_s / 60, 15, 240)
    if kind is ProtocolKind.ESKETAMINE_REMS:
        if "observe_after_stop_min" in data:  # two clocks for one discharge would contradict each other
            raise ProtocolError(
                'observe_after_stop_min applies to "iv-ketamine"; "esketamine-rems" observes at least 2 h after '
                "dosing ([PI]): remove the entry"
            )
        observe_min = REMS_OBSERVATION_S / 60
    return ClinicProtocol(
        kind=kind,
        limits=_limits(data.get("alarm_limits", {})),
        check_interval_s=60 * _number(data, "check_interval_min", base.check_interval_s / 60, 5, 60),
        check_grace_s=60 * _number(data, "check_grace_min", base.check_grace_s / 60, 0, 15),
        bp_gate=(
            _number(gate, "sys", base.bp_gate[0], 120, 200, "bp_gate."),
            _number(gate, "dia", base.bp_gate[1], 70, 120, "bp_gate."),
        ),
        infusion=infusion,
        min_observation_s=60 * observe_min,
        aldrete_circulation=_circulation(data.get("aldrete_circulation", base.aldrete_circulation.value)),
        aldrete_override=_switch(data, "aldrete_override", base.aldrete_override),
        serial_hosts=_hosts(data.get("serial_hosts", [])),
        show_other_desks=_switch(data, "show_other_desks", base.show_other_desks),
        other_desks_alarms=_choice(data, "other_desks_alarms", base.other_desks_alarms, OTHER_DESKS_ALARMS),
        clinic_db=config_values.text(data["clinic_db"], "clinic_db", 2000) if "clinic_db" in data else None,
        desk=desk_name(data["desk"], "desk") if "desk" in data else None,
        lock_after_s=60 * _number(data, "lock_after_min", base.lock_after_s / 60, 1, 30),
        **_hl7(data),
        source=source,
    )


def _hl7(data: dict) -> dict[str, Any]:
    """The EHR interface's entries (checked for type and range here; hl7_out's form by app.hl7.settings)."""
    return {
        "hl7_out": config_values.text(data["hl7_out"], "hl7_out", 300) if "hl7_out" in data else None,
        "hl7_unassigned": _choice(data, "hl7_unassigned", "hold", ("hold", "send"))
        if "hl7_unassigned" in data
        else None,
        "hl7_interval_s": 60 * config_values.number(data["hl7_interval_min"], "hl7_interval_min", 1, 60)
        if "hl7_interval_min" in data
        else None,
        "hl7_in": config_values.integer(data["hl7_in"], "hl7_in", 1, 65535) if "hl7_in" in data else None,
        "hl7_facility": config_values.text(data["hl7_facility"], "hl7_facility", 180) if "hl7_facility" in data else "",
    }


def desk_name(value: Any, entry: str) -> str:
    """A desk's name on the clinic database: letters, digits, '.', '_' and '-', up to 63 characters."""
    name = config_values.text(value, entry, 63)
    if not DESK_NAME.fullmatch(name):
        raise ProtocolError(f"{entry} {name!r}: use letters, digits, '.', '_' or '-' (like desk-a), up to 63")
    return name


def _number(data: dict, key: str, default: float, low: float, high: float, prefix: str = "") -> float:
    return config_values.number(data.get(key, default), prefix + key, low, high)


def _hosts(items: Any) -> tuple[str, ...]:
    if not isinstance(items, list):
        raise ProtocolError('serial_hosts must be a list of host names or addresses, like ["10.1.2.3"]')
    hosts = []
    for i, item in enumerate(items):
        host = config_values.text(item, f"serial_hosts[{i}]", max_length=253)
        if any(c in host for c in " /@?#\\") or host != host.strip():
            raise ProtocolError(f"serial_hosts[{i}] {host!r} is not a host name or address")
        hosts.append(host)
    return tuple(hosts)


def _circulation(value: Any) -> Circulation:
    try:
        return Circulation(value)
    except ValueError:
        raise ProtocolError(
            f"aldrete_circulation must be one of {[c.value for c in Circulation]}, got {value!r}"
        ) from None


def _kind(value: Any) -> ProtocolKind:
    try:
        return ProtocolKind(value)
    except ValueError:
        raise ProtocolError(f"protocol must be one of {[k.value for k in ProtocolKind]}, got {value!r}") from None


def _choice(data: dict, key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = data.get(key, default)
    if value not in allowed:
        raise ProtocolError(f"{key} must be one of {list(allowed)}, got {value!r}")
    return value


def _switch(data: dict, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ProtocolError(f"{key} must be true or false, got {value!r}")
    return value


def _limits(items: Any) -> dict[str, Limit]:
    if not isinstance(items, dict):
        raise ProtocolError("alarm_limits must be an object of parameters")
    limits = dict(DEFAULT_LIMITS)
    for param, given in items.items():
        if param not in limits:
            raise ProtocolError(f"alarm_limits: no alarm for {param!r}; these have limits: {sorted(limits)}")
        if not isinstance(given, dict) or not set(given) <= {"low", "high"}:
            raise ProtocolError(f"alarm_limits.{param} must be an object with low and/or high")
        old = limits[param]
        low, high = (_limit_value(given, k, getattr(old, k), f"alarm_limits.{param}.{k}") for k in ("low", "high"))
        try:
            limits[param] = adjust_limit(old, low, high)
        except EntryError as exc:  # the nurse's words name the parameter by label; the file's reader needs the key
            raise ProtocolError(f"alarm_limits.{param}: {exc}") from None
    return limits


def _limit_value(given: dict, key: str, old: float | None, entry: str) -> float | None:
    if key not in given:
        return old
    return None if given[key] is None else config_values.number(given[key], entry)
