"""Mutation testing of checks/ and grader/parsers/ against the fast unit tests: would the tests
notice if a check or a parser decided something else? Not part of the test run (too slow).

    nice .venv/bin/python bench/mutation.py                       # everything, prints the score
    nice .venv/bin/python bench/mutation.py checks/nat.py -v      # one file, list the survivors
    nice .venv/bin/python bench/mutation.py --list checks/sg.py   # the mutants, without running
    nice .venv/bin/python bench/mutation.py --sample 300         # every k-th mutant: ~300 of them
    nice .venv/bin/python bench/mutation.py --sample 300 --recheck  # survivors again, new tests

Each mutant is one semantic change of one expression (operators below), applied to the module
inside a forked copy of this process, which then runs the fast unit tests (TESTS, with -x):
a failing test kills the mutant. The parent imports everything once, so a mutant costs its
tests' run time only. Results go to .mutation/results.json (a rerun skips what is recorded
for an unchanged file; --fresh starts over).

Operators: comparison swapped (== !=, < >=, > <=, in / not in, is / is not), and <-> or,
`not` removed, an `if` condition negated, True <-> False, an integer n -> n + 1, a string
compared or looked up (`== "REDIRECT"`, `.startswith("qg-")`, `.get("ct_state")`, a module
constant) -> another, any() <-> all(), break <-> continue, a `return` of a value -> None.
Text only shown to people (messages, f-strings, docstrings) is never mutated.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import importlib
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ["checks", "grader/parsers"]
SKIP = {"__init__.py", "_registry.py"}
CHECK_TESTS = [
    "tests/unit/test_check_outcomes.py",
    "tests/unit/test_check_outcomes_backends.py",
    "tests/unit/test_check_decisions.py",
    "tests/unit/test_rule_order.py",
    "tests/unit/test_neutron_ovsfw.py",
    "tests/unit/test_neutron_veths.py",
    "tests/unit/test_scenarios.py",
    "tests/unit/test_recorded_backends.py",
    "tests/unit/test_backend_variants.py",
]
PARSER_TESTS = [
    "tests/unit/test_parser_forms.py",
    "tests/unit/test_parsers_ip.py",
    "tests/unit/test_parsers_iptables.py",
    "tests/unit/test_parsers_misc.py",
    "tests/unit/test_facts.py",
    *CHECK_TESTS,
]
GENERIC_TESTS = ["tests/unit/test_generic_checks.py", *CHECK_TESTS]


def tests_for(rel: str) -> list[str]:
    """The fast unit tests that exercise REL, the likeliest to fail first."""
    if rel == "checks/generic.py":
        return GENERIC_TESTS
    return PARSER_TESTS if rel.startswith("grader/parsers/") else CHECK_TESTS


LOOKUPS = {"startswith", "endswith", "get", "value", "has", "removeprefix", "removesuffix",
           "root", "find", "ns", "links_named", "split", "partition", "rules", "reachable",
           "chains", "has_chain", "ovs_ports", "index", "count"}  # fmt: skip
SWAP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
        ast.LtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot,
        ast.IsNot: ast.Is}  # fmt: skip
PROSE = {"failed", "passed", "CannotGrade", "lines", "rule_lines", "Outcome"}  # text for people
TIMEOUT = 90  # seconds one mutant's tests may run (a mutant that loops forever is killed)


@dataclass
class Mutant:
    file: str
    index: int  # the n-th mutation point of the file
    line: int
    what: str
    span: list[int] | None = None  # lines whose tests can kill it (None: module level, all)
    status: str = ""  # killed | survived | uncovered (no test runs it) | timeout | broken


class Points(ast.NodeVisitor):
    """Collects (node, field, replacement-maker, description) mutation points in order."""

    def __init__(self) -> None:
        self.points: list[tuple[ast.AST, str, object, int, tuple[int, int] | None]] = []
        self.statement: tuple[int, int] | None = None  # lines of the statement being visited

    def add(self, node: ast.AST, what: str, make: object) -> None:
        line = getattr(node, "lineno", 0)
        span = None  # module level: runs at import, so every test may depend on it
        if self.statement is not None:
            span = (min(line, self.statement[0]), getattr(node, "end_lineno", line) or line)
        self.points.append((node, what, make, line, span))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.statement = self.statement, None
        self.visit(node.args)  # defaults: evaluated at import
        for statement in node.body:
            self.statement = (statement.lineno, statement.lineno)
            self._body(statement)
        self.statement = outer

    def _body(self, node: ast.AST) -> None:
        """Visit NODE; nested statements set the line a tracer sees them run on."""
        if isinstance(node, ast.stmt):
            self.statement = (node.lineno, node.lineno)
        self.visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        if self.statement is not None and isinstance(node, ast.stmt):
            self.statement = (node.lineno, node.lineno)
        if isinstance(node, ast.JoinedStr):
            return  # f-strings: messages
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # docstrings
        if isinstance(node, ast.Call) and _name(node.func) in PROSE:
            return  # what a check tells the student
        super().generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            if type(op) in SWAP:
                self.add(node, f"{type(op).__name__} -> {SWAP[type(op)].__name__}", ("op", i))
        for part in [node.left, *node.comparators]:
            self._strings(part)
        self.generic_visit(node)

    def _strings(self, node: ast.AST, prose: bool = True) -> None:
        """String constants of NODE (or its elements); PROSE False leaves out text with spaces
        (a module's SEE = "sudo ip netns list" is shown to people, not compared)."""
        targets = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
        for item in targets:
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                if not prose and " " in item.value:
                    continue
                self.add(item, f"{item.value!r} -> {item.value + '_x'!r}", ("str",))

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name in ("any", "all"):
            self.add(node, f"{name}() -> {'all' if name == 'any' else 'any'}()", ("anyall",))
        if name in LOOKUPS:
            for arg in node.args:
                self._strings(arg)
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other = "or" if isinstance(node.op, ast.And) else "and"
        self.add(node, f"{'and' if other == 'or' else 'or'} -> {other}", ("boolop",))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.add(node, "not x -> x", ("unnot",))
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        if not isinstance(node.test, ast.Compare | ast.UnaryOp | ast.BoolOp):
            self.add(node, "if x -> if not x", ("negate",))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self.add(node, f"{node.value} -> {not node.value}", ("bool",))
        elif isinstance(node.value, int):
            self.add(node, f"{node.value} -> {node.value + 1}", ("int",))

    def visit_Break(self, node: ast.Break) -> None:
        self.add(node, "break -> continue", ("break",))

    def visit_Continue(self, node: ast.Continue) -> None:
        self.add(node, "continue -> break", ("continue",))

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            self.add(node, "return x -> return None", ("return",))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if names and names[0].isupper():  # module constants: ALLOW = {"RETURN", "ACCEPT"}
            self._strings(node.value, prose=False)
            if isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    self._strings(value, prose=False)
        self.generic_visit(node)


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def points_of(source: str) -> tuple[ast.Module, list[tuple[ast.AST, str, object, int, Any]]]:
    tree = ast.parse(source)
    visitor = Points()
    visitor.visit(tree)
    return tree, visitor.points


def mutate(source: str, index: int) -> str:
    """SOURCE with mutation point INDEX applied (a fresh parse, so points never accumulate)."""
    tree, points = points_of(source)
    node, _, how, _, _ = points[index]
    kind = how[0]
    if kind == "op":
        node.ops[how[1]] = SWAP[type(node.ops[how[1]])]()
    elif kind == "str":
        node.value = node.value + "_x"
    elif kind == "bool":
        node.value = not node.value
    elif kind == "int":
        node.value = node.value + 1
    elif kind == "anyall":
        func = node.func
        func.id = "all" if func.id == "any" else "any"
    elif kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    else:
        _replace_statement(tree, node, kind)
    return ast.unparse(ast.fix_missing_locations(tree))


def _replace_statement(tree: ast.Module, target: ast.AST, kind: str) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            items = value if isinstance(value, list) else [value]
            for i, child in enumerate(items):
                if child is not target:
                    continue
                if kind == "unnot":
                    new = target.operand
                elif kind == "negate":
                    target.test = ast.UnaryOp(ast.Not(), target.test)
                    return
                elif kind == "break":
                    new = ast.Continue()
                elif kind == "continue":
                    new = ast.Break()
                else:  # return
                    new = ast.Return(ast.Constant(None))
                if isinstance(value, list):
                    value[i] = new
                else:
                    setattr(parent, field, new)
                return


def files(args: list[str]) -> list[Path]:
    chosen = [ROOT / a for a in args] or [
        p for t in TARGETS for p in sorted((ROOT / t).glob("*.py")) if p.name not in SKIP
    ]
    return [p for p in chosen if p.suffix == ".py"]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


class LineTracer:
    """A pytest plugin recording which lines of FILES each test runs: a mutant is run only
    against the tests that execute its lines."""

    def __init__(self, files: set[str]) -> None:
        self.files = files
        self.lines: dict[str, set[str]] = {}  # "file:line" -> test node ids
        self.order: list[str] = []
        self.failing: set[str] = set()
        self.current = ""

    def _local(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            key = f"{frame.f_code.co_filename}:{frame.f_lineno}"
            self.lines.setdefault(key, set()).add(self.current)
        return self._local

    def _global(self, frame: Any, event: str, arg: Any) -> Any:
        return self._local if frame.f_code.co_filename in self.files else None

    def pytest_runtest_call(self, item: Any) -> Any:
        self.current = item.nodeid
        self.order.append(item.nodeid)
        sys.settrace(self._global)

    def pytest_runtest_teardown(self, item: Any) -> None:
        sys.settrace(None)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:  # fails without any mutant: it can kill none
            self.failing.add(report.nodeid)


def coverage(tests: list[str], targets: list[Path]) -> dict[str, Any]:
    """{"order": [node ids], "lines": {"rel:line": [node ids]}}, cached in .mutation/."""
    import pytest

    text = "".join(p.read_text() for p in [*targets, *(ROOT / t for t in tests)])
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    cache = ROOT / ".mutation" / f"coverage-{digest}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    tracer = LineTracer({str(p) for p in targets})
    pytest.main(["-q", "-p", "no:cacheprovider", *tests], plugins=[tracer, _Quiet()])
    found = {
        "order": [i for i in tracer.order if i not in tracer.failing],
        "failing": sorted(tracer.failing),
        "lines": {
            f"{Path(k.rsplit(':', 1)[0]).relative_to(ROOT)}:{k.rsplit(':', 1)[1]}": sorted(v)
            for k, v in tracer.lines.items()
        },
    }
    cache.parent.mkdir(exist_ok=True)
    cache.write_text(json.dumps(found))
    return found


def covering(mutant: Mutant, tests: list[str], cover: dict[str, Any]) -> list[str]:
    """The test node ids that run the mutant's lines, in collection order (module level: all
    of TESTS' files)."""
    if mutant.span is None:  # module level: every test of these files, bar broken ones
        if not cover.get("failing"):
            return tests
        return [i for i in cover["order"] if i.split("::")[0] in tests]
    ids: set[str] = set()
    for line in range(mutant.span[0], mutant.span[1] + 1):
        ids.update(cover["lines"].get(f"{mutant.file}:{line}", ()))
    files = {t.split("::")[0] for t in tests}
    return [i for i in cover["order"] if i in ids and i.split("::")[0] in files]


RUNNING: list[int] = []  # the forked child running a mutant's tests, if any


def _stop(signum: int, frame: object) -> None:
    """TERM/INT: end the running mutant's process group too, then leave."""
    for pid in RUNNING:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    sys.exit(1)


def run_mutant(path: Path, source: str, index: int, tests: list[str]) -> str:
    """killed / survived / timeout / broken: runs the tests in a fork with the mutant loaded."""
    mutated = mutate(source, index)
    pid = os.fork()
    if pid == 0:  # child: swap the module's objects for the mutant's, run the tests
        try:
            os.setpgid(0, 0)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            _load(module_name(path), mutated, str(path))
        except BaseException:
            os._exit(3)
        import pytest

        code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests])
        os._exit(1 if code else 0)
    RUNNING[:] = [pid]
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return {0: "survived", 3: "broken"}.get(code, "killed")
        time.sleep(0.05)
    os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "timeout"


