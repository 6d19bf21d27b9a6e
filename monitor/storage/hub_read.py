"""Reading the clinic database (PostgreSQL, issue 17 point 5): any desk's sessions, for review, export, the course
view and `verify`. Qt-free; needs only SELECT (a desk role, or a reader role: `clinic-db init --reader-role`).

One path for both back ends: the rows a reader needs are copied from the hub into an in-memory SQLite database with
the local schema (storage.schema.migrate), and the program's own readers (db.py, patients.py, audit.verify, the
session record, the exports) run on it unchanged. A hub row is copied with its local id (samples: their rowid), so
a session read from the hub is the session its desk recorded, id for id and value for value. Only the columns both
schemas have are copied: a migration on one side never breaks reading.

Sessions of different desks may share a local id; on the hub a session is addressed as DESK:ID.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.storage import audit, record_chain
from monitor.storage.hub_schema import REPLICATED_TABLES
from monitor.storage.schema import migrate

if TYPE_CHECKING:
    import psycopg

HUB_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_S = 10  # an unreachable server is an error within this, not a command that hangs
_BATCH = 20_000  # rows fetched from the hub and inserted locally at a time


def is_hub(db: object) -> bool:
    """Whether a --db value names the clinic database (a PostgreSQL URL) rather than a local file."""
    return isinstance(db, str) and db.startswith(HUB_SCHEMES)


@dataclass(frozen=True, slots=True)
class HubAddress:
    """A session on the hub: the desk that recorded it and its id there."""

    desk: str
    id: int

    def __str__(self) -> str:
        return f"{self.desk}:{self.id}"


def parse_address(text: str) -> HubAddress:
    """'DESK:ID' (a desk name may itself hold a colon: the id is after the last one); ValueError otherwise."""
    desk, sep, sid = text.rpartition(":")
    if not sep or not desk or not sid.isdigit():
        raise ValueError(f"a session on the clinic database is DESK:ID (e.g. desk-a:12), not {text!r}")
    return HubAddress(desk, int(sid))


def connect_hub(dsn: str) -> psycopg.Connection:
    """A read-only connection (every transaction READ ONLY: reading can never change the record)."""
    import psycopg

    conn = psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name="monitor reader")
    conn.execute("SET default_transaction_read_only = on")
    return conn


def desks(hub: psycopg.Connection) -> list[str]:
    """Every desk with a session on the hub, by name."""
    return [r[0] for r in hub.execute("SELECT DISTINCT desk FROM sessions ORDER BY desk")]


def _local_columns(mem: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in mem.execute(f"PRAGMA table_info({table})")]


def _hub_columns(hub: psycopg.Connection, table: str) -> set[str]:
    rows = hub.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = %s",
        (table,),
    )
    return {r[0] for r in rows}


def empty_local_db() -> sqlite3.Connection:
    """An in-memory database with the local schema: what the program's readers take."""
    mem = sqlite3.connect(":memory:", isolation_level=None)
    migrate(mem)
    return mem


def copy_rows(hub: psycopg.Connection, mem: sqlite3.Connection, table: str, where: str, params: Sequence) -> int:
    """Copy `table`'s hub rows matching `where` (SQL on the hub's columns) into `mem`, local ids kept, in id order.
    Returns how many rows were copied."""
    local = _local_columns(mem, table)
    hub_cols = _hub_columns(hub, table)
    if table == "samples":  # local: no id column, the rowid; hub: id = that rowid
        columns, targets = ["id", *[c for c in local if c in hub_cols]], ["rowid", *[c for c in local if c in hub_cols]]
    else:
        columns = targets = [c for c in local if c in hub_cols]
    select = f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY id"
    insert = f"INSERT INTO {table} ({', '.join(targets)}) VALUES ({', '.join('?' * len(targets))})"
    n = 0
    with hub.cursor(binary=True) as cur:
        cur.execute(select, params)
        while rows := cur.fetchmany(_BATCH):
            mem.executemany(insert, rows)
            n += len(rows)
    return n


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({int(v) for v in values if v is not None})


