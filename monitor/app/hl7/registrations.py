"""The EHR's registrations as the patient dialog offers them (storage.hl7_registrations). Qt-free; a short read of
the local database on the caller's thread, like the desk's own patient list.

A registration from the EHR has no weight, so it is not yet one of this desk's patients: the nurse picks it, checks
the details, enters the weight (and allergies) and registers it the way a typed one is (app.courses.add_patient:
with a clinic database the clinic's list is asked first). An update (A08) never changes this desk's registration:
where the EHR now says something else about a patient the desk has, the dialog shows it beside them.
"""

from __future__ import annotations

import re
from pathlib import Path

from monitor.storage.db import connect
from monitor.storage.hl7_registrations import EhrPatient, ehr_patients
from monitor.storage.patients import Patient
from monitor.timefmt import day_time_text

__all__ = ["EhrPatient", "differences", "offer_text", "read_ehr_patients"]


def read_ehr_patients(db_path: Path) -> list[EhrPatient]:
    conn = connect(db_path)
    try:
        return ehr_patients(conn)
    finally:
        conn.close()


def offer_text(ehr: EhrPatient) -> str:
    """Its line in the patient list: from the EHR, not registered here yet."""
    updated = f" · updated {day_time_text(ehr.updated_at)}" if ehr.updated_at is not None else ""
    return f"From the EHR, not registered here yet: {ehr.label}{updated}"


def differences(local: Patient, ehr: EhrPatient) -> str:
    """What the EHR says now that this desk's registration does not ("" when they agree): the date of birth, or a
    name neither of whose words contain the other's (order, case, commas and an added middle name do not count)."""
    said = []
    if _words(local.name) - _words(ehr.name) and _words(ehr.name) - _words(local.name):
        said.append(f"name {ehr.name}")
    if local.dob != ehr.dob:
        said.append(f"born {ehr.dob}")
    if not said:
        return ""
    when = day_time_text(ehr.updated_at if ehr.updated_at is not None else ehr.registered_at or 0.0)
    return f"the EHR says {', '.join(said)} ({ehr.sender or 'EHR'}, {when}): this desk's registration is unchanged"


def _words(name: str) -> set[str]:
    return set(re.findall(r"\w+", name.lower()))