def _load(name: str, source: str, filename: str) -> None:
    """Execute SOURCE as module NAME and point every reference to the old module's functions
    and classes (other modules' imports, the checks registry) at the mutant's."""
    from checks import CHECKS

    module = sys.modules[name]
    old = dict(module.__dict__)
    for key in [k for k, f in CHECKS.items() if getattr(f, "__module__", "") == name]:
        del CHECKS[key]
    exec(compile(source, filename, "exec"), module.__dict__)
    swapped = {
        id(value): module.__dict__[key]
        for key, value in old.items()
        if key in module.__dict__ and module.__dict__[key] is not value and callable(value)
    }
    for other in list(sys.modules.values()):
        where = str(getattr(other, "__file__", "") or "")
        if other is module or not where.startswith(str(ROOT)):
            continue
        for key, value in list(vars(other).items()):
            if id(value) in swapped:
                setattr(other, key, swapped[id(value)])


def preload() -> None:
    """Import what the tests import, once, before forking."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "unit")]
    import checks

    checks.load_all()
    for name in ("pytest", "hypothesis", "yaml", "grader.engine", "grader.facts", "grader.model"):
        importlib.import_module(name)


class _Quiet:
    def pytest_configure(self, config: object) -> None:
        config.option.verbose = -2  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="files under checks/ or grader/parsers/")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--fresh", action="store_true", help="forget recorded results")
    parser.add_argument(
        "--recheck", action="store_true", help="run the recorded survivors again (new tests)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every survivor")
    parser.add_argument(
        "--sample", type=int, metavar="N", help="about N mutants: every k-th of each file"
    )
    args = parser.parse_args()
    os.chdir(ROOT)
    store = ROOT / ".mutation" / "results.json"
    recorded = {} if args.fresh or not store.exists() else json.loads(store.read_text())
    if not args.list:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        preload()
        every = list(dict.fromkeys([*GENERIC_TESTS, *PARSER_TESTS]))
        cover = coverage(every, files([]))
    started = time.monotonic()
    totals: dict[str, int] = {}
    survivors: list[Mutant] = []
    for path in files(args.files):
        rel = str(path.relative_to(ROOT))
        source = path.read_text()
        tests = tests_for(rel)
        salt = "".join(tests) + str(args.sample or "")
        digest = hashlib.sha256((source + salt).encode()).hexdigest()[:16]
        known = recorded.get(rel, {})
        mutants = list(_mutants(rel, source))
        if args.sample:
            step = max(1, round(total_points(files([])) / args.sample))
            mutants = mutants[::step]
        if args.list:
            for m in mutants:
                print(f"{rel}:{m.line}: {m.what}")
            continue
        same = {(m.index, m.line, m.what) for m in mutants}
        if (
            args.recheck
            and known
            and all((r["index"], r["line"], r["what"]) in same for r in known["mutants"])
        ):
            for record in known["mutants"]:
                if record["status"] in ("survived", "uncovered"):
                    m = Mutant(**record)
                    chosen = covering(m, tests, cover)
                    m.status = run_mutant(path, source, m.index, chosen) if chosen else "uncovered"
                    record["status"] = m.status
                    print(f"{rel}:{m.line}: {m.what}: {m.status} (recheck)", flush=True)
            known["digest"] = digest
            store.write_text(json.dumps(recorded, indent=1))
        elif known.get("digest") != digest:
            known = {"digest": digest, "mutants": []}
            for m in mutants:
                chosen = covering(m, tests, cover)
                m.status = run_mutant(path, source, m.index, chosen) if chosen else "uncovered"
                known["mutants"].append(asdict(m))
                print(f"{rel}:{m.line}: {m.what}: {m.status}", flush=True)
            recorded[rel] = known
            store.parent.mkdir(exist_ok=True)
            store.write_text(json.dumps(recorded, indent=1))
        for m in (Mutant(**d) for d in known["mutants"]):
            totals[m.status] = totals.get(m.status, 0) + 1
            if m.status in ("survived", "uncovered"):
                survivors.append(m)
        kills = sum(1 for d in known["mutants"] if d["status"] not in ("survived", "uncovered"))
        print(f"{rel}: {kills}/{len(known['mutants'])} killed")
    if args.list:
        return 0
    total = sum(totals.values())
    killed = total - totals.get("survived", 0) - totals.get("uncovered", 0)
    if args.verbose:
        for m in survivors:
            print(f"{m.status} {m.file}:{m.line}: {m.what}")
    print(f"mutants {total}: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    print(f"score: {killed}/{total} killed = {100 * killed / max(total, 1):.1f}%")
    print(f"time: {time.monotonic() - started:.0f} s")
    return 0


def total_points(paths: list[Path]) -> int:
    return sum(len(points_of(p.read_text())[1]) for p in paths)


def _mutants(rel: str, source: str) -> Iterator[Mutant]:
    _, points = points_of(source)
    for index, (_, what, _, line, span) in enumerate(points):
        yield Mutant(rel, index, line, what, span=list(span) if span else None)


if __name__ == "__main__":
    sys.exit(main())
