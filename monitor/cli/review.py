"""`infusion-monitor review`: the read-only review window without a monitor, on this desk's database or on the
clinic database (`--db postgresql://…`), e.g. at the prescriber's office. Only reads: a reader role suffices.
Opening a record needs a signed-in account (cli.signing_in) and leaves an access-log row in the desk's database, as
the window's review does (issue 18 point 5)."""

from __future__ import annotations

import argparse
import sys


def review(args: argparse.Namespace) -> int:
    from monitor.cli.records import existing_db
    from monitor.storage.hub_read import is_hub, parse_address

    source = args.db if is_hub(args.db) else existing_db(args.db)
    if source is None:
        return 2
    session = None
    if args.session is not None:
        try:
            session = parse_address(args.session) if is_hub(source) else _local_id(args.session)
        except ValueError as exc:
            print(f"review: {exc}", file=sys.stderr)
            return 2
    from monitor.app.access import RecordAccess
    from monitor.cli.signing_in import accounts_db

    initials = args.signed_in.initials  # `signed` signed the account in
    return _show(source, session, RecordAccess(accounts_db(args), lambda _action: initials))


def _local_id(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"--session takes a session id (a number) here, not {text!r}")
    return int(text)


def _show(source, session, access) -> int:  # source: Path | DSN; session: int | HubAddress | None
    from PySide6.QtWidgets import QApplication, QDialog

    from monitor.ui.review_window import open_review, open_session_list
    from monitor.ui.stylesheet import install as install_stylesheet

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_stylesheet(app)
    app.setQuitOnLastWindowClosed(False)  # until a review window is open: the list closes before it appears

    def opened(record: object) -> None:
        if record is None:  # it could not be read: the job has said why
            app.quit()
        else:
            app.setQuitOnLastWindowClosed(True)

    def listed(_sessions: object) -> None:
        dialog = job.dialog  # made by open_session_list's own handler, connected first; None if reading failed
        if dialog is None:
            app.quit()
            return
        dialog.finished.connect(
            lambda result: dialog.job.sigFinished.connect(opened) if result == QDialog.DialogCode.Accepted
            else app.quit()
        )

    windows: list = []
    if session is None:
        job = open_session_list(source, None, access)
        job.sigFinished.connect(listed)
    else:
        job = open_review(source, session, None, windows, access)
        job.sigFinished.connect(opened)
    return app.exec()  # `job` is held until here: a job collected while its thread runs takes the process down
