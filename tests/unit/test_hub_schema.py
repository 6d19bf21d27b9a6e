"""The clinic database's schema on a real PostgreSQL server (issue 17 points 6 and 7): same tables and columns as
the local SQLite plus `desk`, idempotent init, an append-only desk role, and the replication key (desk, id)."""

from __future__ import annotations

import sqlite3

import pg
import psycopg
import pytest

from monitor.cli import main
from monitor.storage import hub_schema, schema


def _local_columns() -> dict[str, list[str]]:
    conn = sqlite3.connect(":memory:")
    schema.migrate(conn)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}


def _hub_columns(dsn: str) -> dict[str, list[str]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " ORDER BY table_name, ordinal_position"
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def test_init_creates_every_local_table_with_its_columns_plus_desk(pg_dsn: str) -> None:
    hub_schema.init(pg_dsn)
    hub = _hub_columns(pg_dsn)
    local = _local_columns()
    assert set(local) - set(hub_schema.LOCAL_ONLY_TABLES) == set(hub_schema.REPLICATED_TABLES)
    for table, columns in local.items():
        if table in hub_schema.LOCAL_ONLY_TABLES:
            continue
        extra = {"desk", "id"} if table == "samples" else {"desk"}  # samples: the local rowid, for the key
        assert set(hub[table]) == set(columns) | extra, table
    assert "schema_version" in hub


def test_init_twice_is_a_no_op(pg_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clinic-db", "init", pg_dsn]) == 0
    first = capsys.readouterr().out
    assert "applied migration 1" in first
    assert main(["clinic-db", "init", pg_dsn]) == 0
    second = capsys.readouterr().out
    assert f"already at schema version {hub_schema.SCHEMA_VERSION}" in second and "applied" not in second
    with psycopg.connect(pg_dsn) as conn:
        versions = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert versions == [(v,) for v, _ in hub_schema.MIGRATIONS]


def test_a_desk_may_insert_and_select_but_never_update_delete_or_truncate(pg_dsn: str, tmp_path) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text("s3cret\n")
    assert main(["clinic-db", "init", pg_dsn, "--desk-role", "desk_a", "--desk-password-file", str(password_file)]) == 0
    with psycopg.connect(pg.with_dbname(pg_dsn, psycopg.conninfo.conninfo_to_dict(pg_dsn)["dbname"], "desk_a")) as conn:
        conn.execute("INSERT INTO desks (desk, database_uid) VALUES ('a', 'uid-a')")  # registered to desk_a
        conn.execute(
            "INSERT INTO sessions (desk, id, started_at, source, protocol) VALUES ('a', 1, 0, 'sim', 'dri')"
        )
        conn.commit()
        assert conn.execute("SELECT desk, id FROM sessions").fetchall() == [("a", 1)]
        for statement in (
            "UPDATE sessions SET note = 'x'",
            "DELETE FROM sessions",
            "TRUNCATE sessions",
            "DELETE FROM audit",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (1,)


def test_the_same_desk_and_local_id_is_refused_twice(pg_dsn: str) -> None:
    hub_schema.init(pg_dsn)
    insert = "INSERT INTO samples (desk, id, session_id, param, t, host_t, value) VALUES (%s, 7, 1, 'HR', 0, 0, 60)"
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("INSERT INTO desks (desk, database_uid) VALUES ('a', 'uid-a'), ('b', 'uid-b')")
        conn.execute(insert, ("a",))
        conn.execute(insert, ("b",))  # another desk's row 7 is another row
        conn.commit()
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert, ("a",))
