"""Broken exercises and inventory files (tests/data/broken/): exit code 2 and ONE line naming the
file, the line and the key; never a traceback; bounded memory (peak RSS of the subprocess).

Files named ex-* go through `labgrade validate FILE`, inv-* through `labgrade batch FILE`.
The big (sparse) file, the directory and the missing file are made in tmp_path by the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BROKEN = REPO / "tests" / "data" / "broken"
MAX_RSS_KIB = 300 * 1024  # generous: the interpreter and its imports take ~40-60 MiB

# file -> (line, key) that the one-line error must name (None: the error has none to name)
EXPECTED: dict[str, tuple[int | None, str | None]] = {
    "ex-alias-bomb.yaml": (3, None),
    "ex-check-missing-points.yaml": (6, "points"),
    "ex-check-name-list.yaml": (9, "check"),
    "ex-check-unknown-key.yaml": (10, "weight"),
    "ex-check-unknown-name.yaml": (9, "check"),
    "ex-checks-not-list.yaml": (5, "checks"),
    "ex-duplicate-check-id.yaml": (10, "id"),
    "ex-duplicate-exercise-id.yaml": (10, "id"),
    "ex-duplicate-key.yaml": (9, "points"),
    "ex-empty.yaml": (None, None),
    "ex-exercise-bad-id.yaml": (3, "id"),
    "ex-exercise-default-string.yaml": (5, "default"),
    "ex-exercise-no-id.yaml": (3, "id"),
    "ex-exercise-title-number.yaml": (4, "title"),
    "ex-exercises-empty.yaml": (2, "exercises"),
    "ex-exercises-mapping.yaml": (2, "exercises"),
    "ex-key-not-string.yaml": (10, "12"),
    "ex-not-utf8.yaml": (4, None),
    "ex-only-comments.yaml": (None, None),
    "ex-param-missing.yaml": (6, "params.protocol"),
    "ex-param-unknown.yaml": (10, "params.colour"),
    "ex-param-wrong-type.yaml": (10, "params.port"),
    "ex-params-list.yaml": (10, "params"),
    "ex-points-bool.yaml": (8, "points"),
    "ex-points-inf.yaml": (8, "points"),
    "ex-points-nan.yaml": (8, "points"),
    "ex-points-negative.yaml": (8, "points"),
    "ex-points-string.yaml": (8, "points"),
    "ex-python-tag.yaml": (4, None),
    "ex-requires-circular.yaml": (6, "requires"),
    "ex-requires-number.yaml": (10, "requires"),
    "ex-requires-self.yaml": (6, "requires"),
    "ex-requires-unknown.yaml": (6, "requires"),
    "ex-syntax-bad-indent.yaml": (8, None),
    "ex-syntax-tab.yaml": (3, None),
    "ex-syntax-unclosed-bracket.yaml": (7, None),
    "ex-syntax-unclosed-quote.yaml": (10, None),
    "ex-top-is-list.yaml": (1, None),
    "ex-top-is-scalar.yaml": (1, None),
    "ex-two-documents.yaml": (10, None),
    "ex-unknown-top-key.yaml": (10, "graders"),
    "ex-version-bool.yaml": (1, "version"),
    "ex-version-missing.yaml": (1, "version"),
    "ex-version-wrong.yaml": (1, "version"),
    "inv-alias-bomb.yaml": (2, None),
    "inv-bad-port.csv": (2, "port"),
    "inv-duplicate-id.csv": (3, "id"),
    "inv-duplicate-id.yaml": (4, "id"),
    "inv-email.yaml": (4, "email"),
    "inv-empty.csv": (1, None),
    "inv-empty.yaml": (None, None),
    "inv-missing-id-column.csv": (1, "id"),
    "inv-missing-id.yaml": (2, "id"),
    "inv-missing-target.yaml": (2, "target"),
    "inv-name-newline.yaml": (4, "name"),
    "inv-not-utf8.csv": (3, None),
    "inv-port-range.yaml": (4, "port"),
    "inv-port-string.yaml": (4, "port"),
    "inv-students-mapping.yaml": (1, "students"),
    "inv-sudo-string.yaml": (4, "sudo"),
    "inv-syntax.yaml": (4, None),
    "inv-target-metachars.yaml": (3, "target"),
    "inv-gradebook-column.csv": (1, "score"),
    "inv-unknown-key.yaml": (4, "colour"),
    "inv-unsafe-id.yaml": (2, "id"),
}
# made by the test: name -> (line, key, words the message must hold)
GENERATED = {
    "ex-huge.yaml": "larger than",
    "inv-huge.yaml": "larger than",
    "ex-directory.yaml": "is a directory",
    "inv-directory.yaml": "is a directory",
    "ex-missing.yaml": "no such file",
}


@dataclass(frozen=True)
class Run:
    path: Path
    returncode: int
    stdout: str
    stderr: str
    max_rss_kib: int


def labgrade(path: Path, out_dir: Path) -> Run:
    """Run labgrade on PATH (validate for ex-*, batch for inv-*); measure the child's peak RSS."""
    if path.name.startswith("inv-"):
        args = ["batch", str(path), "--out", str(out_dir / path.name), "--quiet"]
    else:
        args = ["validate", str(path)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=out_dir,
        env=env,
    )
    stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
    return Run(path, process.returncode, stdout.decode(), stderr.decode(), usage.ru_maxrss)


def make_generated(directory: Path) -> list[Path]:
    for name in ("ex-huge.yaml", "inv-huge.yaml"):  # several hundred MB, sparse: no disk used
        with open(directory / name, "wb") as handle:
            handle.write(b"version: 1\n# ")
            handle.truncate(400 * 1024 * 1024)
    (directory / "ex-directory.yaml").mkdir()
    (directory / "inv-directory.yaml").mkdir()
    return [directory / name for name in GENERATED]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    work = tmp_path_factory.mktemp("broken")
    paths = sorted(BROKEN.iterdir()) + make_generated(work)
    with ThreadPoolExecutor(max_workers=8) as pool:
        done = list(pool.map(lambda p: labgrade(p, work), paths))
    yield {run.path.name: run for run in done}


def test_corpus_is_large_and_known():
    names = {p.name for p in BROKEN.iterdir()}
    assert names == set(EXPECTED), "every file in tests/data/broken needs an expectation"
    assert len([n for n in names if n.startswith("ex-")]) >= 30
    assert len([n for n in names if n.startswith("inv-")]) >= 15


def _one_line(run: Run) -> str:
    assert run.returncode == 2, (run.path.name, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert run.max_rss_kib < MAX_RSS_KIB, f"{run.path.name}: peak RSS {run.max_rss_kib} KiB"
    return lines[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_gives_one_line(runs, name):
    line, key = EXPECTED[name]
    message = _one_line(runs[name])
    where = f"{BROKEN / name}:{line}:" if line else f"{BROKEN / name}:"
    assert message.startswith(f"labgrade: error: {where}"), message
    if key:
        assert f"key '{key}'" in message
    else:
        assert " key '" not in message


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_broken_input(runs, name):
    message = _one_line(runs[name])
    assert name in message and GENERATED[name] in message, message


def test_yaml_tag_runs_nothing(runs):
    assert "constructor" in _one_line(runs["ex-python-tag.yaml"])
    assert not Path("/tmp/labgrade-pwned").exists()
