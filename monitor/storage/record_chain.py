"""The record chain: alarm events, accounts, patients, courses, sessions (their course link, end and discharge), the
stored wave blocks and a digest of each session's samples, keyed and hash-chained like the access log (issue 18
point 9; the waves since local migration 20).

Nurse entries have the audit chain (storage.audit) and accesses the access log (storage.access_log); everything
else that is the record is covered here. Each chain row names the row it covers (`covers`, `row_id`) and the
sha256 of that row's content; its hash is an HMAC-SHA256 with the desk key (storage.desk_key, outside the database)
over the row and the previous row's hash. So an edited alarm event, account, patient or course link no longer
matches its digest, a deleted one leaves a digest without a row, a row slipped in has no digest, and none of it can
be re-chained without the key. A row that changes by design (an account's state, a session's end, discharge and
course) gets a new chain row with each change: its latest digest is what it must say now.

Written in the transaction of the row it covers, by temporary triggers that `install` puts on every connection the
program opens (storage.db.connect): no code path writes a covered row unchained, and the triggers are not in the
file (nothing to drop there; a write through another connection is unchained, and `verify` names it).

Samples: too many to chain one by one (the writer's batches stay as they were). When a session ends or is
discharged, the sha256 of its samples in rowid order is chained ('session_samples': how many, up to which rowid);
`verify` seals a still-running session's samples up to now the same way (a checkpoint: what comes later is sealed
at its end), and older sessions' too. A seal's samples changed or deleted, or samples after an ended session's seal,
are named. A running session's samples since its last seal are not proven yet (counted).

Rows recorded before the chain began (local migration 14: record_chain_start) have no digest: counted as unchained
before that date, not failed. Without the key (the clinic database) the links are checked, not the hashes
(`unchecked`), as for the audit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import sys
import time
from array import array
from dataclasses import dataclass
from typing import Any, Literal

from monitor.storage.desk_key import desk_key

GENESIS = "0" * 64
SAMPLES = "session_samples"  # `covers` of a session's samples digest; row_id is the session's id
SAMPLE_COLUMNS = ("rowid", "session_id", "param", "t", "host_t", "value", "flags")
_PROBLEMS_SHOWN = 20  # verify names this many problems, then counts the rest


@dataclass(frozen=True, slots=True)
class Covered:
    """A table whose rows are chained: what verify calls a row, the columns digested, whether rows change later."""

    table: str
    noun: str
    columns: tuple[str, ...]
    changes: bool = False  # rows are updated by design: each change is chained


COVERED = (
    Covered("alarm_events", "alarm event",
            ("session_id", "t", "action", "key", "message", "priority", "category", "value", "limit_value", "who")),
    Covered("accounts", "account", ("name", "initials", "role", "secret_hash", "active", "failed", "lockouts",
                                    "locked_until", "created_at"), changes=True),
    Covered("account_events", "account event", ("at", "account_id", "initials", "event", "by_initials", "detail")),
    Covered("patients", "patient", ("name", "mrn", "dob", "weight_kg", "allergies", "created_at", "uid")),
    Covered("courses", "course", ("patient_id", "title", "created_at", "uid")),
    Covered("sessions", "session (its course link, end or discharge)",
            ("started_at", "ended_at", "source", "protocol", "capture_path", "note", "timebase", "course_id", "chair",
             "discharged_at", "discharged_by"), changes=True),
    Covered("session_changes", "session change", ("session_id",)),
    Covered("settings_changes", "settings change", ("at", "by_initials", "what", "sha256", "detail")),
    Covered("wave_blocks", "wave block",  # local migration 20; never shipped, so the clinic database skips them
            ("session_id", "wave", "t0", "rate_hz", "n", "scale", "offset", "codec", "payload", "host_t")),
)


def _blob(value: object) -> str:
    """A BLOB (a wave block's payload) in a digest: its bytes in hex."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    raise TypeError(f"a chained row holds {type(value).__name__}, which has no digest")


def row_digest(values: tuple | list) -> str:
    """sha256 of a row's values (its id first), as canonical JSON: floats by repr, exact."""
    text = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False, default=_blob)
    return hashlib.sha256(text.encode()).hexdigest()


