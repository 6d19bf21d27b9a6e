"""The core (devices, storage, params) and the app services must import without Qt: a headless recorder and the
tests rely on it."""

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
    "monitor.clinical.entries",
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


def test_every_app_module_loads_no_qt() -> None:
    """monitor.app is the Qt-free door between ui and the core (also an import-linter contract): every module of it,
    the door modules to storage and devices included, imports without Qt."""
    code = (
        "import pkgutil, sys\n"
        "import monitor.app\n"
        "for info in pkgutil.iter_modules(monitor.app.__path__): __import__(f'monitor.app.{info.name}')\n"
        "assert 'monitor.app.storage_door' in sys.modules and 'monitor.app.device_door' in sys.modules\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken6', 'monitor.ui')))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt loaded by monitor.app: {result.stdout.strip()}"