def session_db(hub: psycopg.Connection, address: HubAddress) -> sqlite3.Connection:
    """One session of the hub as a local database: its session row (and the other sessions of its course, for
    "session n of m"), its patient and course, samples, link events, device status, entries with their audit rows,
    and alarm events. KeyError when the hub has no such session."""
    desk, sid = address.desk, address.id
    mem = empty_local_db()
    mem.execute("BEGIN")
    if not copy_rows(hub, mem, "sessions", "desk = %s AND id = %s", (desk, sid)):
        mem.close()
        raise KeyError(f"no session {address} on the clinic database")
    course_id = mem.execute("SELECT course_id FROM sessions WHERE id = ?", (sid,)).fetchone()[0]
    if course_id is not None:
        copy_rows(hub, mem, "sessions", "desk = %s AND course_id = %s AND id <> %s", (desk, course_id, sid))
        copy_rows(hub, mem, "courses", "desk = %s AND id = %s", (desk, course_id))
        patients = _ids(r[0] for r in mem.execute("SELECT patient_id FROM courses"))
        copy_rows(hub, mem, "patients", "desk = %s AND id = ANY(%s)", (desk, patients))
    for table in ("samples", "link_events", "device_status", "entries", "alarm_events"):
        copy_rows(hub, mem, table, "desk = %s AND session_id = %s", (desk, sid))
    entry_ids = _ids(r[0] for r in mem.execute("SELECT id FROM entries"))
    copy_rows(hub, mem, "audit", "desk = %s AND entry_id = ANY(%s)", (desk, entry_ids))
    mem.execute("COMMIT")
    return mem


def desk_index_db(hub: psycopg.Connection, desk: str) -> sqlite3.Connection:
    """A desk's sessions, patients and courses (no samples): what the session list reads."""
    mem = empty_local_db()
    mem.execute("BEGIN")
    for table in ("sessions", "patients", "courses"):
        copy_rows(hub, mem, table, "desk = %s", (desk,))
    mem.execute("COMMIT")
    return mem


def entries_db(hub: psycopg.Connection, desk: str, session_ids: Sequence[int]) -> sqlite3.Connection:
    """Some sessions of one desk with their entries only (the course view's summary reads these)."""
    mem = empty_local_db()
    mem.execute("BEGIN")
    copy_rows(hub, mem, "sessions", "desk = %s AND id = ANY(%s)", (desk, list(session_ids)))
    copy_rows(hub, mem, "entries", "desk = %s AND session_id = ANY(%s)", (desk, list(session_ids)))
    mem.execute("COMMIT")
    return mem


# A course's clinic-wide identity (hub migration 3): its uid, which a desk's copy of another desk's course keeps; a row
# shipped without one (before local migration 10) is its own course.
_COURSE_IDENTITY = "coalesce(c.uid, c.desk || ':' || c.id)"


def _members(hub: psycopg.Connection, identity: str, params: Sequence) -> list[tuple[str, int]]:
    rows = hub.execute(
        "SELECT s.desk, s.id FROM sessions s JOIN courses c ON c.desk = s.desk AND c.id = s.course_id"
        f" WHERE {_COURSE_IDENTITY} = {identity} ORDER BY s.started_at, s.desk, s.id",
        params,
    )
    return [(d, int(i)) for d, i in rows]


def course_members(hub: psycopg.Connection, desk: str, course_id: int) -> list[tuple[str, int]]:
    """The sessions of a desk's course and of every desk's copy of it, by start: (desk, session id)."""
    identity = f"(SELECT {_COURSE_IDENTITY} FROM courses c WHERE c.desk = %s AND c.id = %s)"
    return _members(hub, identity, (desk, course_id))


def course_members_of_uid(hub: psycopg.Connection, uid: str) -> list[tuple[str, int]]:
    """The sessions, at any desk, of the course with this clinic-wide uid, by start."""
    return _members(hub, "%s", (uid,))


@dataclass(frozen=True, slots=True)
class DeskAudit:
    """One desk's audit chain on the hub, as audit.verify judged it. `in_flight`: entries newer than the desk's
    last audit row on the hub (shipped ahead of their audit rows by a replication still under way), left out."""

    desk: str
    result: audit.VerifyResult
    in_flight: int = 0
    chain: record_chain.ChainVerify | None = None  # the desk's record chain (links only: the key is the desk's)


