"""The chains' heads, kept outside the database: cutting the tail of a chain (deleting its last rows) is detected.

A chain verifies from its first row to whatever its last row now is, so deleting the newest rows leaves a shorter
chain that still verifies. Each time an audit row is committed (and after the writer's calls and alarm events,
which move the record chain), the head (last id and hash) of each chain is written beside the desk key (its
folder, never the database's), one file per database (named by its local_identity uid). `verify` then requires
the anchored row to be present with the anchored hash: a chain shorter than its anchor, or rewritten, says so.
The clinic server's copy of the chain is the other anchor; the PDF record (its session's head hash, `verify
--expect`) the third.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

from monitor.storage.desk_key import key_file

CHAINS = ("audit", "access_log", "record_chain")


def anchor_file(conn: sqlite3.Connection) -> Path:
    uid = conn.execute("SELECT uid FROM local_identity").fetchone()[0]
    return key_file().parent / "anchors" / f"{uid}.json"


def heads(conn: sqlite3.Connection) -> dict[str, list]:
    out: dict[str, list] = {}
    for table in CHAINS:
        row = conn.execute(f"SELECT id, hash FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
        if row is not None:
            out[table] = [row[0], row[1]]
    return out


def record_heads(conn: sqlite3.Connection) -> None:
    """Write the committed heads to the anchor file (atomically: a crash leaves the old or the new one)."""
    path = anchor_file(conn)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(fd, "w") as out:
        json.dump(heads(conn), out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def check_heads(conn: sqlite3.Connection) -> list[str]:
    """What differs from the anchor: a cut tail or a rewritten head, per chain; [] when none (or no anchor yet)."""
    path = anchor_file(conn)
    try:
        anchored = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    problems = []
    for table, (rid, digest) in anchored.items():
        if table not in CHAINS:
            continue
        row = conn.execute(f"SELECT hash FROM {table} WHERE id = ?", (rid,)).fetchone()
        if row is None:
            problems.append(f"{table}: row {rid} (anchored outside the file, {path}) is gone: the chain's tail was cut")
        elif row[0] != digest:
            problems.append(f"{table}: row {rid} differs from its anchor outside the file ({path}): rewritten")
    return problems
