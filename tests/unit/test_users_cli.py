"""The command line needs an account (issue 18 points 1, 8, 9): `users add|list|disable|reset-pin`, sign-in for
`export`, `backup`, `replay`, `verify` (secret on stdin, never argv), an access row for each, `record --service`."""

from __future__ import annotations

import io
import signal
from pathlib import Path

import pytest

from monitor.app.accounts import AccountService
from monitor.cli import main
from monitor.cli.signing_in import NOT_SIGNED_IN, USER_ENV
from monitor.clinical.roles import Role
from tests.accounts import LONG_SECRET, PIN, cli_user, make_account, recorder, service


def _stdin(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def test_users_add_first_admin_then_nurse_list_disable_reset(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "m.sqlite3"
    _stdin(monkeypatch, "2468", "2468")
    assert main(["users", "add", "--name", "Kim Moss", "--initials", "KM", "--db", str(db)]) == 1
    assert "first one is an administrator" in capsys.readouterr().err
    _stdin(monkeypatch, LONG_SECRET, LONG_SECRET)
    assert main(["users", "add", "--name", "Ada Admin", "--initials", "AA", "--role", "admin", "--db", str(db)]) == 0
    _stdin(monkeypatch, LONG_SECRET, "2468", "2469")  # the admin's secret, then a mistyped second entry
    assert main(["users", "add", "--name", "Kim Moss", "--initials", "KM", "--db", str(db), "--user", "AA"]) == 1
    assert "the two entries differ" in capsys.readouterr().err
    _stdin(monkeypatch, LONG_SECRET, "1234", "1234")
    assert main(["users", "add", "--name", "Kim Moss", "--initials", "KM", "--db", str(db), "--user", "AA"]) == 1
    assert "repeated or sequential" in capsys.readouterr().err
    _stdin(monkeypatch, LONG_SECRET, "2468", "2468")
    assert main(["users", "add", "--name", "Kim Moss", "--initials", "KM", "--db", str(db), "--user", "AA"]) == 0
    _stdin(monkeypatch, "2468")  # a nurse does not administer
    assert main(["users", "list", "--db", str(db), "--user", "KM"]) == NOT_SIGNED_IN
    assert "KM is a nurse: this needs the administrator role" in capsys.readouterr().err
    _stdin(monkeypatch, LONG_SECRET)
    capsys.readouterr()
    assert main(["users", "list", "--db", str(db), "--user", "AA"]) == 0
    listed = capsys.readouterr().out
    assert "AA    admin    active" in listed and "KM    nurse    active" in listed
    _stdin(monkeypatch, LONG_SECRET, "3579", "3579")
    assert main(["users", "reset-pin", "KM", "--db", str(db), "--user", "AA"]) == 0
    assert AccountService(db).sign_in("KM", "3579").initials == "KM"
    _stdin(monkeypatch, LONG_SECRET)
    assert main(["users", "disable", "KM", "--db", str(db), "--user", "AA"]) == 0
    _stdin(monkeypatch, LONG_SECRET)
    assert main(["users", "disable", "AA", "--db", str(db), "--user", "AA"]) == 1
    assert "last active administrator" in capsys.readouterr().err
    assert not next(a for a in service(db).list() if a.initials == "KM").active


def test_a_secret_on_the_command_line_is_not_accepted(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["users", "add", "--name", "Ada", "--initials", "AA", "--role", "admin", "--pin", LONG_SECRET])


def test_verify_backup_export_replay_need_an_account_and_leave_an_access_row(
    recorded_session: tuple[Path, int], capture_file: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    db, sid = recorded_session
    commands = [
        ["verify", str(db)],
        ["backup", str(tmp_path / "copy.sqlite3"), "--db", str(db)],
        ["export", "--db", str(db), "--session", str(sid), "--format", "csv", "--out", str(tmp_path / "csv")],
        ["replay", str(capture_file), "--db", str(db)],
    ]
    for argv in commands:  # no account in the database yet
        assert main(argv) == NOT_SIGNED_IN, argv
        assert "no account yet" in capsys.readouterr().err
    make_account(db, "KM", Role.NURSE, PIN)
    monkeypatch.setenv(USER_ENV, "KM")
    for argv in commands:
        _stdin(monkeypatch, "9753")  # a wrong PIN
        assert main(argv) == NOT_SIGNED_IN, argv
        assert "wrong initials or PIN" in capsys.readouterr().err
    assert not (tmp_path / "copy.sqlite3").exists() and not (tmp_path / "csv").exists()
    for argv in commands:
        _stdin(monkeypatch, PIN)
        assert main(argv) == 0, argv
    events = [(e[1], e[2]) for e in service(db).events("KM")]
    assert [e for e in events if e[1].startswith("command line")] == [
        ("KM", "command line: verify"),
        ("KM", "command line: backup"),
        ("KM", "command line: export"),
        ("KM", "command line: replay"),
    ]
    assert events.count(("KM", "wrong secret")) == 4


def test_five_wrong_pins_on_the_command_line_lock_the_account(recorded_session, monkeypatch, capsys) -> None:
    db, _sid = recorded_session
    make_account(db, "KM", Role.NURSE, PIN)
    monkeypatch.setenv(USER_ENV, "KM")
    for _ in range(5):
        _stdin(monkeypatch, "9753")
        assert main(["verify", str(db)]) == NOT_SIGNED_IN
    _stdin(monkeypatch, PIN)
    assert main(["verify", str(db)]) == NOT_SIGNED_IN
    assert "locked until" in capsys.readouterr().err


def test_record_runs_only_as_a_named_service_account(tmp_path: Path, capsys) -> None:
    db = tmp_path / "m.sqlite3"
    argv = ["record", "--port", str(tmp_path / "none"), "--protocol", "masimo-ascii", "--db", str(db)]
    assert main([*argv, "--duration", "1"]) == 2
    assert "record runs as a named service account" in capsys.readouterr().err
    make_account(db, "KM", Role.NURSE, PIN)
    assert main([*argv, "--duration", "1", "--service", "KM"]) == 2
    assert "KM is not an active service account" in capsys.readouterr().err
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        assert main([*argv, "--duration", "1", *recorder(db)]) == 0
    finally:
        for sig, handler in handlers.items():  # the recorder installs its own
            signal.signal(sig, handler)
    assert "Recording session 1" in capsys.readouterr().out
    assert ("RA", "record started") in [(e[1], e[2]) for e in service(db).events("RA")]


def test_cli_user_helper_signs_the_command_line_in(recorded_session, monkeypatch) -> None:
    db, _sid = recorded_session
    cli_user(monkeypatch, db)
    assert main(["verify", str(db)]) == 0
