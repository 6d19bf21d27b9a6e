"""Validating a patient's details as a nurse types them (the records live in monitor.storage.patients)."""

from __future__ import annotations

from datetime import date

from monitor.clinical.errors import EntryError, parse_number
from monitor.clinical.infusion import InfusionLimits


def validate_patient(name: str, mrn: str, dob: str, weight: str | float, allergies: str, today: date) -> dict:
    """Clean patient fields, or EntryError saying which one is wrong."""
    name, mrn, allergies = name.strip(), mrn.strip(), allergies.strip()
    if len(name) < 2:
        raise EntryError("Name is empty: enter the patient's full name")
    if not mrn:
        raise EntryError("MRN is empty: enter the medical record number")
    born = validate_dob(dob, today)
    limits = InfusionLimits()
    kg = parse_number(weight, "Weight", "kg")
    if not limits.min_weight_kg <= kg <= limits.max_weight_kg:
        raise EntryError(f"Weight {kg:g} kg is outside {limits.min_weight_kg:g}–{limits.max_weight_kg:g} kg")
    if len(allergies) > 500:
        raise EntryError("Allergies: at most 500 characters")
    return {"name": name, "mrn": mrn, "dob": born, "weight_kg": kg, "allergies": allergies}


def validate_dob(dob: str, today: date) -> str:
    """A plausible date of birth as an ISO date, or EntryError saying what is wrong."""
    try:
        born = date.fromisoformat(dob.strip())
    except ValueError:
        raise EntryError(f"Date of birth must be YYYY-MM-DD, not {dob.strip()!r}") from None
    if born > today or today.year - born.year > 120:
        raise EntryError(f"Date of birth {born.isoformat()} is not plausible")
    return born.isoformat()
