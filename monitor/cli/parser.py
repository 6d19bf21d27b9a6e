"""The command line's arguments: one parser with a sub-command each, and the checks of their values."""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.app import export
from monitor.cli.hl7 import add_hl7_parser
from monitor.cli.users import add_user_option, add_users_parser
from monitor.devices.protocols import PROTOCOL_NAMES

SUBCOMMANDS = (
    "run",
    "record",
    "simulate",
    "decode",
    "replay",
    "ports",
    "export",
    "verify",
    "backup",
    "sessions",
    "sound-check",
    "clinic-db",
    "review",
    "users",
    "access-log",
    "hl7",
)


def _number(text: str, kind: type[float] | type[int], what: str) -> float:
    """The argument as a number, or argparse's error naming what was expected."""
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what}, got {text!r}") from None


def _positive_speed(text: str) -> float:
    value = _number(text, float, "speed must be a number")
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError(f"speed must be above 0 and at most 10000, got {value:g}")
    return value


def _positive_seconds(text: str) -> float:
    value = _number(text, float, "duration must be a number of seconds")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"duration must be above 0 s, got {value:g}")
    return value


def _chair_count(text: str) -> int:
    value = int(_number(text, int, "--station takes a number of chairs"))
    if not 0 <= value <= 8:
        raise argparse.ArgumentTypeError(f"a station has 1 to 8 chairs (0: the saved assignments), not {value}")
    return value


def _db_or_dsn(text: str) -> Path | str:
    """A local database file, or the clinic database's postgresql:// (postgres://) connection string."""
    from monitor.storage.hub_read import is_hub

    return text if is_hub(text) else Path(text)


def _session(text: str) -> str:
    """A session id, or DESK:ID on the clinic database (which of the two --db allows is checked when it runs)."""
    from monitor.storage.hub_read import parse_address

    if not text.isdigit():
        try:
            parse_address(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"a session is an id (a number) or DESK:ID, not {text!r}") from None
    return text


DB_OR_HUB_HELP = "database file (default: the one in the user data directory), or the clinic database's postgresql://"
SESSION_HELP = "session id (see `sessions`); on the clinic database DESK:ID, e.g. desk-a:12"


def _add_simulation_options(p: argparse.ArgumentParser, default_scenario: str) -> None:
    p.add_argument("--scenario", default=default_scenario, help=f"simulated scenario (default {default_scenario})")
    p.add_argument("--speed", type=_positive_speed, default=1.0, help="simulated time runs N times faster")
    p.add_argument("--seed", type=int, default=0, help="random seed of the simulated patient")


CLINIC_HELP = (
    "the clinic's protocol (alarm limits, check interval, start gate, dose ceiling; JSON). Default: clinic.json in "
    "the data directory if present, else the built-in clinical.md defaults"
)


def _desk(text: str) -> str:
    from monitor.clinical.clinic_protocol import ProtocolError, desk_name

    try:
        return desk_name(text, "--desk")
    except ProtocolError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_clinic_db_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--clinic-db",
        metavar="DSN",
        help="ship everything recorded to the clinic database (PostgreSQL connection string, e.g. "
        "'host=db.clinic dbname=monitor user=desk_a sslmode=verify-full'; TLS by sslmode). Default: clinic.json's "
        "clinic_db, else local only. The local database stays the journal: recording never waits for it",
    )
    p.add_argument(
        "--desk", type=_desk, metavar="NAME", help="this desk's name on the clinic database (default: clinic.json's "
        "desk, else the host name)"
    )


