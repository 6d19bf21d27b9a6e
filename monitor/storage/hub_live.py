"""Reading other desks' live sessions from the clinic database (issue 17 point 4): what is new, never all again.

Qt-free; called on the hub watcher's own thread (monitor.app.hub_watch) with its own connection. A desk's program
ships its record in batches and, after each, notifies (NOTIFY_CHANNEL) naming the desk and the tables it wrote
(monitor.storage.replicator). The watcher reads only that desk's rows above the ids it has seen (the key (desk, id):
the primary key's index answers it), and re-reads the desk's open sessions (a few rows: their ended or discharged
state changes in place). A session first seen starts from its latest values, its last half hour of HR and SpO₂, its
entries and its alarm events, all in one snapshot with the ids that mark where the next read starts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg


log = logging.getLogger(__name__)

LIVE_TABLES = ("samples", "link_events", "device_status", "entries", "alarm_events")
HISTORY_PARAMS = ("HR", "SPO2")  # the card's half-hour trend (monitor.app.latest_values.HISTORY_S)
HISTORY_S = 30 * 60.0

# The link events that are the monitor's link (others: "clinic", "gap", "closed"); LinkState's values.
_LINK_STATES = "  AND state IN ('connecting', 'receiving', 'silent', 'disconnected', 'stopped')"
_COLUMNS = {
    "samples": "id, session_id, param, t, host_t, value, flags",
    "link_events": "id, session_id, t, state, detail",
    "device_status": "id, session_id, t, host_t, conditions, unavailable",
    "entries": "id, session_id, kind, t, recorded_at, initials, payload, action, target_id, reason",
    "alarm_events": "id, session_id, t, action, key, message, priority, category, value, limit_value, who",
}


@dataclass(frozen=True, slots=True)
class RemoteSession:
    """An open session of another desk: recording, not ended, not discharged."""

    desk: str
    id: int
    chair: str
    started_at: float
    patient: str | None  # the patient's name, None before one is assigned


@dataclass
class DeskRows:
    """What is new from one desk: its open sessions now (all of them) and its rows above the last seen ids."""

    desk: str
    sessions: list[RemoteSession]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())


def parse_notice(payload: str) -> tuple[str, tuple[str, ...]] | None:
    """(desk, tables) of a replicator notice; None when it is not one (then every desk is re-read)."""
    try:
        notice = json.loads(payload)
        desk, tables = notice["desk"], notice.get("tables", LIVE_TABLES)
        if not isinstance(desk, str) or not isinstance(tables, list | tuple):
            return None
        return desk, tuple(str(t) for t in tables)
    except (ValueError, KeyError, TypeError):
        return None


def other_desks(conn: psycopg.Connection, own: str) -> list[str]:
    """The desks with an open session, this one apart."""
    rows = conn.execute(
        "SELECT DISTINCT desk FROM sessions WHERE desk <> %s AND ended_at IS NULL AND discharged_at IS NULL", (own,)
    ).fetchall()
    return sorted(r[0] for r in rows)


def open_sessions(conn: psycopg.Connection, desk: str) -> list[RemoteSession]:
    rows = conn.execute(
        "SELECT s.id, coalesce(s.chair, ''), s.started_at, p.name FROM sessions s"
        " LEFT JOIN courses c ON c.desk = s.desk AND c.id = s.course_id"
        " LEFT JOIN patients p ON p.desk = c.desk AND p.id = c.patient_id"
        " WHERE s.desk = %s AND s.ended_at IS NULL AND s.discharged_at IS NULL ORDER BY s.id",
        (desk,),
    ).fetchall()
    return [RemoteSession(desk, int(r[0]), r[1] or f"session {r[0]}", float(r[2]), r[3]) for r in rows]


def last_ids(conn: psycopg.Connection, desk: str) -> dict[str, int]:
    """Where the next read of each table starts for `desk`."""
    return {
        table: int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {table} WHERE desk = %s", (desk,)).fetchone()[0])
        for table in LIVE_TABLES
    }


def first_look(conn: psycopg.Connection, desk: str) -> tuple[dict[str, int], DeskRows]:
    """A desk first seen: the ids read up to, its open sessions and what each starts from, in one snapshot, so
    nothing falls between it and the next incremental read."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        marks = last_ids(conn, desk)
        out = DeskRows(desk, open_sessions(conn, desk))
        ids = [s.id for s in out.sessions]
        out.rows = _starting_rows(conn, desk, ids, marks) if ids else {}
    return marks, out


def _starting_rows(
    conn: psycopg.Connection, desk: str, ids: list[int], marks: Mapping[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """Per session: the latest sample of each parameter and the trend's last half hour; the latest link event and
    device status; every entry and alarm event (few: they make the infusion state and the active alarms)."""
    args = {"desk": desk, "ids": ids}
    rows = {
        "samples": _dicts(
            conn,
            f"SELECT {_COLUMNS['samples']} FROM ("
            "  SELECT DISTINCT ON (session_id, param) * FROM samples"
            "  WHERE desk = %(desk)s AND session_id = ANY(%(ids)s) AND id <= %(mark)s"
            "  ORDER BY session_id, param, id DESC) latest"
            f" UNION SELECT {_COLUMNS['samples']} FROM samples h"
            " WHERE desk = %(desk)s AND session_id = ANY(%(ids)s) AND param = ANY(%(trend)s) AND id <= %(mark)s"
            "  AND t >= (SELECT max(t) FROM samples m WHERE m.desk = h.desk AND m.session_id = h.session_id"
            "            AND m.param = h.param) - %(window)s"
            " ORDER BY id",
            args | {"mark": marks["samples"], "trend": list(HISTORY_PARAMS), "window": HISTORY_S},
        )
    }
    for table in ("link_events", "device_status"):
        rows[table] = _dicts(
            conn,
            f"SELECT {_COLUMNS[table]} FROM ("
            f"  SELECT DISTINCT ON (session_id) * FROM {table}"
            "  WHERE desk = %(desk)s AND session_id = ANY(%(ids)s) AND id <= %(mark)s"
            + (_LINK_STATES if table == "link_events" else "")
            + "  ORDER BY session_id, id DESC) latest ORDER BY id",
            args | {"mark": marks[table]},
        )
    for table in ("entries", "alarm_events"):
        rows[table] = _dicts(
            conn,
            f"SELECT {_COLUMNS[table]} FROM {table}"
            " WHERE desk = %(desk)s AND session_id = ANY(%(ids)s) AND id <= %(mark)s ORDER BY id",
            args | {"mark": marks[table]},
        )
    return rows


def new_rows(
    conn: psycopg.Connection, desk: str, marks: dict[str, int], tables: Iterable[str] = LIVE_TABLES
) -> DeskRows:
    """The desk's open sessions and its rows above `marks` in `tables` (the live ones among them), in one snapshot
    (a session and its first rows arrive together); `marks` moves on."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        out = DeskRows(desk, open_sessions(conn, desk))
        for table in tables:
            if table not in _COLUMNS:
                continue  # patients, courses, audit, quarantine: not what a card shows
            rows = _dicts(
                conn,
                f"SELECT {_COLUMNS[table]} FROM {table} WHERE desk = %(desk)s AND id > %(mark)s ORDER BY id",
                {"desk": desk, "mark": marks.get(table, 0)},
            )
            if rows:
                marks[table] = int(rows[-1]["id"])
                out.rows[table] = rows
    return out


def _dicts(conn: psycopg.Connection, query: str, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, args).fetchall()  # type: ignore[arg-type]