class SampleHasher:
    """sha256 of a session's samples fed in rowid order, in chunks of _CHUNK rows (the same chunks wherever it is
    computed: the seal at a session's end and verify's single pass over the table). Each chunk is hashed column by
    column, the numbers as their exact 8-byte values (little-endian), the parameter names as UTF-8: exact, and done
    in C rather than row by row."""

    _CHUNK = 4096
    _TYPES = ("q", "q", None, "d", "d", "d", "q")  # SAMPLE_COLUMNS: rowid, session_id, param, t, host_t, value, flags

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._buffer: list[tuple] = []
        self.count = 0

    def add(self, rows: list[tuple]) -> None:
        self._buffer += rows
        self.count += len(rows)
        while len(self._buffer) >= self._CHUNK:
            self._hash_chunk(self._sha, self._buffer[:self._CHUNK])
            del self._buffer[:self._CHUNK]

    def hexdigest(self) -> str:
        sha = self._sha.copy()
        if self._buffer:
            self._hash_chunk(sha, self._buffer)
        return sha.hexdigest()

    @classmethod
    def _hash_chunk(cls, sha: Any, rows: list[tuple]) -> None:
        for kind, column in zip(cls._TYPES, zip(*rows, strict=True), strict=True):
            try:
                if kind is None:
                    data = "\0".join(column).encode()
                else:
                    values = array(kind, column)
                    if sys.byteorder == "big":
                        values.byteswap()
                    data = values.tobytes()
            except (TypeError, OverflowError):  # not the type the column holds (an edit behind the program)
                data = repr(column).encode()
            sha.update(len(data).to_bytes(8, "little") + data)


