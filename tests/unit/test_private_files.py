"""Issue 14 point 5: files hold patient data. The data folder is 0700 and every file 0600 (umask at start, older
modes repaired); exports and backups never write through a symlink nor over a file unless --force, with no
check-then-create race (monitor.storage.private_files)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.storage.db import connect
from monitor.storage.private_files import TargetRefused, new_file
from monitor.storage.unsaved import unsaved_path
from tests.accounts import cli_user


@pytest.fixture(autouse=True)
def _restore_umask():
    old = os.umask(0o022)  # what a desk's login session typically has
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_start_up_makes_the_data_folder_0700_and_every_file_in_it_0600(_isolated_data_dir: Path, tmp_path) -> None:
    data = _isolated_data_dir
    data.mkdir(mode=0o755)
    live = connect(data / "monitor.sqlite3")  # open, as a recorder's: its -wal and -shm files exist
    live.execute("CREATE TABLE IF NOT EXISTS t (x)")
    (data / "captures").mkdir(mode=0o755)
    (data / "backups").mkdir(mode=0o755)
    outside = tmp_path / "not-ours.txt"
    outside.write_text("someone else's file")
    files = [
        data / "monitor.sqlite3",
        data / "monitor.sqlite3-wal",
        data / "monitor.sqlite3-shm",
        data / "captures" / "20260101T000000Z-datex-s5.ismcap",
        data / "backups" / "monitor-20260101-000000.sqlite3",
        data / "station.json",
        unsaved_path(data / "monitor.sqlite3"),
    ]
    for f in files:
        f.touch(exist_ok=True)
        f.chmod(0o644)
    (data / "link-out").symlink_to(outside)
    outside.chmod(0o644)
    try:
        assert main(["sessions"]) == 0
        assert mode(data) == 0o700 and mode(data / "captures") == 0o700 and mode(data / "backups") == 0o700
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        live.close()
    assert mode(outside) == 0o644, "a symlink in the data folder is not followed"


def test_a_database_outside_the_data_folder_has_its_own_files_repaired_not_its_folder(
    tmp_path: Path, monkeypatch
) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir(mode=0o755)
    db = folder / "clinic.sqlite3"
    connect(db).close()
    cli_user(monkeypatch, db)  # the command line signs in (issue 18)
    for f in (db, unsaved_path(db)):
        f.touch()
        f.chmod(0o644)
    assert main(["verify", str(db)]) == 0
    assert mode(db) == 0o600 and mode(unsaved_path(db)) == 0o600
    assert mode(folder) == 0o755, "not our folder to change"


def test_everything_written_after_start_is_owner_only(
    recorded_session, tmp_path: Path, _isolated_data_dir, monkeypatch
) -> None:
    db, sid = recorded_session
    cli_user(monkeypatch, db)  # the command line signs in (issue 18)
    export = ["export", "--db", str(db), "--session", str(sid)]
    assert main([*export, "--format", "fhir", "--out", str(tmp_path / "out" / "b.json")]) == 0
    assert main([*export, "--format", "csv", "--out", str(tmp_path / "csv")]) == 0
    assert main(["backup", str(tmp_path / "copy.sqlite3"), "--db", str(db)]) == 0
    written = [tmp_path / "out" / "b.json", tmp_path / "copy.sqlite3", *(tmp_path / "csv").iterdir()]
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}
    assert mode(tmp_path / "out") == 0o700 and mode(_isolated_data_dir) == 0o700
    assert not list(tmp_path.glob("**/.*.part")), "no temporary file left behind"


def test_backup_and_export_refuse_a_symlink_even_with_force(
    recorded_session, tmp_path: Path, capsys, monkeypatch
) -> None:
    db, sid = recorded_session
    cli_user(monkeypatch, db)  # the command line signs in (issue 18)
    target = tmp_path / "elsewhere" / "created-by-the-link.sqlite3"
    target.parent.mkdir()
    link = tmp_path / "backup.sqlite3"
    link.symlink_to(target)  # dangling: before the fix, the backup created the database at the link's target
    for force in ([], ["--force"]):
        assert main(["backup", str(link), "--db", str(db), *force]) == 1
        assert "is a symbolic link: refusing to write through it" in capsys.readouterr().err
        assert not target.exists()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "b.json").symlink_to(victim)
    for force in ([], ["--force"]):
        out = ["--format", "fhir", "--out", str(tmp_path / "b.json"), *force]
        assert main(["export", "--db", str(db), "--session", str(sid), *out]) == 1
        assert "is a symbolic link" in capsys.readouterr().err and victim.read_text() == "keep me"
    assert (tmp_path / "b.json").is_symlink()


def test_an_existing_file_is_replaced_only_with_force(recorded_session, tmp_path: Path, capsys, monkeypatch) -> None:
    db, sid = recorded_session
    cli_user(monkeypatch, db)  # the command line signs in (issue 18)
    out = tmp_path / "b.json"
    out.write_text("an earlier export")
    export = ["export", "--db", str(db), "--session", str(sid), "--format", "fhir", "--out", str(out)]
    assert main(export) == 1
    assert "exists already: choose a new file name, or --force" in capsys.readouterr().err
    assert out.read_text() == "an earlier export"
    assert main([*export, "--force"]) == 0 and '"resourceType": "Bundle"' in out.read_text()
    copy = tmp_path / "copy.sqlite3"
    copy.write_text("not a database")
    assert main(["backup", str(copy), "--db", str(db)]) == 1 and copy.read_text() == "not a database"
    assert main(["backup", str(copy), "--db", str(db), "--force"]) == 0
    assert sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_csv_export_refuses_before_writing_either_file(recorded_session, tmp_path: Path, capsys, monkeypatch) -> None:
    db, sid = recorded_session
    cli_user(monkeypatch, db)  # the command line signs in (issue 18)
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / f"session-{sid}-timeline.csv").write_text("earlier")
    export = ["export", "--db", str(db), "--session", str(sid), "--format", "csv", "--out", str(folder)]
    assert main(export) == 1 and "exists already" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == [f"session-{sid}-timeline.csv"], "nothing half-written"
    assert main([*export, "--force"]) == 0 and len(list(folder.iterdir())) == 2


def test_a_file_or_symlink_appearing_while_writing_is_not_overwritten(tmp_path: Path) -> None:
    target, victim = tmp_path / "report.pdf", tmp_path / "victim.txt"
    victim.write_text("keep me")
    with pytest.raises(TargetRefused, match="exists already"), new_file(target) as tmp:
        tmp.write_text("the report")
        target.write_text("appeared meanwhile")  # the race a check-then-create loses
    assert target.read_text() == "appeared meanwhile"
    target.unlink()
    with pytest.raises(TargetRefused, match="symbolic link"), new_file(target, force=True) as tmp:
        tmp.write_text("the report")
        target.symlink_to(victim)
    assert victim.read_text() == "keep me" and not list(tmp_path.glob(".*.part"))


def test_entries_that_cannot_be_saved_anywhere_are_logged_by_count_not_text(tmp_path: Path, caplog) -> None:
    from monitor.app.session_service import SessionService
    from monitor.clinical.entries import EntryKind
    from monitor.storage.writer import SessionWriter

    db = tmp_path / "full.sqlite3"
    unsaved_path(db).mkdir()  # the fallback file cannot be written either
    writer = SessionWriter(db)
    writer.start()
    sid = writer.open_session("sim", "datex-s5", started_at=1000.0)
    service = SessionService(writer, sid, 1000.0, clock=lambda: 1100.0, initials="AB")
    pages = writer.submit(lambda conn: conn.execute("PRAGMA page_count").fetchone()[0]).result(5)
    writer.submit(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages}")).result(5)  # the disk is full
    futures = [service.record(EntryKind.NOTE, {"note": f"patient says secret-{i} " + "x" * 450}) for i in range(10)]
    writer.close()
    assert any(f.exception(5) is not None for f in futures)
    critical = [r.getMessage() for r in caplog.records if r.levelname == "CRITICAL"]
    assert critical and "entries NOT saved" in critical[0] and "note" in critical[0]
    assert not any("secret-" in r.getMessage() for r in caplog.records), "no entry text in the system journal"
