"""The desk's secret key, kept OUTSIDE the database: the audit chain's HMAC key and the PIN hashes' pepper.

Whoever can copy the database file can recompute an unkeyed hash chain; with the key in another file (0600 in the
user's config folder, never beside the database, never in a backup or export) a re-chained or forged copy no longer
verifies unless the key was taken too. With a clinic database the PIN pepper is the clinic's instead (cached beside
this file, below); this key keeps keying the desk's own chains.

Created on first use from the operating system's random source. A key file that exists but is not exactly 32
bytes is an error, never silently replaced: a new key would make every keyed row of the record fail to verify and
every peppered PIN fail to sign in. Tests point INFUSION_MONITOR_KEY_FILE at a temporary file (tests/conftest.py).
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

import platformdirs

ENV_KEY_FILE = "INFUSION_MONITOR_KEY_FILE"
KEY_BYTES = 32
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

log = logging.getLogger(__name__)


class DeskKeyError(RuntimeError):
    """The key file exists but cannot be used (wrong size, unreadable, a symlink): says which file and why."""


def key_file() -> Path:
    configured = os.environ.get(ENV_KEY_FILE)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_config_dir("infusion-monitor", appauthor=False)) / "desk.key"


def desk_key() -> bytes:
    """The 32-byte key, created (0600, folder 0700) the first time it is asked for."""
    path = key_file()
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except FileExistsError:  # another process created it meanwhile: use theirs
        return _read(path)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    log.info("created the desk key %s (keep it out of backups of the database; losing it fails verification)", path)
    return key


def _read(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise DeskKeyError(f"cannot open the desk key {path}: {exc}") from exc
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        key = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(key) != KEY_BYTES:
        raise DeskKeyError(
            f"the desk key {path} holds {len(key)} bytes, not {KEY_BYTES}: restore it from where IT keeps it "
            "(a new key would make the whole record fail verification)"
        )
    if mode & 0o077 and hasattr(os, "fchmod"):
        log.warning("the desk key %s is readable by others (mode %o): make it 0600", path, mode)
    return key


# --- the clinic's PIN pepper (issue 18, hub migration 7) ---------------------------------------------------------
# With a clinic database, PIN hashes are peppered with the clinic's key (a hash made at one desk verifies at every
# desk); each desk keeps a copy beside its desk key (0600) so that it signs in while the hub is away. The desk key
# itself keeps keying the desk's own chains.


def clinic_pepper_file() -> Path:
    return key_file().with_name("clinic-pepper.key")


def cached_clinic_pepper(path: Path) -> bytes | None:
    """The cached pepper, None when this desk has none yet; DeskKeyError when the file is damaged."""
    try:
        return _read(path)
    except FileNotFoundError:
        return None


def cache_clinic_pepper(path: Path, pepper: bytes) -> None:
    """Write (or replace: the hub's is the clinic's) the cached pepper, 0600, never through a symlink."""
    if len(pepper) != KEY_BYTES:
        raise DeskKeyError(f"the clinic's PIN key has {len(pepper)} bytes, not {KEY_BYTES}")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        os.write(fd, pepper)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
