"""Files that hold patient data, or could: private modes, never written through a symlink, never overwritten unasked.

Every file the program writes (database, -wal/-shm, raw captures, backups, exports, unsaved entries, station.json)
may hold patient data, so the process umask is 0o077 (folders 0700, files 0600) from the start of `main`, and
`repair_modes` tightens what an older version left group- or world-readable.

Exports and backups go through `new_file`: the content is written to a temporary file created exclusively in the
target's folder, then published at the target — over an existing file only with `force` (os.replace, which
replaces a symlink rather than following it), otherwise by claiming the name with O_CREAT|O_EXCL|O_NOFOLLOW,
which fails on any existing file or symlink: no check-then-create race. A symlink at the target is refused
either way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # POSIX; Windows has no symlink-following open to guard against
_OPEN_QUIETLY = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the start-up


class TargetRefused(ValueError):
    """An export or backup target that would be written through a symlink or over a file nobody asked to replace."""


def set_private_umask() -> None:
    """From here on every file this process creates is 0600 and every folder 0700."""
    os.umask(PRIVATE_UMASK)


def repair_modes(data_dir: Path, db_path: Path | None = None) -> list[Path]:
    """Make the data folder (and everything in it) private, and the database's own files (db, -wal, -shm, the
    unsaved-entries file) when it lives elsewhere. Symlinks are left alone, never followed. Returns what changed."""
    changed: list[Path] = []
    if not hasattr(os, "fchmod"):  # Windows: access is by ACL, the user profile's folders are private already
        return changed
    if data_dir.is_dir():
        _private(data_dir, changed)
        for folder, dirs, files in os.walk(data_dir):  # does not descend into symlinked folders
            for name in dirs + files:
                _private(Path(folder, name), changed)
    if db_path is not None and db_path.parent.is_dir() and data_dir.resolve() not in db_path.resolve().parents:
        for sibling in db_path.parent.glob(f"{db_path.name}*"):  # the database's files only, not its folder
            _private(sibling, changed)
    if changed:
        log.info("made %d files private (owner only): %s", len(changed), ", ".join(map(str, changed[:5])))
    return changed


def _private(path: Path, changed: list[Path]) -> None:
    try:
        fd = os.open(path, _OPEN_QUIETLY)  # O_NOFOLLOW: a symlink fails here instead of being followed
    except OSError:
        return  # a symlink, a socket, or gone: nothing of ours to tighten
    try:
        mode = os.fstat(fd).st_mode
        wanted = DIR_MODE if stat.S_ISDIR(mode) else FILE_MODE
        if (stat.S_ISDIR(mode) or stat.S_ISREG(mode)) and stat.S_IMODE(mode) & ~wanted:
            os.fchmod(fd, stat.S_IMODE(mode) & wanted)
            changed.append(path)
    except OSError as exc:  # not ours (another user's file): say so, go on
        log.warning("could not make %s private: %s", path, exc)
    finally:
        os.close(fd)


def check_target(path: Path, force: bool = False) -> None:
    """TargetRefused when `path` is a symlink (always) or exists (unless `force`); checked again when published."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise TargetRefused(f"{path} is a symbolic link: refusing to write through it; choose another file name")
    if stat.S_ISDIR(mode):
        raise TargetRefused(f"{path} is a folder; give a file name")
    if not force:
        raise TargetRefused(f"{path} exists already: choose a new file name, or --force to replace it")


def _owner_only(tmp: Path) -> None:
    """0600 whatever wrote the content: a writer may replace the temporary file with its own (the PDF writer
    renames its .part file over it), created under the process umask, which a test or an embedding may relax."""
    fd = os.open(tmp, os.O_RDONLY | _NOFOLLOW)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


@contextlib.contextmanager
def new_file(path: Path, force: bool = False) -> Iterator[Path]:
    """A temporary path beside `path` to write the content to; published at `path` when the block ends without an
    exception, removed when it raises. TargetRefused as `check_target` says, before anything is written."""
    path = Path(path)
    check_target(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")  # O_EXCL, 0600
    os.close(fd)
    try:
        yield Path(tmp)
        _publish(Path(tmp), path, force)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _publish(tmp: Path, path: Path, force: bool) -> None:
    _owner_only(tmp)
    if force:
        check_target(path, force=True)  # a symlink that appeared meanwhile: os.replace would replace, not follow it
    else:
        try:  # claim the name: fails on any file or symlink that appeared since check_target
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE))
        except FileExistsError:
            check_target(path)  # says which (a symlink, or a file)
            raise
    os.replace(tmp, path)
