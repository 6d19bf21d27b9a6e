"""The clinic's patient list on the clinic database (issue 17 point 3): the SQL over hub migration 3's views.

Callers own the psycopg connection and its thread. Read-only: a desk creates a patient or course in its own local
database and the replicator ships the row; nothing here writes to the hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

SEARCH_LIMIT = 50  # rows a search returns: a name or MRN typed narrows it; the dialog says when there were more


@dataclass(frozen=True, slots=True)
class ClinicPatient:
    """A patient's registration on the clinic database (the first row of its uid, at the desk that registered it)."""

    uid: str
    desk: str
    id: int
    mrn: str
    name: str
    dob: str
    weight_kg: float
    allergies: str
    created_at: float
    clinic: bool  # the clinic's registration of its MRN (the earliest); False: a conflicting later one

    @property
    def label(self) -> str:
        return f"{self.name} (MRN {self.mrn}, born {self.dob})"

    def fields(self) -> dict:
        """Its demographics as storage.patients.add_patient takes them, for the desk's local copy."""
        keys = ("name", "mrn", "dob", "weight_kg", "allergies")
        return {k: getattr(self, k) for k in keys}


@dataclass(frozen=True, slots=True)
class ClinicCourse:
    uid: str
    patient_uid: str
    title: str
    created_at: float
    desk: str  # where it was started
    id: int


@dataclass(frozen=True, slots=True)
class MrnConflict:
    """A later registration of an MRN beside the clinic's (the earliest): listed, never merged or changed."""

    mrn: str
    desk: str
    id: int
    uid: str
    name: str
    dob: str
    clinic_desk: str
    clinic_uid: str
    clinic_name: str
    clinic_dob: str
    differs: tuple[str, ...]  # 'name', 'date of birth', 'weight', 'allergies'; empty: the same details

    @property
    def text(self) -> str:
        what = (
            f"{', '.join(self.differs)} differ{'s' if len(self.differs) == 1 else ''}"
            if self.differs
            else ("same details, registered twice")
        )
        return (
            f"Conflicting registration of MRN {self.mrn} at desk {self.desk}: {what} "
            f"({self.name}, born {self.dob}; the clinic's, from desk {self.clinic_desk}: {self.clinic_name}, "
            f"born {self.clinic_dob}) — resolve in the EHR / by a correction"
        )


_REGISTRATION = "uid, desk, id, mrn, name, dob, weight_kg, allergies, created_at, rank = 1"
_CONFLICT = "mrn, desk, id, uid, name, dob, clinic_desk, clinic_uid, clinic_name, clinic_dob, differs"


def _like(needle: str) -> str:
    escaped = needle.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(conn: psycopg.Connection, needle: str, limit: int = SEARCH_LIMIT) -> list[ClinicPatient]:
    """Registrations whose name or MRN contains `needle` (any case), by name; at most `limit`."""
    rows = conn.execute(
        f"SELECT {_REGISTRATION} FROM patient_registrations WHERE name ILIKE %(n)s OR mrn ILIKE %(n)s"
        " ORDER BY name, mrn, rank LIMIT %(limit)s",
        {"n": _like(needle), "limit": limit},
    ).fetchall()
    return [ClinicPatient(*row) for row in rows]


def registrations_of(conn: psycopg.Connection, mrn: str) -> list[ClinicPatient]:
    """Every registration of `mrn`, the clinic's first."""
    rows = conn.execute(f"SELECT {_REGISTRATION} FROM patient_registrations WHERE mrn = %s ORDER BY rank", (mrn,))
    return [ClinicPatient(*row) for row in rows.fetchall()]


def courses_of(conn: psycopg.Connection, patient_uid: str) -> list[ClinicCourse]:
    rows = conn.execute(
        "SELECT uid, patient_uid, title, created_at, desk, id FROM clinic_courses WHERE patient_uid = %s"
        " ORDER BY created_at",
        (patient_uid,),
    )
    return [ClinicCourse(*row) for row in rows.fetchall()]


def conflicts(conn: psycopg.Connection, needle: str = "", limit: int = SEARCH_LIMIT) -> list[MrnConflict]:
    """Conflicting registrations whose MRN or either name contains `needle` (all, for an empty one)."""
    rows = conn.execute(
        f"SELECT {_CONFLICT} FROM patient_conflicts"
        " WHERE mrn ILIKE %(n)s OR name ILIKE %(n)s OR clinic_name ILIKE %(n)s"
        " ORDER BY mrn, created_at, desk, id LIMIT %(limit)s",
        {"n": _like(needle), "limit": limit},
    ).fetchall()
    return [MrnConflict(*row[:-1], tuple(row[-1])) for row in rows]


def conflicts_of(conn: psycopg.Connection, mrn: str) -> list[MrnConflict]:
    rows = conn.execute(
        f"SELECT {_CONFLICT} FROM patient_conflicts WHERE mrn = %s ORDER BY created_at, desk, id", (mrn,)
    ).fetchall()
    return [MrnConflict(*row[:-1], tuple(row[-1])) for row in rows]
