"""The clinic's patient list, for one desk: the app door to storage.hub_patients. Qt-free.

Every query runs on this service's own thread (never the GUI's) and answers with a Future; the UI waits for it
through the facade. One connection, opened on first use and again after a failure; each attempt is bounded
(connect_timeout, statement_timeout), so an unreachable clinic database is an error within TIMEOUT_S, never a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from monitor.storage import hub_patients as hub
from monitor.storage.hub_patients import ClinicCourse, ClinicPatient, MrnConflict

if TYPE_CHECKING:
    import psycopg

    from monitor.app.courses import SessionSummary

__all__ = ["ClinicCourse", "ClinicPatient", "ClinicPatients", "ClinicSearch", "ClinicUnreachableError", "MrnConflict"]
T = TypeVar("T")
TIMEOUT_S = 3.0  # connect and per-query bound: a search answers, or says the clinic database is unreachable


class ClinicUnreachableError(RuntimeError):
    """The clinic database did not answer: the desk works from its own list meanwhile."""


@dataclass(frozen=True, slots=True)
class ClinicSearch:
    needle: str
    patients: list[ClinicPatient]
    conflicts: list[MrnConflict]

    @property
    def limited(self) -> bool:
        """As many as a search returns: there may be more (type more of the name or MRN)."""
        return len(self.patients) >= hub.SEARCH_LIMIT


class ClinicPatients:
    def __init__(self, dsn: str, timeout_s: float = TIMEOUT_S) -> None:
        self.dsn, self.timeout_s = dsn, timeout_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clinic-patients")
        self._conn: psycopg.Connection | None = None  # the worker thread's only
        self._last_search: Future[ClinicSearch] | None = None
        self._closed = False

    def _connection(self) -> psycopg.Connection:
        import psycopg

        if self._conn is None or self._conn.closed:
            ms = int(self.timeout_s * 1000)
            self._conn = psycopg.connect(
                self.dsn,
                autocommit=True,
                connect_timeout=max(1, round(self.timeout_s)),
                options=f"-c statement_timeout={ms}",
                application_name="monitor patients",
            )
        return self._conn

    def _run(self, fn: Callable[[psycopg.Connection], T]) -> Future[T]:
        def call() -> T:
            import psycopg

            try:
                return fn(self._connection())
            except psycopg.OperationalError as exc:  # unreachable, timed out, or dropped: reopen next time
                self._drop()
                raise ClinicUnreachableError(f"clinic database unreachable: {str(exc).strip()}") from exc

        return self._pool.submit(call)

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def search(self, needle: str) -> Future[ClinicSearch]:
        """Registrations matching `needle` by name or MRN, and the MRN conflicts among them. A search typed over
        by the next one is cancelled if it has not started (typing never queues a backlog of queries)."""
        if self._last_search is not None:
            self._last_search.cancel()
        self._last_search = self._run(
            lambda conn: ClinicSearch(needle, hub.search(conn, needle), hub.conflicts(conn, needle))
        )
        return self._last_search

    def registrations_of(self, mrn: str) -> Future[list[ClinicPatient]]:
        return self._run(lambda conn: hub.registrations_of(conn, mrn))

    def courses_of(self, patient_uid: str) -> Future[list[ClinicCourse]]:
        return self._run(lambda conn: hub.courses_of(conn, patient_uid))

    def conflicts_of(self, mrn: str) -> Future[list[MrnConflict]]:
        return self._run(lambda conn: hub.conflicts_of(conn, mrn))

    def course_summary(self, course_uid: str) -> Future[list[SessionSummary]]:
        """The course view's rows for a clinic-wide course: its sessions at every desk (app.hub_records)."""
        from monitor.app.hub_records import clinic_course_summary  # it imports app.courses, which imports this

        return self._run(lambda conn: clinic_course_summary(conn, course_uid))

    def close(self) -> None:
        """Close the connection and end the thread, after the query under way (bounded by the timeouts)."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._drop()  # the worker has ended: its connection is this thread's to close
