"""CSV export of one session: the samples, and the timeline of entries. Columns are documented in the README.

Qt-free. Times are ISO 8601 UTC; units are those of the parameter table (monitor.params). Every row is written
through SafeWriter: a text cell that a spreadsheet would take for a formula is neutralised; numbers stay numbers.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import numpy as np

from monitor.app.session_record import SessionRecord
from monitor.clinical.entries import describe
from monitor.params import PARAMS
from monitor.storage.private_files import check_target, new_file

SAMPLE_COLUMNS = ("time_utc", "param", "value", "unit", "host_time_utc", "device_time_utc")
TIMELINE_COLUMNS = (
    "time_utc",
    "entry_id",
    "kind",
    "description",
    "initials",
    "status",
    "correction_reason",
    "corrected_by",
    "recorded_at_utc",
    "payload_json",
    "original_description",
)


# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection"): a correction reason
# `=HYPERLINK(…)` would land as a live link. A leading single quote makes the cell text, shown as typed.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text cell that could start a formula, prefixed with a single quote; anything else (numbers) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer whose every text cell goes through safe_cell: the one place exports are neutralised."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_csv(
    record: SessionRecord, folder: Path, progress: Callable[[int, int], None] | None = None, *, force: bool = False
) -> list[Path]:
    """Write session-N-samples.csv and session-N-timeline.csv into `folder`; returns their paths. Existing files are
    replaced only with `force`, symlinks never (monitor.storage.private_files)."""
    folder.mkdir(parents=True, exist_ok=True)
    sid = record.session.id
    samples_path = folder / f"session-{sid}-samples.csv"
    timeline_path = folder / f"session-{sid}-timeline.csv"
    for path in (samples_path, timeline_path):
        check_target(path, force)  # both, before either is written
    total = sum(len(s.t) for s in record.series.values())
    done = 0
    with new_file(samples_path, force) as tmp, open(tmp, "w", newline="", encoding="utf-8") as out:
        writer = SafeWriter(out)
        writer.writerow(SAMPLE_COLUMNS)
        for name, series in sorted(record.series.items()):
            unit = PARAMS[name].unit if name in PARAMS else ""
            for i in np.argsort(series.t, kind="stable"):
                writer.writerow(
                    (
                        iso(series.t[i]),
                        name,
                        float(series.value[i]),  # a number (csv writes its repr): never neutralised
                        unit,
                        iso(series.host_t[i]),
                        iso(series.device_t[i]),
                    )
                )
            done += len(series.t)
            if progress is not None:
                progress(done, total)
    with new_file(timeline_path, force) as tmp, open(tmp, "w", newline="", encoding="utf-8") as out:
        writer = SafeWriter(out)
        writer.writerow(TIMELINE_COLUMNS)
        for view in record.entries:
            status, correction = "", None
            if view.struck_by is not None:
                status, correction = "struck", view.struck_by
            elif view.amended:
                status, correction = "amended", view.current
            writer.writerow(
                (
                    iso(view.t),
                    view.id,
                    view.kind.value,
                    describe(view.kind, view.payload),
                    view.original.initials,
                    status,
                    correction.reason if correction else "",
                    correction.initials if correction else "",
                    iso(view.original.recorded_at),
                    json.dumps(dict(view.payload), sort_keys=True),
                    describe(view.kind, view.original.payload) if view.amended else "",
                )
            )
    return [samples_path, timeline_path]
