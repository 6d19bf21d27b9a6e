"""Exports of a recorded session, one module per format, listed by name in the registry.

- csv: samples and timeline (two files in a folder); fhir: a FHIR R4 bundle (one JSON file);
- pdf: the session record for the patient's file; what it contains is here (report_content, Qt-free), how it is
  drawn is in monitor.ui.report_pdf, which provides the writer when imported.

A new format is a module here (or a drawing module in the ui) and one `register` below.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from monitor.app.export.registry import (
    Exporter,
    Progress,
    Target,
    exporters,
    get,
    into_new_file,
    names,
    provide,
    register,
)

if TYPE_CHECKING:
    from monitor.app.session_record import SessionRecord

__all__ = ["Exporter", "Progress", "Target", "exporters", "get", "into_new_file", "names", "provide", "register"]


# The writers import their module when called: listing the formats (the CLI's parser, for every command) stays cheap.


def _write_csv(
    record: SessionRecord, target: Path, progress: Progress | None = None, *, force: bool = False
) -> list[Path]:
    from monitor.app.export.csv import write_csv

    return write_csv(record, target, progress, force=force)


def _write_fhir(
    record: SessionRecord, target: Path, progress: Progress | None = None, *, force: bool = False
) -> list[Path]:
    from monitor.app.export.fhir import write_fhir

    write_fhir(record, target, force)
    return [target]


register(Exporter("pdf", "PDF session record…", Target.FILE, ".pdf", drawn_by="monitor.ui.report_pdf", counts="pages"))
register(Exporter("csv", "CSV (samples and timeline)…", Target.FOLDER, write=_write_csv))
register(Exporter("fhir", "FHIR R4 bundle…", Target.FILE, ".fhir.json", write=_write_fhir))
