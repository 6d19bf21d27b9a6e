"""Keep Qt's offscreen-platform chatter out of the benchmarks' printed figures."""

from __future__ import annotations

import sys

from PySide6.QtCore import qInstallMessageHandler

QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints",)  # offscreen's, on every window shown


def quiet_qt_messages() -> None:
    """Drop the offscreen platform's notices; every other Qt message still reaches stderr."""

    def handler(_mode, _context, message: str) -> None:
        if not message.startswith(QUIET_QT_MESSAGES):
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)