def _hl7_target(text: str):  # -> Hl7Target (imported lazily, as every command's modules are)
    from monitor.app.hl7.settings import parse_target

    try:
        return parse_target(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _hl7_port(text: str) -> int:
    from monitor.app.hl7.settings import parse_port

    try:
        return parse_port(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_hl7_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--hl7-out",
        type=_hl7_target,
        metavar="HOST:PORT",
        help="send results to the EHR as HL7 v2 ORU^R01 over MLLP to this interface engine (stored first, sent in "
        "order, resent until acknowledged). Default: clinic.json's hl7_out, else none",
    )
    p.add_argument(
        "--hl7-unassigned",
        choices=("hold", "send"),
        help="a session without a patient: hold its messages until it is assigned (default), or send them with the "
        'location only (clinic.json "hl7_unassigned")',
    )
    p.add_argument(
        "--hl7-in", type=_hl7_port, metavar="PORT", help="listen for ADT^A04/A08 (patients in) on this TCP port"
    )


def _export_targets() -> str:
    """'file (pdf, fhir) or folder (csv)', from the registry."""
    kinds = {kind: [e.name for e in export.exporters() if e.target is kind] for kind in export.Target}
    return " or ".join(f"{kind.value} ({', '.join(names)})" for kind, names in kinds.items() if names)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="infusion-monitor",
        description="Nurse-station session monitor for ketamine infusions.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the monitor window (default)")
    run.add_argument(
        "--port",
        help="serial device, or socket:// / rfc2217:// to a host in clinic.json serial_hosts; without it a built-in "
        "simulated monitor is used",
    )
    run.add_argument("--protocol", choices=PROTOCOL_NAMES, default="datex-s5")
    run.add_argument("--baudrate", type=int, help="override the protocol's default baud rate")
    run.add_argument("--db", type=Path, help="database file (default: in the user data directory)")
    run.add_argument(
        "--station",
        type=_chair_count,
        metavar="N",
        help="the station overview: N chairs with simulated monitors speaking --protocol (1-8), or 0 for the ports "
        "saved in station.json",
    )
    run.add_argument(
        "--resume",
        choices=("ask", "yes", "no"),
        default="ask",
        help="this chair's unfinished session (closed unfinished, or a crash) is found: ask (default; without a "
        "display nothing resumes silently: a new session, and stderr says so), resume it, or start new",
    )
    run.add_argument("--clinic", type=Path, metavar="FILE", help=CLINIC_HELP)
    _add_clinic_db_options(run)
    _add_hl7_options(run)
    run.add_argument(
        "--show-desks",
        choices=("all", "none"),
        help="with a clinic database and --station: also show the chairs other desks record (read-only), or not "
        '(default: clinic.json "show_other_desks")',
    )
    _add_simulation_options(run, "stable")

    rec = sub.add_parser("record", help="record a session without a window (headless)")
    rec.add_argument(
        "--port", required=True, help="the bedside monitor's serial device, or socket:// / rfc2217:// (serial_hosts)"
    )
    rec.add_argument("--protocol", choices=PROTOCOL_NAMES, required=True)
    rec.add_argument("--baudrate", type=int, help="override the protocol's default baud rate")
    rec.add_argument("--db", type=Path, help="database file (default: in the user data directory)")
    rec.add_argument(
        "--resume", action="store_true", help="continue the unfinished session last recorded from this same port"
    )
    rec.add_argument("--duration", type=_positive_seconds, help="stop after this many seconds (default: Ctrl+C)")
    rec.add_argument(
        "--service",
        metavar="INITIALS",
        help="the service account it records as (required; made by `users add --role service`): samples only, never "
        "a nurse entry",
    )
    rec.add_argument("--clinic", type=Path, metavar="FILE", help=CLINIC_HELP)
    _add_clinic_db_options(rec)
    _add_hl7_options(rec)

    sim = sub.add_parser("simulate", help="run a simulated bedside monitor on a pseudo-terminal")
    sim.add_argument("--protocol", choices=PROTOCOL_NAMES, default="datex-s5")
    sim.add_argument("--link-dir", help="folder for the stable port symlink (default: a new temporary folder)")
    _add_simulation_options(sim, "stable")

    dec = sub.add_parser("decode", help="decode a raw capture or byte dump to JSON lines")
    dec.add_argument("--protocol", choices=PROTOCOL_NAMES, required=True)
    dec.add_argument("file", type=Path, help="raw capture file (.ismcap) or a plain byte dump")
    dec.add_argument("--status", action="store_true", help="also print device status changes as JSON lines")
    dec.add_argument("--waves", action="store_true", help="also print waveform blocks as JSON lines (null = gap)")

    rep = sub.add_parser("replay", help="replay a raw capture through its decoder into a new session, for review")
    rep.add_argument("file", type=Path, help="raw capture file (.ismcap)")
    rep.add_argument("--speed", type=_positive_speed, help="N x real time (default: as fast as possible)")
    rep.add_argument("--db", type=Path, help="database file (default: in the user data directory)")
    add_user_option(rep)

    sub.add_parser("ports", help="list the serial ports of this computer")

    exp = sub.add_parser("export", help="export a session: PDF record, CSV (samples + timeline) or FHIR R4 bundle")
    exp.add_argument("--session", type=_session, required=True, help=SESSION_HELP)
    exp.add_argument("--format", choices=export.names(), required=True)
    exp.add_argument("--out", type=Path, required=True, help=f"{_export_targets()} to write")
    exp.add_argument("--db", type=_db_or_dsn, help=DB_OR_HUB_HELP)
    exp.add_argument("--force", action="store_true", help="replace existing files (never a symbolic link)")
    add_user_option(exp)

    ver = sub.add_parser("verify", help="check the audit trail's hash chain; reports the first altered row")
    ver.add_argument("db", type=_db_or_dsn, nargs="?", help=DB_OR_HUB_HELP + " (each desk's chain is checked)")
    add_user_option(ver)
    ver.add_argument("--expect", metavar="HASH", help="the audit chain head printed on a PDF record: proves the stored "
                     "session still matches that paper")
    ver.add_argument("--session", type=int, help="the session whose printed record gave --expect")

    acl = sub.add_parser("access-log", help="who opened, printed or exported a patient's records (administrator)")
    acl.add_argument("--patient", required=True, metavar="MRN", help="the patient's medical record number")
    acl.add_argument("--db", type=Path, help="database file (default: the one in the user data directory)")
    add_user_option(acl)

    ses = sub.add_parser("sessions", help="list the sessions: id, chair or port, patient, start, end, state")
    ses.add_argument("--db", type=_db_or_dsn, help=DB_OR_HUB_HELP + " (with a DESK column)")
    ses.add_argument("--json", action="store_true", help="one JSON array instead of a table")

    bak = sub.add_parser("backup", help="copy the database safely while it is in use (SQLite online backup)")
    bak.add_argument("dest", type=Path, help="backup file to write")
    bak.add_argument("--db", type=Path, help="database file (default: the one in the user data directory)")
    bak.add_argument("--force", action="store_true", help="replace an existing file (never a symbolic link)")
    add_user_option(bak)

    rev = sub.add_parser("review", help="review recorded sessions (read-only window): of this desk or the clinic's")
    rev.add_argument("--db", type=_db_or_dsn, help=DB_OR_HUB_HELP)
    rev.add_argument("--session", type=_session, help=SESSION_HELP + " (default: the list of sessions, to pick one)")
    add_user_option(rev)

    add_users_parser(sub)

    sub.add_parser("sound-check", help="play the high, medium and low alarm bursts; non-zero exit if none could")

    hub = sub.add_parser("clinic-db", help="the clinic database (PostgreSQL): create or migrate its tables and roles")
    hub_sub = hub.add_subparsers(dest="clinic_db_command", metavar="ACTION", required=True)
    hub_init = hub_sub.add_parser("init", help="create or migrate the tables and the desk role (idempotent)")
    hub_init.add_argument("dsn", help="PostgreSQL connection string of the database's owner, e.g. postgresql://...")
    hub_init.add_argument("--desk-role", metavar="NAME", help="also create this desk's login role, in monitor_desk")
    hub_init.add_argument("--desk-password-file", type=Path, metavar="FILE", help="the desk role's password (a file)")
    hub_init.add_argument(
        "--reader-role", metavar="NAME", help="also create a read-only login role (SELECT only), e.g. a prescriber"
    )
    hub_init.add_argument("--reader-password-file", type=Path, metavar="FILE", help="the reader role's password")

    add_hl7_parser(sub)
    return parser
