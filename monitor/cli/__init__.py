"""Command line: `infusion-monitor [run]`, `record`, `simulate`, `decode`, `replay`, `ports`, `export`, `verify`,
`backup`, `sessions`, `review`, `sound-check`, `clinic-db init`, `hl7 send-test` / `hl7 listen`.

Qt is imported only by `run` (and `export --format pdf`, offscreen; `sound-check`, no display), so the headless
commands start fast and work on a machine without a display.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from monitor.cli import access, clinic_db, hl7, live, records, review, users
from monitor.cli.live import gui_options
from monitor.cli.parser import SUBCOMMANDS, build_parser
from monitor.cli.signing_in import signed
from monitor.clinical.roles import Role

__all__ = ["build_parser", "gui_options", "main"]

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": live.run,
    "record": live.record,
    "simulate": live.simulate,
    "ports": lambda _args: live.ports(),
    "sound-check": lambda _args: live.sound_check(),
    "decode": records.decode,
    # issue 18: these need a signed-in account and leave an access row (cli/signing_in.py)
    "replay": signed(records.replay, lambda args: f"capture {args.file}"),
    "export": signed(records.export_session, lambda args: f"session {args.session} as {args.format} to {args.out}"),
    "verify": signed(
        lambda args: records.verify(args.db, args.expect, args.session),
        lambda args: f"database {args.db or 'of this desk'}",
    ),
    "backup": signed(lambda args: records.backup(args.db, args.dest, args.force), lambda args: f"to {args.dest}"),
    "users": users.users,
    "sessions": lambda args: records.sessions(args.db, args.json),
    "clinic-db": clinic_db.init,  # its one action so far: init
    "review": signed(review.review, lambda args: f"session {args.session}" if args.session else "the session list"),
    "access-log": signed(access.access_log, lambda args: f"access log of patient {args.patient}", Role.ADMIN),
    "hl7": hl7.hl7,  # send-test, listen: for IT, no patient data read (cli/hl7.py)
}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in SUBCOMMANDS and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, "run")
    args = build_parser().parse_args(args_list)
    _make_files_private(args)
    return _COMMANDS[args.command](args)


# the commands that open the database or write into the data folder
_DATA_COMMANDS = frozenset(
    ("run", "record", "replay", "export", "verify", "backup", "sessions", "review", "users", "access-log")
)


def _make_files_private(args: argparse.Namespace) -> None:
    """Everything this process writes is owner-only (it may hold patient data); an older version's 0644 files and
    0755 folder are tightened before anything is read or recorded."""
    from monitor.storage.private_files import repair_modes, set_private_umask

    set_private_umask()
    if args.command in _DATA_COMMANDS:
        from monitor.storage.paths import data_dir, default_db_path

        db = getattr(args, "db", None)
        repair_modes(data_dir(), db if isinstance(db, Path) else default_db_path())  # not the clinic's DSN
