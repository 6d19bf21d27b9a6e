"""The clinic database as a record to read (issue 17 point 5): its sessions from every desk, one session for review
or export, a course across desks, and each desk's audit chain. Qt-free; the door the ui and the CLI use.

Every function copies what it needs from the hub into an in-memory local database (storage.hub_read) and hands it to
the same readers the desk's own file goes through (session_record.read_record, lifecycle.listing_of,
courses.summarise_sessions, audit.verify): one path for both back ends, so the hub's review and exports are the
local ones, byte for byte.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.app.courses import SessionSummary, summarise_sessions, with_pain_change
from monitor.app.lifecycle import SessionListing, listing_of, session_listing
from monitor.app.session_record import SessionRecord, load_record, read_record
from monitor.clinical.infusion import InfusionLimits
from monitor.storage.hub_dsn import masked
from monitor.storage.hub_read import (
    DeskAudit,
    HubAddress,
    connect_hub,
    course_members,
    course_members_of_uid,
    desk_index_db,
    desks,
    entries_db,
    is_hub,
    parse_address,
    session_db,
    verify_desks,
)

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "DeskAudit",
    "HubAddress",
    "clinic_course_summary",
    "hub_course_summary",
    "hub_listing",
    "is_hub",
    "listing_from",
    "load_from",
    "load_hub_record",
    "masked",
    "parse_address",
    "verify_hub",
]


def load_hub_record(dsn: str, address: HubAddress, limits: InfusionLimits | None = None) -> SessionRecord:
    """One session of the clinic database, as its desk recorded it, naming that desk. KeyError if there is none.
    Its place in its course counts the course's sessions at every desk."""
    with connect_hub(dsn) as hub:
        mem = session_db(hub, address)
        try:
            record = replace(read_record(mem, address.id, limits, where=f"desk {address.desk}"), desk=address.desk)
        finally:
            mem.close()
        if record.course is None:
            return record
        members = course_members(hub, address.desk, record.course.id)
    key = (address.desk, address.id)
    return replace(record, course_position=(members.index(key) + 1, len(members)) if key in members else None)


def hub_listing(dsn: str) -> list[SessionListing]:
    """Every session on the clinic database, of every desk: by desk, then id."""
    out: list[SessionListing] = []
    with connect_hub(dsn) as hub:
        for desk in desks(hub):
            mem = desk_index_db(hub, desk)
            try:
                out.extend(listing_of(mem, desk))
            finally:
                mem.close()
    return out


def hub_course_summary(dsn: str, desk: str, course_id: int) -> list[SessionSummary]:
    """The course view's rows for a desk's course, with its sessions from every desk (clinic-wide course uid)."""
    with connect_hub(dsn) as hub:
        return course_summary_on(hub, course_members(hub, desk, course_id))


def clinic_course_summary(hub: psycopg.Connection, uid: str) -> list[SessionSummary]:
    """The course view's rows for the course with this clinic-wide uid, on an open hub connection."""
    return course_summary_on(hub, course_members_of_uid(hub, uid))


def course_summary_on(hub: psycopg.Connection, members: list[tuple[str, int]]) -> list[SessionSummary]:
    """Each (desk, session) summarised by the local course summary code, in the order given, pain change against
    the first session's baseline."""
    by_desk: dict[str, list[int]] = {}
    for desk, sid in members:
        by_desk.setdefault(desk, []).append(sid)
    summaries: dict[tuple[str, int], SessionSummary] = {}
    for desk, ids in by_desk.items():
        mem = entries_db(hub, desk, ids)
        try:
            summaries |= {(desk, s.session_id): s for s in summarise_sessions(mem, ids, desk)}
        finally:
            mem.close()
    return with_pain_change([summaries[m] for m in members])


def verify_hub(dsn: str) -> list[DeskAudit]:
    """Each desk's audit chain on the server, checked by the program's own audit.verify."""
    with connect_hub(dsn) as hub:
        return verify_desks(hub)


def load_from(source: Path | str, session: int | HubAddress) -> SessionRecord:
    """A session for review: by id from a desk's file (a Path), or by DESK:ID from the clinic database (its DSN,
    a str: a postgresql:// URL or key=value)."""
    if isinstance(session, HubAddress):
        assert isinstance(source, str)
        return load_hub_record(source, session)
    return load_record(Path(source), session)


def listing_from(source: Path | str) -> list[SessionListing]:
    """The review list: a desk's file (a Path), or every desk's sessions on the clinic database (its DSN, a str)."""
    return session_listing(source) if isinstance(source, Path) else hub_listing(source)
