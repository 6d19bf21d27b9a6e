"""Store-and-forward to the clinic database (issue 17): what the desk recorded in its local SQLite, shipped to the
PostgreSQL hub in order, exactly once.

The local SQLite stays the journal (acquisition and alarms never wait on the network); `ship_pending` copies what
the hub does not have yet. Each batch is one read transaction of the local database (one consistent snapshot: an
audit row never travels without its entry, a sample never before its session) and one hub transaction (all of the
batch or none of it).

Where a desk is up to is the hub's own: per table, max(id) of this desk's rows there (the key (desk, id) is
indexed). No local bookkeeping, so a desk killed mid-batch resumes exactly where the committed hub is: a batch
either committed (its rows are counted) or did not (nothing of it is there). SQLite gives ids in commit order (one
writer at a time), so every local row below a shipped id was shipped with or before it. Batches of one desk are
serialised on the hub by an advisory lock, and rows go in by COPY without ON CONFLICT: a key already there is an
error, never a row silently kept in place of a different one.

Two guards stop a different row from meeting a shipped one under the same key: the desk's name belongs to one
local database (`desks`: a second database claiming it is refused), and each batch checks that the hub's last row
of each table is this database's own row (an older copy of the desk's database — a restored backup — would give
new rows ids the hub holds for other rows): refused rather than mixed.

Sessions change after their insert (their end, discharge and course; local migration 9 logs each change in
`session_changes`): the log ships last in the batch, and the changed sessions' columns are written with it. The hub
allows exactly those changes (hub migration 2).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

# Dependency order: a row's parents come before it in the same snapshot (courses need patients, sessions courses,
# every session row its session, audit its entry); session_changes last, so its sessions' changes go with the rows
# that made them (a discharge with its entry).
SHIP_ORDER = (
    "patients",
    "courses",
    "sessions",
    "link_events",
    "device_status",
    "samples",
    "other_values",  # the numerics no canonical parameter maps (issue 21), beside the samples
    "entries",
    "audit",
    "alarm_events",
    "quarantine",
    "session_changes",
    "settings_changes",
    "access_log",
    "account_events",  # a desk's wrong PINs and lockouts (issue 18); the accounts themselves are the hub's (v7)
    "record_chain",  # last: the digests of rows shipped before it in the same snapshot
)
SESSION_CHANGE_COLUMNS = ("ended_at", "discharged_at", "discharged_by", "course_id")
NOTIFY_CHANNEL = "monitor_record"
BATCH_ROWS = 20_000  # one hub transaction: bounded memory, and a steady trickle of commits while catching up


class ReplicationRefusedError(RuntimeError):
    """Shipping would mix this database's rows with another's: refused until a person decides. Retrying does not
    help (unlike a lost connection)."""


class DeskIdentityError(ReplicationRefusedError):
    pass


class HubAheadError(ReplicationRefusedError):
    pass


@dataclass
class ShipReport:
    """What one `ship_pending` did: rows shipped per table, and rows still waiting after it."""

    shipped: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    marks: dict[str, int] = field(default_factory=dict)  # per table, the highest id the hub has now

    @property
    def total(self) -> int:
        return sum(self.shipped.values())


def local_uid(local: sqlite3.Connection) -> str:
    """The local database's identity (local migration 9)."""
    return local.execute("SELECT uid FROM local_identity").fetchone()[0]


def ship_pending(
    local: sqlite3.Connection, hub: psycopg.Connection, desk: str, max_rows: int | None = None
) -> ShipReport:
    """Ship what the hub does not have of this desk's record, in batches of at most BATCH_ROWS rows, up to
    `max_rows` in all (None: until nothing is pending). `local` must not be inside a transaction; `hub` is best in
    autocommit mode (each batch is its own transaction). Raises psycopg.Error when the hub is unreachable (nothing
    of the failed batch is there; call again later) and ReplicationRefusedError when shipping would mix records."""
    if local.in_transaction:
        raise RuntimeError("ship_pending needs the local connection outside a transaction (it reads a snapshot)")
    uid = local_uid(local)
    report = ShipReport()
    while True:
        budget = BATCH_ROWS if max_rows is None else max(0, min(BATCH_ROWS, max_rows - report.total))
        shipped, report.pending, report.marks = _ship_batch(local, hub, desk, uid, budget)
        for table, n in shipped.items():
            report.shipped[table] = report.shipped.get(table, 0) + n
        if not shipped or not report.pending:
            return report


