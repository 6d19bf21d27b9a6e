"""Mutation score of the core rules: small bugs planted one at a time, and whether the fast tests catch each.

Run: nice -n 10 .venv/bin/python benchmarks/mutation.py [--jobs 1] [--sample 1.0] [--seed 1] [--only alarms]
(or `make mutation`).

A small AST mutator of our own rather than mutmut: it forks one child per mutant from a parent that has already
imported pytest and the heavy libraries, so a mutant costs the run of its module's tests, not an interpreter start
and a collection of the whole suite; and it runs only the tests that cover that module (the map below). mutmut 3
copies the project into mutants/, trampolines every function and first runs the whole suite for its coverage
map -- on 2 shared cores that does not fit in the ~15 min this measure may take.

Operators (one change per mutant): comparison flipped or relaxed (< <=, > >=, == !=, is / is not, in / not in);
arithmetic and bit operators swapped (+ -, * /, // /, % *, & |, << >>), the same for augmented assignments;
`and` / `or` swapped; `not` dropped; unary minus dropped; a number n becomes n + 1; True / False swapped. Not
mutated: strings and f-strings (messages), annotations, default argument values, docstrings, logging calls,
decorators, module-level asserts, and the encoders that build test input (SKIPPED_FUNCTIONS).

A mutant is killed when its tests fail, time out, or the module no longer imports. The score is killed / all. The
survivors are listed with their line: each is a bug the tests would let through, or an equivalent mutant (the
program behaves the same) -- judge which.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import importlib.util
import os
import random
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The core rules and the fast unit tests that guard them (the most specific first: -x stops at the first failure).
TARGETS: dict[str, tuple[str, ...]] = {
    "monitor/clinical/alarms.py": (
        "tests/unit/test_alarm_boundaries.py",
        "tests/unit/test_alarm_engine.py",
        "tests/unit/test_alarm_restore.py",
    ),
    "monitor/clinical/recovery.py": (
        "tests/unit/test_rule_boundaries.py",
        "tests/unit/test_discharge_refusals.py",
        "tests/unit/test_discharge_vs_monitor.py",
        "tests/unit/test_workflow_rules.py",
    ),
    "monitor/clinical/screening.py": (
        "tests/unit/test_rule_boundaries.py",
        "tests/unit/test_workflow_rules.py",
        "tests/unit/test_clinic_protocol.py",
    ),
    "monitor/storage/audit.py": ("tests/unit/test_audit.py",),
    "monitor/devices/datex_s5.py": ("tests/unit/test_dri_spec_layout.py", "tests/unit/test_datex_s5.py"),
    "monitor/devices/masimo_ascii.py": ("tests/unit/test_masimo_ascii.py",),
    "monitor/storage/writer.py": (
        "tests/unit/test_writer_health.py",
        "tests/unit/test_entry_durability.py",
        "tests/unit/test_storage.py",
        "tests/unit/test_session_service.py",
    ),
}
# Not rules: the encoders that build test and simulator input (the DRI encoder's layout is checked against the
# specification by tests/unit/test_dri_spec_layout.py all the same).
SKIPPED_FUNCTIONS = {"encode_displayed_record", "_raw", "format_line"}
PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider")
PRELOAD = ("pytest", "numpy", "serial", "hypothesis", "sqlite3", "concurrent.futures", "json", "hashlib")

_COMPARE = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINARY = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}
_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.And: "and",
    ast.Or: "or",
}


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to ROOT
    index: int  # the n-th mutation point of the module, in AST walk order
    line: int
    change: str


class _Mutator(ast.NodeTransformer):
    """Walks a module; numbers each mutation point; applies the one numbered `target` (-1: none, only list)."""

    def __init__(self, target: int = -1) -> None:
        self.target = target
        self.points: list[tuple[int, str]] = []  # (line, change) per mutation point

    def _point(self, node: ast.AST, change: str) -> bool:
        self.points.append((getattr(node, "lineno", 0), change))
        return len(self.points) - 1 == self.target

    # Subtrees never mutated: annotations, strings, logging, decorators, module-level asserts.
    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.body = [self.visit(stmt) for stmt in node.body]  # not the decorators: @dataclass(frozen=True, ...)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        # Neither the annotations nor the default values (timeouts, intervals: callers pass their own).
        if node.name not in SKIPPED_FUNCTIONS:
            node.body = [self.visit(stmt) for stmt in node.body]
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("log", "logging"):
            return node
        return self.generic_visit(node)

    def visit_Module(self, node: ast.Module) -> ast.AST:
        node.body = [stmt if isinstance(stmt, ast.Assert) else self.visit(stmt) for stmt in node.body]
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            new = _COMPARE.get(type(op))
            if new and self._point(node, f"{_SYMBOL[type(op)]} -> {_SYMBOL[new]}"):
                node.ops[i] = new()
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        new = _BINARY.get(type(node.op))
        if new and self._point(node, f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}"):
            node.op = new()
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        new = _BINARY.get(type(node.op))
        if new and self._point(node, f"{_SYMBOL[type(node.op)]}= -> {_SYMBOL[new]}="):
            node.op = new()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}"):
            node.op = new()
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._point(node, "not x -> x"):
            return node.operand
        if isinstance(node.op, ast.USub) and self._point(node, "-x -> x"):
            return node.operand
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._point(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, int | float) and self._point(node, f"{value!r} -> {value + 1!r}"):
            return ast.copy_location(ast.Constant(value + 1), node)
        return node


def _tree(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text(), filename=str(ROOT / path))


def _skipped_lines(path: str) -> set[int]:
    lines = (ROOT / path).read_text().splitlines()
    return {i + 1 for i, line in enumerate(lines) if "pragma: no mutate" in line}


def mutants(path: str) -> list[Mutant]:
    lister = _Mutator()
    lister.visit(_tree(path))
    skip = _skipped_lines(path)
    return [Mutant(path, i, line, change) for i, (line, change) in enumerate(lister.points) if line not in skip]


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _install(mutant: Mutant | None) -> None:
    """In the child: put the mutated module in sys.modules before anything imports it."""
    if mutant is None:
        return
    tree = _Mutator(mutant.index).visit(copy.deepcopy(_tree(mutant.path)))
    ast.fix_missing_locations(tree)
    name = _module_name(mutant.path)
    importlib.import_module(name.rpartition(".")[0])
    spec = importlib.util.find_spec(name)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(tree, str(ROOT / mutant.path), "exec"), module.__dict__)


def _child(mutant: Mutant | None, tests: tuple[str, ...]) -> int:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        _install(mutant)
    except Exception:
        return 3  # the module no longer imports: killed
    import pytest

    # Plugins by name only: the fast unit tests need none of the installed ones (pytest-qt, -timeout, -randomly),
    # and scanning their entry points would cost every mutant half a second.
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return int(pytest.main([*PYTEST_ARGS, "--rootdir", str(ROOT), *(str(ROOT / t) for t in tests)]))


@dataclass
class Running:
    pid: int
    mutant: Mutant | None
    deadline: float


def _start(mutant: Mutant | None, tests: tuple[str, ...], timeout: float) -> Running:
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            code = _child(mutant, tests)
        finally:
            os._exit(code)
    return Running(pid, mutant, time.monotonic() + timeout)


def _poll(run: Running) -> int | None:
    """The child's exit code; -1 when it ran out of time (killed); None while it runs."""
    pid, status = os.waitpid(run.pid, os.WNOHANG)
    if pid:
        return os.waitstatus_to_exitcode(status)
    if time.monotonic() > run.deadline:
        os.kill(run.pid, signal.SIGKILL)
        os.waitpid(run.pid, 0)
        return -1
    return None