class _SamplesDigest:
    """SampleHasher as an SQLite aggregate (the seal's trigger): rows sorted by rowid (their first column) first."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def step(self, *row: Any) -> None:
        self.rows.append(row)

    def finalize(self) -> str:
        self.rows.sort()
        hasher = SampleHasher()
        hasher.add(self.rows)
        return hasher.hexdigest()


def _link(key: bytes, prev_hash: str, fields: tuple) -> str:
    body = json.dumps(list(fields), separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, f"{prev_hash}\n{body}".encode(), hashlib.sha256).hexdigest()


def _register_functions(conn: sqlite3.Connection) -> None:
    key: list[bytes] = []  # read once per connection, when the first row is chained

    def link(prev_hash: str, *fields: Any) -> str:
        if not key:
            key.append(desk_key())
        return _link(key[0], prev_hash, fields)

    conn.create_function("chain_digest", -1, lambda *values: row_digest(values), deterministic=True)
    conn.create_function("chain_link", 7, link)
    conn.create_function("chain_now", 0, time.time)
    conn.create_aggregate("samples_digest", len(SAMPLE_COLUMNS), _SamplesDigest)


_CHAIN_ROW = (
    "INSERT INTO record_chain (at, covers, row_id, digest, sample_count, last_rowid, prev_hash, hash)"
    " SELECT at, covers, row_id, digest, n, last_rowid, prev,"
    " chain_link(prev, at, covers, row_id, digest, n, last_rowid)"
    " FROM ({source}) JOIN (SELECT chain_now() AS at,"
    f" coalesce((SELECT hash FROM main.record_chain ORDER BY id DESC LIMIT 1), '{GENESIS}') AS prev)"
)


def _row_source(spec: Covered) -> str:
    values = ", ".join(f"NEW.{c}" for c in ("id", *spec.columns))
    return f"SELECT '{spec.table}' AS covers, NEW.id AS row_id, chain_digest({values}) AS digest, NULL AS n," \
        " NULL AS last_rowid"


def _samples_source(session: str) -> str:
    # The table in rowid order from the session's first sample (a sequential read; the session index would read
    # the rows in index order, scattered): the aggregate then sorts rows already in order.
    return (f"SELECT '{SAMPLES}' AS covers, {session} AS row_id,"
            f" coalesce(samples_digest({', '.join(SAMPLE_COLUMNS)}), '{SampleHasher().hexdigest()}') AS digest,"
            f" count(*) AS n, max(rowid) AS last_rowid FROM main.samples NOT INDEXED"
            f" WHERE rowid >= coalesce((SELECT min(rowid) FROM main.samples WHERE session_id = {session}), 0)"
            f" AND session_id = {session}")


def _trigger_sql() -> list[str]:
    out = []
    for spec in COVERED:
        events = ("INSERT", "UPDATE") if spec.changes else ("INSERT",)
        for event in events:
            out.append(f"CREATE TEMP TRIGGER IF NOT EXISTS {spec.table}_chained_{event.lower()} AFTER {event} ON"
                       f" main.{spec.table} BEGIN {_CHAIN_ROW.format(source=_row_source(spec))}; END")
    out.append(  # the session's samples, sealed when it ends or is discharged
        "CREATE TEMP TRIGGER IF NOT EXISTS session_samples_sealed AFTER UPDATE OF ended_at, discharged_at ON"
        " main.sessions WHEN (OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL)"
        " OR (OLD.discharged_at IS NULL AND NEW.discharged_at IS NOT NULL)"
        f" BEGIN {_CHAIN_ROW.format(source=_samples_source('NEW.id'))}; END"
    )
    return out


def install(conn: sqlite3.Connection) -> None:
    """Chain every covered row this connection writes (after migration 14; outside a transaction)."""
    _register_functions(conn)
    for statement in _trigger_sql():
        conn.execute(statement)


def seal_samples(conn: sqlite3.Connection, session_id: int) -> None:
    """Chain the digest of a session's samples as they are now (inside the caller's transaction)."""
    conn.execute(_CHAIN_ROW.format(source=_samples_source("?")), (session_id,) * 3)


@dataclass(frozen=True, slots=True)
class ChainVerify:
    rows: int
    problems: tuple[str, ...] = ()
    unchained: int = 0  # rows recorded before the chain began: counted, not proven
    chain_start: float | None = None  # when it began (local migration 14)
    unchecked: int = 0  # chain rows whose own hash could not be checked (no key: the clinic database)
    sealed_sessions: int = 0  # sessions whose samples were checked against their seal
    unsealed_samples: int = 0  # running sessions' samples since their last seal: not proven yet

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class _Latest:
    chain_id: int
    at: float
    digest: str
    sample_count: int | None
    last_rowid: int | None


def verify_links(rows: Any, key: bytes | None) -> tuple[int, str | None, int, dict[tuple[str, int], _Latest]]:
    """Walk chain rows (id, at, covers, row_id, digest, sample_count, last_rowid, prev_hash, hash) in id order:
    (rows, the first broken link or None, rows unchecked for want of the key, the latest row per covered row)."""
    prev_hash = GENESIS
    n = unchecked = 0
    latest: dict[tuple[str, int], _Latest] = {}
    for cid, at, covers, row_id, digest, count, last, stored_prev, stored_hash in rows:
        n += 1
        if stored_prev != prev_hash:
            return n, f"record-chain row {cid}: the row before it was removed or altered", unchecked, latest
        if key is None:
            unchecked += 1
        elif not hmac.compare_digest(_link(key, prev_hash, (at, covers, row_id, digest, count, last)), stored_hash):
            return n, (f"record-chain row {cid} ({covers} {row_id}) was altered, or re-chained without this desk's "
                       "key"), unchecked, latest
        latest[(covers, row_id)] = _Latest(cid, at, digest, count, last)
        prev_hash = stored_hash
    return n, None, unchecked, latest


def _chain_rows(conn: sqlite3.Connection) -> Any:
    return conn.execute("SELECT id, at, covers, row_id, digest, sample_count, last_rowid, prev_hash, hash"
                        " FROM record_chain ORDER BY id")


def _start(conn: sqlite3.Connection) -> dict[str, tuple[int, float]]:
    return {c: (last, at) for c, last, at in conn.execute("SELECT covers, last_id, at FROM record_chain_start")}


def _check_table(conn: sqlite3.Connection, spec: Covered, latest: dict, before: int) -> tuple[list[str], int]:
    """(problems, rows unchained from before the chain) of one covered table."""
    problems, unchained, seen = [], 0, set()
    columns = ", ".join(("id", *spec.columns))
    for values in conn.execute(f"SELECT {columns} FROM {spec.table} ORDER BY id"):
        row_id = values[0]
        seen.add(row_id)
        chained = latest.get((spec.table, row_id))
        if chained is None:
            if row_id <= before:
                unchained += 1
            else:
                problems.append(f"{spec.noun} {row_id} ({spec.table}) is not in the record chain: added behind the "
                                "program")
        elif chained.digest != row_digest(values):
            problems.append(f"{spec.noun} {row_id} ({spec.table}) was altered: it differs from its chained digest")
    for covers, row_id in latest:
        if covers == spec.table and row_id not in seen:
            problems.append(f"{spec.noun} {row_id} ({spec.table}) was deleted: its chained digest has no row")
    return problems, unchained


def check_states(spec: Covered, rows: Any, states: dict[tuple[str, int], set[str]]) -> tuple[list[str], int]:
    """Where only some of the chain may have arrived (the clinic database): each row (id first, then spec.columns)
    must match one of the digests chained for it (a session shipped with its latest change before that change's
    chain row); (problems, rows with no digest yet: older than the chain, or in flight)."""
    problems, unchained, seen = [], 0, set()
    for values in rows:
        seen.add(values[0])
        chained = states.get((spec.table, values[0]))
        if chained is None:
            unchained += 1
        elif row_digest(values) not in chained:
            problems.append(f"{spec.noun} {values[0]} ({spec.table}) was altered: it matches none of its chained "
                            "digests")
    problems += [f"{spec.noun} {row_id} ({spec.table}) was deleted: its chained digest has no row"
                 for covers, row_id in states if covers == spec.table and row_id not in seen]
    return problems, unchained


def _hash_sealed(conn: sqlite3.Connection, session_id: int, seal: _Latest) -> SampleHasher:
    """The session's samples up to its seal, read as the seal read them (the table in rowid order), hashed."""
    hasher = SampleHasher()
    cursor = conn.execute(
        f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM samples NOT INDEXED WHERE rowid >= coalesce((SELECT min(rowid)"
        " FROM samples WHERE session_id = ?), 0) AND rowid <= ? AND session_id = ?",
        (session_id, seal.last_rowid or 0, session_id))
    while rows := cursor.fetchmany(SampleHasher._CHUNK):
        hasher.add(rows)
    return hasher


def _check_seal(session_id: int, seal: _Latest, hasher: SampleHasher) -> str | None:
    sealed = f"sealed {_when(seal.at)} ({seal.sample_count} samples)"
    if hasher.count < (seal.sample_count or 0):
        return f"session {session_id}'s samples: {seal.sample_count - hasher.count} deleted since they were {sealed}"
    if hasher.count != seal.sample_count or hasher.hexdigest() != seal.digest:
        return f"session {session_id}'s samples were changed since they were {sealed}"
    return None


def _check_samples(conn: sqlite3.Connection, latest: dict, before: int) -> tuple[list[str], int, int]:
    """(problems, sessions checked against a seal, samples not sealed yet): samples after an ended session's seal
    are a problem; a running session's (or an older one's, from before the chain) are counted: `seal_unsealed`."""
    seals = {row_id: seal for (covers, row_id), seal in latest.items() if covers == SAMPLES}
    problems, unsealed = [], 0
    for sid, seal in sorted(seals.items()):
        problem = _check_seal(sid, seal, _hash_sealed(conn, sid, seal))
        if problem:
            problems.append(problem)
    for sid, ended in conn.execute("SELECT id, ended_at IS NOT NULL FROM sessions ORDER BY id").fetchall():
        seal = seals.get(sid)
        after = conn.execute("SELECT count(*) FROM samples WHERE session_id = ? AND rowid > ?",
                             (sid, (seal.last_rowid or 0) if seal else 0)).fetchone()[0]
        if not after:
            continue
        if ended and seal is not None:
            problems.append(f"session {sid}: {after} samples added after its samples were sealed at its end")
        elif ended and sid > before:
            problems.append(f"session {sid} ended without its samples sealed (ended behind the program)")
        else:
            unsealed += after
    return problems, len(seals), unsealed


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t))


