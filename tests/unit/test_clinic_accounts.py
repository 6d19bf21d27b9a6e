"""Clinic-wide accounts (issue 18 point 1, hub migration 7): an account made at one desk signs in at another; a
desk signs in from its copy while the hub is away; a change then is refused; a disable at the hub reaches a desk at
its next pull (by the replication worker too); a desk's lockout reaches the hub as an account event; the clinic's PIN
pepper is the desk group's only, never the reader role's. Real PostgreSQL (tests/pg.py), real Argon2id (cheap)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import hub_desks
import pg
import psycopg
import pytest
from accounts import LONG_SECRET, PIN, TEST_HASHER

from monitor.app.accounts import MAX_TRIES, AccountService, SignInError
from monitor.app.clinic_accounts import UNREACHABLE, ClinicAccounts
from monitor.app.replication import Replication
from monitor.cli import main
from monitor.clinical.roles import Role
from monitor.storage.desk_key import ENV_KEY_FILE
from monitor.storage.hub_read import ensure_reader_role
from monitor.storage.hub_schema import PEPPER_SCHEMA


def _desk(tmp_path: Path, superuser_dsn: str, name: str) -> AccountService:
    """Desk `name`'s accounts: its own local database, login role and pepper cache, on the clinic database."""
    role = name.replace("-", "_")
    folder = tmp_path / name
    hub = ClinicAccounts(hub_desks.desk_dsn(superuser_dsn, role), name, pepper_file=folder / "clinic-pepper.key")
    return AccountService(folder / "m.sqlite3", hub, hasher=TEST_HASHER)


def _admin_and_nurse(desk: AccountService) -> None:
    admin = desk.add("Ada Admin", "AA", Role.ADMIN, LONG_SECRET, by=None)
    desk.add("Kim Moss", "KM", Role.NURSE, PIN, by=admin)


def test_an_account_added_at_desk_a_signs_in_at_desk_b(pg_dsn: str, tmp_path: Path, monkeypatch) -> None:
    a, b = _desk(tmp_path, pg_dsn, "desk-a"), _desk(tmp_path, pg_dsn, "desk-b")
    _admin_and_nurse(a)
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "desk-b" / "desk.key"))  # desk B's own desk key from here on
    assert not b.has_any()  # nothing copied yet
    assert b.pull()
    assert b.sign_in("KM", PIN).initials == "KM"
    assert [x.initials for x in b.list()] == ["AA", "KM"]
    with pytest.raises(SignInError, match="initials KM are taken"):  # unique in the clinic, not per desk
        b.add("Kay Mills", "KM", Role.NURSE, "3579", by=b.sign_in("AA", LONG_SECRET))
    with psycopg.connect(pg_dsn) as hub:  # the hub's record of who made which change, where
        rows = hub.execute("SELECT desk, change, initials, by_initials FROM accounts ORDER BY id").fetchall()
    assert rows == [("desk-a", "added", "AA", ""), ("desk-a", "added", "KM", "AA")]


def test_desk_b_signs_in_from_its_copy_while_the_hub_is_away_and_a_change_is_refused(pg_cluster, tmp_path) -> None:
    with psycopg.connect(pg_cluster.dsn, autocommit=True) as su:
        su.execute("CREATE DATABASE clinic")
    clinic = pg.with_dbname(pg_cluster.dsn, "clinic")
    a, b = _desk(tmp_path, clinic, "desk-a"), _desk(tmp_path, clinic, "desk-b")
    _admin_and_nurse(a)
    assert b.pull()
    pg_cluster.stop()
    admin = b.sign_in("AA", LONG_SECRET)  # offline: the copy and the cached clinic pepper
    assert b.sign_in("KM", PIN).initials == "KM"
    with pytest.raises(SignInError) as refused:
        b.add("Cy North", "CN", Role.CHARGE, LONG_SECRET, by=admin)
    assert refused.value.message == UNREACHABLE
    with pytest.raises(SignInError, match="cannot be reached"):
        b.disable("KM", by=admin)
    with pytest.raises(SignInError, match="cannot be reached"):
        b.reset_secret("KM", "3579", by=admin)
    assert not b.pull()
    for _ in range(MAX_TRIES):  # the desk's own lockout still applies offline
        with pytest.raises(SignInError):
            b.sign_in("KM", "9999")
    with pytest.raises(SignInError, match="locked"):
        b.sign_in("KM", PIN)
    pg_cluster.start()
    assert [x.initials for x in a.list()] == ["AA", "KM"]  # nothing of the refused changes anywhere
    hub_desks.ship(tmp_path / "desk-b" / "m.sqlite3", b._hub.dsn, "desk-b")  # the lockout reaches the hub
    with psycopg.connect(clinic) as hub:
        events = hub.execute("SELECT desk, initials, event FROM account_events WHERE event = 'locked'").fetchall()
    assert events == [("desk-b", "KM", "locked")]


