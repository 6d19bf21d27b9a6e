"""The desk key: one 32-byte secret outside the database, created once, 0600, never silently replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from monitor.storage.desk_key import ENV_KEY_FILE, KEY_BYTES, DeskKeyError, desk_key, key_file


def test_created_once_private_and_stable(_isolated_desk_key: Path) -> None:
    assert key_file() == _isolated_desk_key
    assert not _isolated_desk_key.exists()
    key = desk_key()
    assert len(key) == KEY_BYTES
    assert stat.S_IMODE(os.stat(_isolated_desk_key).st_mode) == 0o600
    assert desk_key() == key


def test_each_key_file_its_own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = desk_key()
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "other.key"))
    assert desk_key() != first


def test_damaged_key_refused_not_replaced(_isolated_desk_key: Path) -> None:
    _isolated_desk_key.parent.mkdir(parents=True)
    _isolated_desk_key.write_bytes(b"short")
    with pytest.raises(DeskKeyError, match="holds 5 bytes"):
        desk_key()
    assert _isolated_desk_key.read_bytes() == b"short"
