"""Every Python a test or benchmark starts is `sys.executable` (the venv's), never a bare
`python` or `python3` from PATH: on a fresh Debian machine `python` is absent and `python3` is the
system one, without testinfra."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BARE_PYTHON = re.compile(r"^(?:\S*/)?python[0-9.]*(?:\s|$)")
SPAWNERS = {"run", "Popen", "call", "check_call", "check_output", "getoutput", "getstatusoutput"}
SPAWNERS |= {"system", "popen", "execv", "execvp", "execl", "execlp", "spawnv", "spawnvp"}


def bare_python_spawns(source: str) -> list[int]:
    """Line numbers of calls that start a process whose program is a bare python."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if name not in SPAWNERS:
            continue
        first = node.args[0]
        if isinstance(first, (ast.List, ast.Tuple)) and first.elts:
            first = first.elts[0]
        is_text = isinstance(first, ast.Constant) and isinstance(first.value, str)
        if is_text and BARE_PYTHON.match(first.value.strip()):
            found.append(node.lineno)
    return found


def test_the_detector_sees_a_bare_python() -> None:
    assert bare_python_spawns('subprocess.run(["python3", "-m", "grader"])') == [1]
    assert bare_python_spawns('subprocess.Popen("python -c 1", shell=True)') == [1]
    assert bare_python_spawns("subprocess.run([sys.executable, '-m', 'grader'])") == []


def test_no_test_or_benchmark_spawns_a_bare_python() -> None:
    offenders = []
    for path in sorted([*REPO.glob("tests/**/*.py"), *REPO.glob("bench/*.py")]):
        for line in bare_python_spawns(path.read_text()):
            offenders.append(f"{path.relative_to(REPO)}:{line}")
    assert offenders == [], "spawn sys.executable instead"
