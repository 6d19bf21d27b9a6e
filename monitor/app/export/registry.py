"""The export formats by name: what the CLI's `export --format` and the review window's Export menu offer.

Qt-free. Every format is registered here with what a caller needs to ask for a target (a file with a suffix, or a
folder) and its writer. A format drawn with Qt (the PDF) is registered without a writer and names the ui module that
provides it (`drawn_by`): the CLI or the ui imports that module, which calls `provide`, so this layer never imports
Qt and still lists every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from monitor.app.session_record import SessionRecord

Progress = Callable[[int, int], None]


class Writer(Protocol):
    def __call__(
        self, record: SessionRecord, target: Path, progress: Progress | None = None, *, force: bool = False
    ) -> list[Path]: ...


class Target(Enum):
    FILE = "file"
    FOLDER = "folder"


@dataclass(frozen=True)
class Exporter:
    name: str  # the CLI's --format value
    label: str  # the Export menu's item
    target: Target
    suffix: str = ""  # of a file target: the save dialog proposes session-N + suffix
    write: Writer | None = None  # None until the module in `drawn_by` has provided it
    drawn_by: str | None = None  # the ui module that provides `write` (it draws with Qt)
    counts: str = ""  # what the writer's progress counts, said once done by the CLI ("pages"); "" for nothing

    @property
    def file_type(self) -> str:
        """The save dialog's file-type filter, e.g. 'PDF session record (*.pdf)'; '' for a folder target."""
        return f"{self.label.rstrip('…')} (*{self.suffix})" if self.target is Target.FILE else ""

    def __post_init__(self) -> None:
        if self.write is None and self.drawn_by is None:
            raise ValueError(f"export format {self.name!r} has neither a writer nor a module that provides one")


_FORMATS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> None:
    if exporter.name in _FORMATS:
        raise ValueError(f"export format {exporter.name!r} is registered already")
    _FORMATS[exporter.name] = exporter


def provide(name: str, write: Writer) -> None:
    """The writer of a format registered with `drawn_by`, given by that module when it is imported."""
    _FORMATS[name] = replace(_FORMATS[name], write=write)


def exporters() -> list[Exporter]:
    """Every format, in the order registered (the menu's order)."""
    return list(_FORMATS.values())


def names() -> list[str]:
    return list(_FORMATS)


def get(name: str) -> Exporter:
    return _FORMATS[name]


def into_new_file(draw: Callable[[SessionRecord, Path, Progress | None], object]) -> Writer:
    """A writer for `draw(record, path, progress)`, which writes one file: through monitor.storage.private_files,
    so a symlink is never followed and an existing file is replaced only with `force`."""

    def write(
        record: SessionRecord, target: Path, progress: Progress | None = None, *, force: bool = False
    ) -> list[Path]:
        from monitor.storage.private_files import new_file  # when writing: listing formats stays cheap

        with new_file(target, force) as tmp:
            draw(record, tmp, progress)
        return [target]

    return write