def _ship_batch(
    local: sqlite3.Connection, hub: psycopg.Connection, desk: str, uid: str, budget: int
) -> tuple[dict[str, int], int, dict[str, int]]:
    local.execute("BEGIN")  # a read transaction: one snapshot for the whole batch
    try:
        with hub.transaction():
            hub.execute("SET LOCAL lock_timeout = '10s'")  # another process shipping this desk: fail, retry later
            hub.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{NOTIFY_CHANNEL}:{desk}",))
            _claim_desk(hub, desk, uid)
            marks = _hub_marks(local, hub, desk)
            shipped: dict[str, int] = {}
            for table in SHIP_ORDER:
                left = budget - sum(shipped.values())
                if left <= 0:
                    continue  # a later table waits for the next batch: its parents may not all be there yet
                rows = _local_rows(local, table, marks[table], left)
                if not rows:
                    continue
                _copy(hub, desk, table, _local_columns(local, table), rows)
                if table == "session_changes":
                    _apply_session_changes(local, hub, desk, {row[1] for row in rows})
                shipped[table] = len(rows)
                marks[table] = rows[-1][0]
            pending = sum(_count_after(local, table, marks[table]) for table in SHIP_ORDER)
            if shipped:  # delivered to listeners when (and only if) the batch commits
                payload = json.dumps({"desk": desk, "tables": list(shipped)})
                hub.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, payload))
    finally:
        local.execute("COMMIT")  # nothing written: ends the snapshot
    return shipped, pending, marks


def pending_rows(local: sqlite3.Connection, marks: dict[str, int]) -> int:
    """Rows of the local database above `marks` (a ShipReport's; {}: everything): what is left when the hub
    cannot be asked."""
    return sum(_count_after(local, table, marks.get(table, 0)) for table in SHIP_ORDER)


def claim_desk(hub: psycopg.Connection, desk: str, uid: str) -> None:
    """Register `desk` for this local database (uid), or DeskIdentityError: before a desk writes on the hub."""
    _claim_desk(hub, desk, uid)


def _claim_desk(hub: psycopg.Connection, desk: str, uid: str) -> None:
    rows = hub.execute(
        "SELECT desk, database_uid, role, current_user FROM desks WHERE desk = %s OR database_uid = %s", (desk, uid)
    ).fetchall()
    for name, other_uid, role, me in rows:
        if name == desk and role is not None and role != me:
            raise DeskIdentityError(
                f"the desk '{desk}' is registered on the clinic database to the login role '{role}', and this desk "
                f"connects as '{me}': the server lets only '{role}' write that desk's record (hub migration 4). "
                f"Connect as '{role}', or ask IT."
            )
        if name == desk and other_uid != uid:
            raise DeskIdentityError(
                f"the desk name '{desk}' is already used on the clinic database by another local database: this "
                f"desk's record is not sent there (it would be mixed with that desk's). Give this desk its own name "
                f"(--desk NAME, or \"desk\" in clinic.json). This database's identity: {uid}."
            )
        if name != desk:
            raise DeskIdentityError(
                f"this local database is already on the clinic database as desk '{name}', not '{desk}': start this "
                f"desk with --desk {name} (its record would otherwise be there twice, under two names)."
            )
    if not rows:
        hub.execute("INSERT INTO desks (desk, database_uid) VALUES (%s, %s)", (desk, uid))