def verify_chain(conn: sqlite3.Connection, key: bytes | Literal["desk"] | None = "desk") -> ChainVerify:
    """Walk the record chain, then every covered row and every sealed session's samples against it."""
    key = desk_key() if key == "desk" else key
    _register_functions(conn)
    n, broken, unchecked, latest = verify_links(_chain_rows(conn), key)
    start = _start(conn)
    began = min((at for _last, at in start.values()), default=None)
    if broken:
        return ChainVerify(n, (broken,), chain_start=began, unchecked=unchecked)
    problems: list[str] = []
    unchained = 0
    for spec in COVERED:
        found, older = _check_table(conn, spec, latest, start.get(spec.table, (0, 0.0))[0])
        problems += found
        unchained += older
    found, sealed, unsealed = _check_samples(conn, latest, start.get(SAMPLES, (0, 0.0))[0])
    problems += found
    shown = problems[:_PROBLEMS_SHOWN]
    if len(problems) > _PROBLEMS_SHOWN:
        shown.append(f"... and {len(problems) - _PROBLEMS_SHOWN} more")
    return ChainVerify(n, tuple(shown), unchained, began, unchecked, sealed, unsealed)


def seal_unsealed(conn: sqlite3.Connection) -> int:
    """After a verify that found nothing: seal every session's samples not sealed up to its last sample yet (a
    running session's so far; an older session's, recorded before the chain). Returns how many were sealed."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        due = [sid for (sid,) in conn.execute(
            "SELECT s.id FROM sessions s WHERE (SELECT max(rowid) FROM samples x WHERE x.session_id = s.id)"
            f" > coalesce((SELECT c.last_rowid FROM record_chain c WHERE c.covers = '{SAMPLES}'"
            " AND c.row_id = s.id ORDER BY c.id DESC LIMIT 1), 0)").fetchall()]
        for session_id in due:
            seal_samples(conn, session_id)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return len(due)
