"""The commands that run a monitor: the window (`run`), the headless recorder (`record`), the simulator, the port
list and the sound check; and the clinic protocol and port checks they share."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _clinic_path(path: Path | None) -> Path | None:
    """The clinic protocol's file: `--clinic FILE`, else clinic.json in the data directory if present."""
    from monitor.storage.paths import clinic_file

    return path or (clinic_file() if clinic_file().is_file() else None)


def _clinic(path: Path | None):  # -> ClinicProtocol | None (imported lazily, as every command's modules are)
    """The clinic protocol to use, or None after saying on stderr why the file is unusable."""
    from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ProtocolError, load_protocol

    path = _clinic_path(path)
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


def _checked_start(args: argparse.Namespace):  # -> ClinicProtocol | None
    """What `run` and `record` check before anything opens: the line rate, the clinic protocol, the port; the
    clinic protocol to use, or None after saying on stderr what is wrong."""
    from monitor.devices.protocols import line_settings

    try:
        line_settings(args.protocol, args.baudrate)  # refuse a wrong rate before any window or port opens
    except ValueError as exc:
        print(f"infusion-monitor: {exc}", file=sys.stderr)
        return None
    clinic = _clinic(args.clinic)
    if clinic is None or not _port_usable(args.port, clinic):
        return None
    return clinic


def clinic_db(args: argparse.Namespace, clinic):  # clinic: ClinicProtocol; -> ClinicDb | None
    """Where this desk ships its record: --clinic-db / --desk, else clinic.json's, the desk named after the host;
    None: local only."""
    import socket

    from monitor.app.replication import ClinicDb

    dsn = getattr(args, "clinic_db", None) or clinic.clinic_db
    if not dsn:
        return None
    return ClinicDb(dsn, getattr(args, "desk", None) or clinic.desk or socket.gethostname())


def hl7_settings(args: argparse.Namespace, clinic):  # clinic: ClinicProtocol; -> Hl7Settings | None
    """The EHR interface's settings: the command line's flags, else clinic.json's entries, else the defaults; None
    after saying on stderr what is wrong (a DSN-like hl7_out in clinic.json: the flag's own value argparse checked)."""
    from dataclasses import replace

    from monitor.app.hl7.settings import Hl7Settings, Unassigned, parse_target

    base = Hl7Settings()
    out = getattr(args, "hl7_out", None)
    if out is None and clinic.hl7_out:
        try:
            out = parse_target(clinic.hl7_out)
        except ValueError as exc:
            print(f"infusion-monitor: clinic protocol hl7_out: {exc}", file=sys.stderr)
            return None
    unassigned = getattr(args, "hl7_unassigned", None) or clinic.hl7_unassigned or base.unassigned.value
    listen = getattr(args, "hl7_in", None)
    return replace(
        base,
        out=out,
        unassigned=Unassigned(unassigned),
        interval_s=clinic.hl7_interval_s or base.interval_s,
        listen_port=listen if listen is not None else clinic.hl7_in,
        facility=clinic.hl7_facility,
    )


def record(args: argparse.Namespace) -> int:
    import logging

    from monitor.app.headless import run_record
    from monitor.cli.signing_in import record_service_start, service_account
    from monitor.storage.paths import default_db_path

    clinic = _checked_start(args)
    hl7 = None if clinic is None else hl7_settings(args, clinic)
    if hl7 is None:
        return 2
    where = clinic_db(args, clinic)
    service = service_account(args.db or default_db_path(), args.service, where)
    if service is None:
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    record_service_start(args.db or default_db_path(), service, args.port)
    return run_record(
        args.port,
        args.protocol,
        args.db or default_db_path(),
        baudrate=args.baudrate,
        resume=args.resume,
        duration=args.duration,
        clinic=clinic,
        clinic_db=where,
        hl7=hl7,
    )


def run(args: argparse.Namespace) -> int:
    clinic = _checked_start(args)
    hl7 = None if clinic is None else hl7_settings(args, clinic)
    if hl7 is None:
        return 2
    from monitor.ui.app import run_gui

    return run_gui(gui_options(args, clinic, hl7))


def gui_options(args: argparse.Namespace, clinic, hl7=None):  # ClinicProtocol, Hl7Settings; -> GuiOptions
    """The typed options the window receives, from `run`'s arguments and the clinic protocol already loaded."""
    from monitor.app.gui_options import GuiOptions
    from monitor.app.hl7.settings import Hl7Settings

    return GuiOptions(
        clinic=clinic,
        port=args.port,
        protocol=args.protocol,
        baudrate=args.baudrate,
        db=args.db,
        station=args.station,
        resume=args.resume,
        scenario=args.scenario,
        speed=args.speed,
        seed=args.seed,
        clinic_db=clinic_db(args, clinic),
        show_other_desks=None if args.show_desks is None else args.show_desks == "all",
        clinic_file=_clinic_path(args.clinic),
        hl7=hl7 or Hl7Settings(),
    )


def simulate(args: argparse.Namespace) -> int:
    from monitor.devices.simulator.server import run_simulator_cli

    return run_simulator_cli(args.protocol, args.scenario, args.speed, args.seed, args.link_dir)


def ports() -> int:
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


def sound_check() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window; IT may run it over ssh
    from monitor.ui.sound_check import run_sound_check

    return run_sound_check()
