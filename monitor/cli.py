"""Command line: `infusion-monitor [run]`, `record`, `simulate`, `decode`, `replay`, `ports`, `export`, `verify`,
`backup`, `sessions`, `sound-check`.

Qt is imported only by `run` (and `export --format pdf`, offscreen; `sound-check`, no display), so the headless
commands start fast and work on a machine without a display.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from monitor.app import export
from monitor.devices.protocols import PROTOCOL_NAMES

SUBCOMMANDS = (
    "run", "record", "simulate", "decode", "replay", "ports", "export", "verify", "backup", "sessions", "sound-check"
)


def _positive_speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number, got {text!r}") from None
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError(f"speed must be above 0 and at most 10000, got {value:g}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"duration must be a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"duration must be above 0 s, got {value:g}")
    return value


def _chair_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--station takes a number of chairs, got {text!r}") from None
    if not 0 <= value <= 8:
        raise argparse.ArgumentTypeError(f"a station has 1 to 8 chairs (0: the saved assignments), not {value}")
    return value


def _initials(text: str) -> str:
    from monitor.clinical.entries import validate_initials
    from monitor.clinical.errors import EntryError

    try:
        return validate_initials(text)
    except EntryError:
        raise argparse.ArgumentTypeError(f"initials must be 2 to 4 letters, got {text!r}") from None


def _add_simulation_options(p: argparse.ArgumentParser, default_scenario: str) -> None:
    p.add_argument("--scenario", default=default_scenario, help=f"simulated scenario (default {default_scenario})")
    p.add_argument("--speed", type=_positive_speed, default=1.0, help="simulated time runs N times faster")
    p.add_argument("--seed", type=int, default=0, help="random seed of the simulated patient")


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
        help="the station overview: N chairs with simulated monitors (1-8), or 0 for the ports saved in station.json",
    )
    run.add_argument(
        "--resume",
        choices=("ask", "yes", "no"),
        default="ask",
        help="this chair's unfinished session (closed unfinished, or a crash) is found: ask (default; without a "
        "display nothing resumes silently: a new session, and stderr says so), resume it, or start new",
    )
    run.add_argument("--initials", type=_initials, help="the nurse's initials, stamped on every entry (2-4 letters)")
    run.add_argument("--clinic", type=Path, metavar="FILE", help=CLINIC_HELP)
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
    rec.add_argument("--clinic", type=Path, metavar="FILE", help=CLINIC_HELP)

    sim = sub.add_parser("simulate", help="run a simulated bedside monitor on a pseudo-terminal")
    sim.add_argument("--protocol", choices=PROTOCOL_NAMES, default="datex-s5")
    sim.add_argument("--link-dir", help="folder for the stable port symlink (default: a new temporary folder)")
    _add_simulation_options(sim, "stable")

    dec = sub.add_parser("decode", help="decode a raw capture or byte dump to JSON lines")
    dec.add_argument("--protocol", choices=PROTOCOL_NAMES, required=True)
    dec.add_argument("file", type=Path, help="raw capture file (.ismcap) or a plain byte dump")
    dec.add_argument("--status", action="store_true", help="also print device status changes as JSON lines")

    rep = sub.add_parser("replay", help="replay a raw capture through its decoder into a new session, for review")
    rep.add_argument("file", type=Path, help="raw capture file (.ismcap)")
    rep.add_argument("--speed", type=_positive_speed, help="N x real time (default: as fast as possible)")
    rep.add_argument("--db", type=Path, help="database file (default: in the user data directory)")

    sub.add_parser("ports", help="list the serial ports of this computer")

    exp = sub.add_parser("export", help="export a session: PDF record, CSV (samples + timeline) or FHIR R4 bundle")
    exp.add_argument("--session", type=int, required=True, help="session id (see the review window or the database)")
    exp.add_argument("--format", choices=export.names(), required=True)
    exp.add_argument("--out", type=Path, required=True, help=f"{_export_targets()} to write")
    exp.add_argument("--db", type=Path, help="database file (default: the one in the user data directory)")
    exp.add_argument("--force", action="store_true", help="replace existing files (never a symbolic link)")

    ver = sub.add_parser("verify", help="check the audit trail's hash chain; reports the first altered row")
    ver.add_argument("db", type=Path, nargs="?", help="database file (default: the one in the user data directory)")

    ses = sub.add_parser("sessions", help="list the sessions: id, chair or port, patient, start, end, state")
    ses.add_argument("--db", type=Path, help="database file (default: the one in the user data directory)")
    ses.add_argument("--json", action="store_true", help="one JSON array instead of a table")

    bak = sub.add_parser("backup", help="copy the database safely while it is in use (SQLite online backup)")
    bak.add_argument("dest", type=Path, help="backup file to write")
    bak.add_argument("--db", type=Path, help="database file (default: the one in the user data directory)")
    bak.add_argument("--force", action="store_true", help="replace an existing file (never a symbolic link)")

    sub.add_parser("sound-check", help="play the high, medium and low alarm bursts; non-zero exit if none could")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in SUBCOMMANDS and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, "run")
    args = build_parser().parse_args(args_list)
    _make_files_private(args)
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "decode":
        return _decode(args)
    if args.command == "ports":
        return _ports()
    if args.command == "record":
        return _record(args)
    if args.command == "replay":
        return _replay(args)
    if args.command == "export":
        return _export(args)
    if args.command == "verify":
        return _verify(args.db)
    if args.command == "backup":
        return _backup(args.db, args.dest, args.force)
    if args.command == "sound-check":
        return _sound_check()
    if args.command == "sessions":
        return _sessions(args.db, args.json)
    return _run(args)


# the commands that open the database or write into the data folder
_DATA_COMMANDS = frozenset(("run", "record", "replay", "export", "verify", "backup", "sessions"))


def _make_files_private(args: argparse.Namespace) -> None:
    """Everything this process writes is owner-only (it may hold patient data); an older version's 0644 files and
    0755 folder are tightened before anything is read or recorded."""
    from monitor.storage.private_files import repair_modes, set_private_umask

    set_private_umask()
    if args.command in _DATA_COMMANDS:
        from monitor.storage.paths import data_dir, default_db_path

        repair_modes(data_dir(), getattr(args, "db", None) or default_db_path())


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def _decode(args: argparse.Namespace) -> int:
    from monitor.devices.capture import CaptureError

    try:
        return _decode_file(args)
    except CaptureError as exc:  # a damaged or crafted capture: the byte offset and the reason
        print(f"decode: {exc}", file=sys.stderr)
        return 2


def _decode_file(args: argparse.Namespace) -> int:
    from monitor.devices.capture import iter_chunks
    from monitor.devices.events import DeviceStatus, Sample
    from monitor.devices.protocols import make_decoder
    from monitor.params import PARAMS

    if not args.file.is_file():
        print(f"decode: no such file: {args.file}", file=sys.stderr)
        return 2
    decoder = make_decoder(args.protocol)
    out = sys.stdout
    for host_time, chunk in iter_chunks(args.file):
        for event in decoder.feed(chunk, host_time if host_time is not None else 0.0):
            if isinstance(event, Sample):
                unit = PARAMS[event.param].unit if event.param in PARAMS else ""
                line = {"time": _iso(event.time), "param": event.param, "value": event.value, "unit": unit}
                if event.flags:
                    line["flags"] = [f.name.lower() for f in type(event.flags) if f in event.flags and f.name]
                out.write(json.dumps(line) + "\n")
            elif isinstance(event, DeviceStatus) and args.status:
                status = {
                    "time": _iso(event.time),
                    "status": sorted(c.value for c in event.conditions),
                    "unavailable": {param: state.value for param, state in event.unavailable},
                }
                out.write(json.dumps(status) + "\n")
    s = decoder.stats
    print(
        f"decode: {s.bytes_in} bytes, {s.frames_ok} frames ok, {s.bad_frames} bad frames, "
        f"{s.resyncs} resyncs ({s.skipped_bytes} bytes skipped), {s.invalid_values} invalid values",
        file=sys.stderr,
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from monitor.devices.simulator.server import run_simulator_cli

    return run_simulator_cli(args.protocol, args.scenario, args.speed, args.seed, args.link_dir)


def _ports() -> int:
    from monitor.devices.link import list_ports

    ports = list_ports()
    if not ports:
        print(
            "No serial ports found. socket://HOST:PORT or rfc2217://HOST:PORT also work with --port, to a host "
            "listed in clinic.json serial_hosts."
        )
    for p in ports:
        print(f"{p.device}\t{p.description}\t{p.hwid}")
    return 0


def _existing_db(db: Path | None) -> Path | None:
    from monitor.storage.paths import default_db_path

    path = db or default_db_path()
    if not path.is_file():
        print(f"infusion-monitor: no database at {path}", file=sys.stderr)
        return None
    return path


def _verify(db: Path | None) -> int:
    from monitor.storage.audit import verify
    from monitor.storage.db import connect

    path = _existing_db(db)
    if path is None:
        return 2
    conn = connect(path)
    try:
        result = verify(conn)
    finally:
        conn.close()
    if result.ok:
        print(f"{path}: audit trail intact ({result.rows} audit rows, {result.entries} entries)")
        return 0
    print(f"{path}: ALTERED: {result.problem}")
    return 1


def _replay(args: argparse.Namespace) -> int:
    from monitor.app.replay import replay_capture
    from monitor.storage.paths import default_db_path
    from monitor.storage.writer import SessionWriter

    if not args.file.is_file():
        print(f"replay: no such file: {args.file}", file=sys.stderr)
        return 2
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent // 10 != shown[0] // 10:
            shown[0] = percent
            print(f"replay: {percent} %", file=sys.stderr, flush=True)

    with SessionWriter(args.db or default_db_path()) as writer:
        try:
            sid = replay_capture(args.file, writer, speed=args.speed, progress=progress)
        except ValueError as exc:
            print(f"replay: {exc}", file=sys.stderr)
            return 2
    print(f"replayed {args.file} into session {sid}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from monitor.app.session_record import load_record

    path = _existing_db(args.db)
    if path is None:
        return 2
    try:
        record = load_record(path, args.session)
    except KeyError as exc:
        print(f"infusion-monitor: {exc.args[0]}", file=sys.stderr)
        return 2
    try:
        written = _write_export(record, args.format, args.out, args.force)
    except ValueError as exc:  # TargetRefused: a symlink, or a file that exists without --force
        print(f"infusion-monitor: export refused: {exc}", file=sys.stderr)
        return 1
    for p in written:
        print(p)
    return 0


def _export_targets() -> str:
    """'file (pdf, fhir) or folder (csv)', from the registry."""
    kinds = {kind: [e.name for e in export.exporters() if e.target is kind] for kind in export.Target}
    return " or ".join(f"{kind.value} ({', '.join(names)})" for kind, names in kinds.items() if names)


def _write_export(record, fmt: str, out: Path, force: bool) -> list[Path]:  # record: SessionRecord
    exporter = export.get(fmt)
    if exporter.drawn_by is not None:  # drawn with Qt (the PDF): offscreen, no window is needed
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication

        _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
        importlib.import_module(exporter.drawn_by)  # provides the writer
        exporter = export.get(fmt)
    done: list[int] = []
    written = exporter.write(record, out, lambda _done, total: done.append(total), force=force)
    if exporter.counts and done:
        print(f"{done[-1]} {exporter.counts}", file=sys.stderr)
    return written


def _sound_check() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window; IT may run it over ssh
    from monitor.ui.sound_check import run_sound_check

    return run_sound_check()


def _sessions(db: Path | None, as_json: bool) -> int:
    from monitor.app.lifecycle import session_listing
    from monitor.timefmt import iso_minute_text

    path = _existing_db(db)
    if path is None:
        return 2
    rows = session_listing(path)
    if as_json:
        print(json.dumps([r.as_json() for r in rows], indent=1))
        return 0
    table = [("ID", "CHAIR OR PORT", "PATIENT", "START", "END OR DISCHARGE", "STATE")]
    for r in rows:
        start = iso_minute_text(r.started_at)
        table.append((str(r.id), r.where, r.patient, start, r.end, r.state.value))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print(f"(no sessions in {path})")
    return 0


def _backup(db: Path | None, dest: Path, force: bool = False) -> int:
    from monitor.storage.backup import backup

    path = _existing_db(db)
    if path is None:
        return 2
    try:
        pages = backup(path, dest, force)
    except (OSError, ValueError) as exc:
        print(f"infusion-monitor: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {path} to {dest} ({pages} pages)")
    return 0


CLINIC_HELP = (
    "the clinic's protocol (alarm limits, check interval, start gate, dose ceiling; JSON). Default: clinic.json in "
    "the data directory if present, else the built-in clinical.md defaults"
)


def _clinic(path: Path | None):  # -> ClinicProtocol | None (imported lazily, as every command's modules are)
    """The clinic protocol to use, or None after saying on stderr why the file is unusable."""
    from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ProtocolError, load_protocol
    from monitor.storage.paths import clinic_file

    path = path or (clinic_file() if clinic_file().is_file() else None)
    if path is None:
        return DEFAULT_PROTOCOL
    try:
        return load_protocol(path)
    except ProtocolError as exc:
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        return None


def _port_usable(port: str | None, clinic) -> bool:  # clinic: ClinicProtocol (its serial_hosts)
    """Refuse a port the clinic does not allow (monitor.devices.port_policy); a device path not there yet only
    warns (a recorder started at boot may come up before the USB adapter does, and the link keeps trying)."""
    from monitor.devices.link import port_problem
    from monitor.devices.port_policy import PortRefused, check_port

    if port is None:
        return True
    try:
        check_port(port, clinic.port_policy, "--port")
    except PortRefused as exc:
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        return False
    problem = port_problem(port, clinic.port_policy, "--port")
    if problem is not None:
        print(f"infusion-monitor: warning: {problem}; waiting for it to appear", file=sys.stderr)
    return True


def _record(args: argparse.Namespace) -> int:
    import logging

    from monitor.app.headless import run_record
    from monitor.devices.protocols import line_settings
    from monitor.storage.paths import default_db_path

    try:
        line_settings(args.protocol, args.baudrate)
    except ValueError as exc:
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        return 2
    clinic = _clinic(args.clinic)
    if clinic is None or not _port_usable(args.port, clinic):
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_record(
        args.port,
        args.protocol,
        args.db or default_db_path(),
        baudrate=args.baudrate,
        resume=args.resume,
        duration=args.duration,
        clinic=clinic,
    )


def _run(args: argparse.Namespace) -> int:
    from monitor.devices.protocols import line_settings

    try:
        line_settings(args.protocol, args.baudrate)  # refuse a wrong rate before any window opens
    except ValueError as exc:
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        return 2
    clinic = _clinic(args.clinic)
    if clinic is None or not _port_usable(args.port, clinic):
        return 2
    from monitor.ui.app import run_gui

    return run_gui(gui_options(args, clinic))


def gui_options(args: argparse.Namespace, clinic):  # clinic: ClinicProtocol; -> GuiOptions (imported lazily)
    """The typed options the window receives, from `run`'s arguments and the clinic protocol already loaded."""
    from monitor.app.gui_options import GuiOptions

    return GuiOptions(
        clinic=clinic,
        port=args.port,
        protocol=args.protocol,
        baudrate=args.baudrate,
        db=args.db,
        station=args.station,
        resume=args.resume,
        initials=args.initials or "",
        scenario=args.scenario,
        speed=args.speed,
        seed=args.seed,
    )
