"""The import graph of grader/ and checks/, read with `ast` (every import, also those inside
functions): no cycle, no import of a higher layer, none of the simulated lab or the CLI edge,
and reporters that only consume results."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("grader", "checks")

# Lowest first: a module may import its own layer and the ones before it. A new module should
# be added here; until it is, only the cycle and labsim checks see it (test_layers_cover).
LAYERS: list[tuple[str, set[str]]] = [
    (
        "base",
        {
            "grader",
            "grader.errors",
            "grader.atomic",
            "grader.yamlfile",
            "grader.yaml_fields",
            "grader.paramtypes",
            "grader.backends",
            "grader.deadline",
            "grader.hostoutput",
            "grader.outcome",
            "grader.report.safetext",
        },
    ),
    (
        "host access",
        {
            "grader.host_spec",
            "grader.connect*",
            "grader.gather",
            "grader.inventory*",
            "grader.ansible_inventory",
            "grader.snapshot*",
        },
    ),
    ("parsed facts", {"grader.parsers*", "grader.facts*"}),
    ("checks", {"checks*"}),
    (
        "rubric and engine",
        {
            "grader.model",
            "grader.exercise_schema",
            "grader.rubric",
            "grader.answers_file",
            "grader.history",
            "grader.rubric_rules",
            "grader.hints",
            "grader.engine",
            "grader.result",
            "grader.result_file",
            "grader.identity",
        },
    ),
    ("reporters", {"grader.report*"}),
    (
        "running",
        {
            "grader.grading",
            "grader.grading_process",
            "grader.class_grading",
            "grader.student_grading",
            "grader.classdir",
            "grader.stamp",
        },
    ),
    ("commands", {"grader.commands*", "grader.cli", "grader.__main__", "grader.pytest_plugin"}),
]
# a reporter consumes results (design.md): nothing of gathering, grading or the commands
REPORTER_MAY_IMPORT = ("grader.report", "grader.result", "grader.inventory")
NEVER = ("labsim", "labgrade")  # the simulated lab and the CLI edge sit on top of the grader


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, name: str) -> set[str]:
    """Every module PATH (module NAME) imports, resolved to the names of grader/checks modules
    where it imports names from a package (`from grader.facts import Facts` -> grader.facts)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    paths = [p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))]
    modules = {module_name(p): p for p in paths}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = set()
        for target in imports(path, name):
            if (target in modules and target != name) or target.split(".")[0] in NEVER:
                edges[name].add(target)
    return edges


def layer(name: str) -> int | None:
    """The index of NAME's layer in LAYERS; None when it is not listed."""
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if name == member or (member.endswith("*") and name.startswith(member[:-1])):
                return index
    return None


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in sorted(edges.get(node, ())):
            if after not in edges:
                continue
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_no_import_of_the_lab_or_the_cli_edge() -> None:
    wrong = [(m, t) for m, ts in graph().items() for t in ts if t.split(".")[0] in NEVER]
    assert wrong == []


def test_no_upward_import() -> None:
    wrong = []
    for module, targets in sorted(graph().items()):
        for target in sorted(targets):
            low, high = layer(module), layer(target)
            if low is not None and high is not None and high > low:
                wrong.append(f"{module} ({LAYERS[low][0]}) imports {target} ({LAYERS[high][0]})")
    assert wrong == []


def test_layers_cover_every_module() -> None:
    assert [module for module in sorted(graph()) if layer(module) is None] == []


def test_reporters_only_consume_results() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in sorted(graph().items())
        if module.startswith("grader.report")
        for target in sorted(targets)
        if layer(target) != 0 and not target.startswith(REPORTER_MAY_IMPORT)
    ]
    assert wrong == []


def test_the_checker_sees_what_it_must() -> None:
    """The walk finds a function-level import and a cycle (so a pass above means something)."""
    source = "def f():\n    from grader.model import Exercises\n"
    tree_imports = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            tree_imports.add(node.module)
    assert tree_imports == {"grader.model"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