def audit_db(hub: psycopg.Connection, desk: str) -> tuple[sqlite3.Connection, int]:
    """A desk's entries and audit chain as a local database (what audit.verify walks), and how many entries were
    left out as in flight (after the last audited entry: their audit rows are not on the hub yet)."""
    last = hub.execute("SELECT max(entry_id) FROM audit WHERE desk = %s", (desk,)).fetchone()[0]
    last = -1 if last is None else int(last)
    mem = empty_local_db()
    mem.execute("BEGIN")
    copy_rows(hub, mem, "entries", "desk = %s AND id <= %s", (desk, last))
    copy_rows(hub, mem, "audit", "desk = %s", (desk,))
    mem.execute("COMMIT")
    in_flight = hub.execute("SELECT count(*) FROM entries WHERE desk = %s AND id > %s", (desk, last)).fetchone()[0]
    return mem, int(in_flight)


def verify_desks(hub: psycopg.Connection) -> list[DeskAudit]:
    """Each desk's audit chain checked on the server's rows, with the local program's own audit.verify."""
    chained = hub.execute("SELECT to_regclass('record_chain') IS NOT NULL").fetchone()[0]  # hub migration 8
    union = " UNION SELECT desk FROM record_chain" if chained else ""
    names = [r[0] for r in hub.execute(f"SELECT desk FROM entries UNION SELECT desk FROM audit{union} ORDER BY 1")]
    out = []
    for desk in names:
        mem, in_flight = audit_db(hub, desk)
        try:
            # The hub has no desk's key: the links of each chain, each row against its entry, not the keyed
            # rows' own hashes (audit.verify's `unchecked`; `verify` at the desk checks those).
            chain = chain_links(hub, desk) if chained else None
            out.append(DeskAudit(desk, audit.verify(mem, key=None), in_flight, chain))
        finally:
            mem.close()
    return out


def chain_links(hub: psycopg.Connection, desk: str) -> record_chain.ChainVerify:
    """A desk's record chain on the server: every link (a row removed, reordered or altered breaks one), and each
    covered row the server holds against the digests chained for it. The rows' own hashes need the desk's key
    (`unchecked`); accounts and samples are checked at the desk."""
    with hub.cursor() as cur:
        cur.execute("SELECT id, at, covers, row_id, digest, sample_count, last_rowid, prev_hash, hash"
                    " FROM record_chain WHERE desk = %s ORDER BY id", (desk,))
        n, broken, unchecked, _latest = record_chain.verify_links(cur, key=None)
    if broken:
        return record_chain.ChainVerify(n, (broken,), unchecked=unchecked)
    problems, unchained = _covered_rows(hub, desk)
    return record_chain.ChainVerify(n, tuple(problems), unchained, unchecked=unchecked)


def _covered_rows(hub: psycopg.Connection, desk: str) -> tuple[list[str], int]:
    states: dict[tuple[str, int], set[str]] = {}
    for covers, row_id, digest in hub.execute("SELECT covers, row_id, digest FROM record_chain WHERE desk = %s",
                                              (desk,)):
        states.setdefault((covers, row_id), set()).add(digest)
    problems, unchained = [], 0
    for spec in record_chain.COVERED:
        if spec.table not in REPLICATED_TABLES:  # accounts: the desk's own
            continue
        rows = hub.execute(f"SELECT {', '.join(('id', *spec.columns))} FROM {spec.table} WHERE desk = %s ORDER BY id",
                           (desk,))
        found, older = record_chain.check_states(spec, rows, states)
        problems += found
        unchained += older
    return problems, unchained


def ensure_reader_role(conn: psycopg.Connection, name: str, password: str | None) -> bool:
    """A login role that may only read (SELECT on every table and view, now and those later migrations add), e.g.
    for the prescriber's office; its password set when given. Run by the database's owner. True if created."""
    from psycopg import sql

    role = sql.Identifier(name)
    with conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        if password is not None:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(password)))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(role))
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(role))
    return not exists