def _hub_marks(local: sqlite3.Connection, hub: psycopg.Connection, desk: str) -> dict[str, int]:
    """Per table, the highest local id of this desk the hub has (0: none), after checking that the hub's row there
    is this database's row: another copy of the desk's database (a restored backup, a copied file) is refused."""
    columns = {table: _local_columns(local, table) for table in SHIP_ORDER}
    with hub.pipeline(), hub.cursor() as cur:  # one round trip for the lot
        last = []
        for table in SHIP_ORDER:
            cur.execute(f"SELECT {', '.join(columns[table])} FROM {table} WHERE desk = %s ORDER BY id DESC LIMIT 1",
                        (desk,))
            last.append(cur.fetchone())
    marks = {}
    for table, hub_row in zip(SHIP_ORDER, last, strict=True):
        marks[table] = hub_row[0] if hub_row else 0
        if hub_row and not _same_row(columns[table], tuple(hub_row), _local_row(local, table, hub_row[0])):
            raise HubAheadError(
                f"the clinic database's {table} row {hub_row[0]} of desk '{desk}' is not this local database's: "
                f"this is another or an older copy of the desk's database (a restored backup?). Nothing is sent (its "
                f"rows would take keys the clinic database holds for other rows); ask IT to reconcile it."
            )
    return marks


def _id_column(table: str) -> str:
    return "rowid" if table == "samples" else "id"  # samples have no id column: the hub's id is the local rowid


def _local_columns(local: sqlite3.Connection, table: str) -> list[str]:
    """The columns shipped, id first (the hub has the same names, plus desk)."""
    columns = [row[1] for row in local.execute(f"PRAGMA table_info({table})")]
    return ["id", *(c for c in columns if c != "id")]


def _local_rows(local: sqlite3.Connection, table: str, after: int, limit: int) -> list[tuple]:
    columns = _local_columns(local, table)
    select = ", ".join([_id_column(table), *columns[1:]])
    key = _id_column(table)
    return local.execute(
        f"SELECT {select} FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?", (after, limit)
    ).fetchall()


def _count_after(local: sqlite3.Connection, table: str, after: int) -> int:
    key = _id_column(table)
    return local.execute(f"SELECT count(*) FROM {table} WHERE {key} > ?", (after,)).fetchone()[0]


def _same_row(columns: list[str], hub_row: tuple, local_row: tuple | None) -> bool:
    """The same row, but for the session columns that change later (their changes ship after the row)."""
    if local_row is None:
        return False
    return all(h == v for c, h, v in zip(columns, hub_row, local_row, strict=True) if c not in SESSION_CHANGE_COLUMNS)


def _local_row(local: sqlite3.Connection, table: str, row_id: int) -> tuple | None:
    columns = _local_columns(local, table)
    key = _id_column(table)
    select = ", ".join([key, *columns[1:]])
    return local.execute(f"SELECT {select} FROM {table} WHERE {key} = ?", (row_id,)).fetchone()


def _copy(hub: psycopg.Connection, desk: str, table: str, columns: list[str], rows: list[tuple]) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, ["desk", *columns]))
    )
    with hub.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row((desk, *row))


def _apply_session_changes(
    local: sqlite3.Connection, hub: psycopg.Connection, desk: str, session_ids: set[int]
) -> None:
    """The changed sessions' end, discharge and course, as this snapshot has them."""
    columns = ", ".join(SESSION_CHANGE_COLUMNS)
    marks = ", ".join("?" * len(session_ids))
    rows = local.execute(f"SELECT id, {columns} FROM sessions WHERE id IN ({marks})", sorted(session_ids)).fetchall()
    assignments = ", ".join(f"{c} = %s" for c in SESSION_CHANGE_COLUMNS)
    with hub.cursor() as cur:
        cur.executemany(
            f"UPDATE sessions SET {assignments} WHERE desk = %s AND id = %s",
            [(*row[1:], desk, row[0]) for row in rows],
        )