def _baseline(tests: tuple[str, ...]) -> float:
    started = time.monotonic()
    run = _start(None, tests, 300)
    while (code := _poll(run)) is None:
        time.sleep(0.02)
    if code != 0:
        raise SystemExit(f"the tests fail without any mutant ({' '.join(tests)}): fix them first")
    return time.monotonic() - started


def _run_all(todo: list[Mutant], timeouts: dict[str, float], jobs: int) -> Iterator[tuple[Mutant, int]]:
    pending = list(todo)
    running: list[Running] = []
    while pending or running:
        while pending and len(running) < jobs:
            mutant = pending.pop(0)
            running.append(_start(mutant, TARGETS[mutant.path], timeouts[mutant.path]))
        time.sleep(0.01)
        for run in list(running):
            code = _poll(run)
            if code is not None:
                running.remove(run)
                assert run.mutant is not None
                yield run.mutant, code


def _source_line(mutant: Mutant) -> str:
    return (ROOT / mutant.path).read_text().splitlines()[mutant.line - 1].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (the machine's cores are shared)")
    parser.add_argument("--sample", type=float, default=1.0, help="fraction of each module's mutants to run")
    parser.add_argument("--seed", type=int, default=1, help="which sample")
    parser.add_argument("--only", default="", help="modules whose path contains this text")
    args = parser.parse_args()
    for name in PRELOAD:  # imported once here, inherited by every forked child
        importlib.import_module(name)
    os.chdir(ROOT)
    rng = random.Random(args.seed)
    started = time.monotonic()
    todo: list[Mutant] = []
    timeouts: dict[str, float] = {}
    for path, tests in TARGETS.items():
        if args.only not in path:
            continue
        found = mutants(path)
        chosen = found if args.sample >= 1 else rng.sample(found, round(len(found) * args.sample))
        base = _baseline(tests)
        timeouts[path] = 3 * base + 10
        print(f"{path}: {len(chosen)} of {len(found)} mutants; tests {base:.1f} s unmutated", flush=True)
        todo += sorted(chosen, key=lambda m: m.index)
    results: dict[str, list[tuple[Mutant, int]]] = {path: [] for path in timeouts}
    for mutant, code in _run_all(todo, timeouts, args.jobs):
        results[mutant.path].append((mutant, code))
    print(f"\n{'module':<34}{'mutants':>8}{'killed':>8}{'score':>8}")
    survivors: list[Mutant] = []
    for path, done in results.items():
        killed = sum(code != 0 for _m, code in done)
        survivors += sorted((m for m, code in done if code == 0), key=lambda m: m.index)
        print(f"{path:<34}{len(done):>8}{killed:>8}{100 * killed / max(1, len(done)):>7.1f}%")
    total = sum(len(d) for d in results.values())
    killed = total - len(survivors)
    print(f"{'all':<34}{total:>8}{killed:>8}{100 * killed / max(1, total):>7.1f}%")
    print(f"\nsurviving mutants ({len(survivors)}):")
    for m in survivors:
        print(f"  {m.path}:{m.line}  {m.change:<16}  {_source_line(m)[:90]}")
    print(f"\n({(time.monotonic() - started) / 60:.1f} min, {args.jobs} job(s), sample {args.sample:g})")


if __name__ == "__main__":
    main()
