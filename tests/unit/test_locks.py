"""The lock files a desk and CI install from (issue 14 point 6): every dependency pinned with hashes, the tests
running the very releases a desk gets, and Qt in its tested minor (below 6.12 on Python 3.11)."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """{canonical name: (version, number of hashes)} of a pip-compile lock file."""
    out: dict[str, tuple[str, int]] = {}
    name = None
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        match = PIN.match(line)
        if match:
            name = canonicalize_name(match[1])
            out[name] = (match[2], 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            out[name] = (out[name][0], out[name][1] + 1)
    return out


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(d) for d in deps]


def test_every_declared_dependency_is_pinned_with_hashes_within_its_range() -> None:
    for lock, reqs in (("desk.lock", declared()), ("test.lock", declared() + declared("test"))):
        locked = pins(lock)
        for req in reqs:
            if req.marker is not None and not req.marker.evaluate():
                continue
            name = canonicalize_name(req.name)
            assert name in locked, f"{req.name} is not in {lock}"
            pinned = locked[name][0]
            assert req.specifier.contains(pinned), f"{lock} pins {req.name} {pinned}, outside {req.specifier}"
        assert all(h > 0 for _v, h in locked.values()), f"{lock}: a pin without a hash (pip --require-hashes refuses)"


def test_the_tests_run_the_releases_a_desk_installs() -> None:
    desk, test = pins("desk.lock"), pins("test.lock")
    assert {n: v for n, (v, _h) in desk.items()} == {n: test[n][0] for n in desk}, "test.lock moved a desk package"
    installed = {name: version(name) for name in test}
    assert installed == {n: v for n, (v, _h) in test.items()}, "this venv was not installed from test.lock"


def test_qt_stays_in_its_tested_minor_and_below_6_12_on_python_3_11() -> None:
    qt = pins("desk.lock")["pyside6"][0]
    (declared_qt,) = [r for r in declared() if canonicalize_name(r.name) == "pyside6"]
    assert declared_qt.specifier.contains(qt) and qt.startswith("6.11.")
    if sys.version_info < (3, 12):
        assert not declared_qt.specifier.contains("6.12.0"), "PySide6 6.12.0 aborts live plots on 3.11"
