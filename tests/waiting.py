"""Waiting in a test for what another thread or process does, one way everywhere: look at a condition every 20 ms
until it holds, and fail after an upper bound no test depends on (a loaded 2-core machine is slow, never fast)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

WAIT_S = 60.0  # the longest any condition may take before the test fails; never a duration a test relies on


def eventually(condition: Callable[[], object], timeout_s: float = WAIT_S) -> bool:
    """Whether `condition()` came true within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()  # a wait other threads run beside, without busy polling
    while not condition():
        if time.monotonic() > deadline:
            return bool(condition())
        pause.wait(0.02)
    return True


def until(condition: Callable[[], object], message: str = "", timeout_s: float = WAIT_S) -> None:
    """Wait for `condition()`; fail with `message` when it does not come true within `timeout_s`."""
    if not eventually(condition, timeout_s):
        pytest.fail(f"not within {timeout_s:g} s: {message or 'the condition'}")
