"""Every command-line option tried with invalid values: a clear message, a non-zero exit, nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli import main
from monitor.storage.paths import default_db_path
from tests.accounts import cli_user


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--speed", "0"], "speed must be above 0"),
        (["run", "--speed", "fast"], "speed must be a number"),
        (["run", "--station", "9"], "a station has 1 to 8 chairs"),
        (["run", "--station", "two"], "takes a number of chairs"),
        (["run", "--initials", "AB"], "unrecognized arguments: --initials"),  # the signed-in account's, never typed
        (["run", "--protocol", "philips"], "invalid choice"),
        (["run", "--resume", "maybe"], "invalid choice"),
        (["record", "--port", "/dev/null", "--protocol", "datex-s5", "--duration", "-1"], "duration must be above 0"),
        (["record", "--protocol", "datex-s5"], "--port"),
        (["simulate", "--speed", "-5"], "speed must be above 0"),
        (["decode", "--protocol", "datex-s5"], "file"),
        (["export", "--session", "x", "--format", "csv", "--out", "o"], "a session is an id (a number) or DESK:ID"),
        (["export", "--session", "1", "--format", "xml", "--out", "o"], "invalid choice"),
        (["replay", "f", "--speed", "0"], "speed must be above 0"),
    ],
)
def test_invalid_options_are_refused_by_the_parser(argv, message, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_invalid_values_past_the_parser_store_nothing(
    tmp_path: Path, capsys, _isolated_data_dir: Path, monkeypatch
) -> None:
    db = tmp_path / "none.sqlite3"
    bad_clinic = tmp_path / "clinic.json"
    bad_clinic.write_text('{"check_interval_min": 0}')
    cli_user(monkeypatch, default_db_path())  # the command line signs in (issue 18)
    cases = [
        (["run", "--baudrate", "1234", "--db", str(db)], 2, "baud"),
        (["record", "--port", "/dev/null", "--protocol", "datex-s5", "--baudrate", "7", "--db", str(db)], 2, "baud"),
        (["run", "--port", "ftp://monitor", "--db", str(db)], 2, "'ftp://' ports are not allowed"),
        (["run", "--clinic", str(bad_clinic), "--db", str(db)], 2, "check_interval_min 0 is outside 5–60"),
        (
            ["record", "--port", "/dev/null", "--protocol", "datex-s5", "--clinic", str(tmp_path / "none.json")],
            2,
            "cannot read",
        ),
        (["record", "--port", "telnet://m:23", "--protocol", "datex-s5", "--db", str(db)], 2, "ports are not allowed"),
        (["decode", "--protocol", "datex-s5", str(tmp_path / "missing.bin")], 2, "no such file"),
        (["replay", str(tmp_path / "missing.ismcap"), "--db", str(db)], 2, "no such file"),
        (["verify", str(db)], 2, "no database"),
        (
            ["export", "--db", str(db), "--session", "1", "--format", "csv", "--out", str(tmp_path / "o")],
            2,
            "no database",
        ),
        (["backup", str(tmp_path / "b.sqlite3"), "--db", str(db)], 2, "no database"),
    ]
    for argv, code, message in cases:
        assert main(argv) == code, argv
        assert message in capsys.readouterr().err.lower(), argv
    assert not db.exists(), "a refused command created no database"
    assert not (tmp_path / "o").exists() and not (tmp_path / "b.sqlite3").exists()
