"""The core (devices, storage, params) must import without Qt: a headless recorder and the tests rely on it."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = (
    "monitor.params",
    "monitor.devices.datex_s5",
    "monitor.devices.masimo_ascii",
    "monitor.devices.link",
    "monitor.devices.capture",
    "monitor.devices.protocols",
    "monitor.devices.simulator",
    "monitor.storage.writer",
    "monitor.app.acquisition",
    "monitor.app.session_service",
    "monitor.session.entries",
)


def test_core_modules_load_no_qt() -> None:
    code = (
        "import sys\n"
        f"for m in {CORE_MODULES!r}: __import__(m)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken6')))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt loaded by the core: {result.stdout.strip()}"