def test_a_disabled_account_cannot_sign_in_at_a_desk_after_its_next_pull(pg_dsn: str, tmp_path: Path) -> None:
    a, b = _desk(tmp_path, pg_dsn, "desk-a"), _desk(tmp_path, pg_dsn, "desk-b")
    _admin_and_nurse(a)
    assert b.pull()
    a.disable("KM", by=a.sign_in("AA", LONG_SECRET))
    assert b.sign_in("KM", PIN).initials == "KM"  # the copy, until the next pull
    assert b.pull()
    with pytest.raises(SignInError, match="disabled"):
        b.sign_in("KM", PIN)


def test_the_replication_worker_pulls_the_clinic_accounts(pg_dsn: str, tmp_path: Path) -> None:
    a, b = _desk(tmp_path, pg_dsn, "desk-a"), _desk(tmp_path, pg_dsn, "desk-b")
    _admin_and_nurse(a)
    assert not b.has_any()  # (its local database made, as a desk's is before its worker starts)
    worker = Replication(tmp_path / "desk-b" / "m.sqlite3", b._hub.dsn, "desk-b", accounts=b._hub)
    worker.start()
    try:
        deadline = time.monotonic() + 30  # a bound, not a timing: the first pass pulls
        while not b.has_any() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop(5.0)
    assert b.sign_in("KM", PIN).initials == "KM"


def test_the_pin_pepper_is_the_desks_only_not_the_reader_roles(pg_dsn: str, tmp_path: Path) -> None:
    desk = _desk(tmp_path, pg_dsn, "desk-a")
    _admin_and_nurse(desk)
    with psycopg.connect(pg_dsn, autocommit=True) as owner:
        ensure_reader_role(owner, "office", None)
    with psycopg.connect(pg.with_dbname(pg_dsn, psycopg.conninfo.conninfo_to_dict(pg_dsn)["dbname"], "office")) as r:
        assert len(r.execute("SELECT secret_hash FROM clinic_accounts").fetchall()) == 2  # hashes: useless alone
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            r.execute(f"SELECT pepper FROM {PEPPER_SCHEMA}.pin_pepper")
    with psycopg.connect(desk._hub.dsn) as d:
        assert d.execute(f"SELECT pepper FROM {PEPPER_SCHEMA}.pin_pepper").fetchone()[0] == desk._hub.pepper()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # append-only at the hub
            d.execute("UPDATE accounts SET active = true")
    assert (tmp_path / "desk-a" / "clinic-pepper.key").stat().st_mode & 0o777 == 0o600


def test_users_cli_acts_on_the_clinic_database(pg_dsn: str, tmp_path: Path, monkeypatch, capsys) -> None:
    dsn_a, dsn_b = hub_desks.desk_dsn(pg_dsn, "desk_a"), hub_desks.desk_dsn(pg_dsn, "desk_b")
    monkeypatch.setenv("INFUSION_MONITOR_KEY_FILE", str(tmp_path / "key-a" / "desk.key"))
    db_a, db_b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    hub_a = ["--db", str(db_a), "--clinic-db", dsn_a, "--desk", "desk-a"]

    def run(argv: list[str], *lines: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
        return main(argv)

    assert run(["users", "add", "--name", "Ada", "--initials", "AA", "--role", "admin", *hub_a],
               LONG_SECRET, LONG_SECRET) == 0
    assert run(["users", "add", "--name", "Kim", "--initials", "KM", "--user", "AA", *hub_a],
               LONG_SECRET, PIN, PIN) == 0
    monkeypatch.setenv("INFUSION_MONITOR_KEY_FILE", str(tmp_path / "key-b" / "desk.key"))  # another desk
    capsys.readouterr()
    assert run(["users", "list", "--user", "AA", "--db", str(db_b), "--clinic-db", dsn_b, "--desk", "desk-b"],
               LONG_SECRET) == 0
    assert "KM    nurse    active" in capsys.readouterr().out
    b = AccountService(db_b, ClinicAccounts(dsn_b, "desk-b"))
    assert b.sign_in("KM", PIN).initials == "KM"
