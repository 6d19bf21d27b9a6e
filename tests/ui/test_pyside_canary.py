"""Canary for the PySide6 6.12.0 / Python 3.11 bug (shared/environment.md): Qt calls returning nothing drop a
reference to None until the interpreter aborts (`none_dealloc`) under live pyqtgraph plots. If this fails, the
installed PySide6 has the bug: keep the `<6.12` pin for Python < 3.12.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_qt_calls_do_not_leak_references_to_none() -> None:
    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        obj.setObjectName("x")
    after = sys.getrefcount(None)
    assert after >= before - 10, f"refcount of None fell by {before - after} over 1000 Qt calls"
