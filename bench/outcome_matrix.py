"""Which outcomes (pass, fail, skip, error) each lab check function reaches in the unit tests.

    nice .venv/bin/python bench/outcome_matrix.py            # runs tests/unit, prints the table
    nice .venv/bin/python bench/outcome_matrix.py -k outcome # any pytest arguments

Every check function named in exercises.yaml is listed with the statuses the engine gave it
while tests/unit ran (a `skip`/`error` passed down by `requires:` counts for the check that
got it). A check missing an outcome has no unit test that would notice a change there; `n/a`:
a check without `requires:` is never skipped.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STATUSES = ("pass", "fail", "skip", "error")


class Recorder:
    """A pytest plugin: wraps grader.engine.evaluate and remembers each check's statuses."""

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = defaultdict(set)

    def pytest_configure(self, config: pytest.Config) -> None:
        from grader import engine

        original = engine.evaluate

        def evaluate(specs: Any, facts: Any, checks: Any, *args: Any, **kwargs: Any) -> Any:
            outcomes = original(specs, facts, checks, *args, **kwargs)
            for spec in specs:
                self.seen[spec.check].add(outcomes[spec.id].status)
            return outcomes

        engine.evaluate = evaluate


def lab_check_functions() -> dict[str, bool]:
    """Check function -> whether some use of it has `requires:` (else it is never skipped)."""
    data = yaml.safe_load((ROOT / "exercises.yaml").read_text())
    found: dict[str, bool] = {}
    for check in (c for e in data["exercises"] for c in e["checks"]):
        found[check["check"]] = found.get(check["check"], False) or bool(check.get("requires"))
    return found


def main(argv: list[str]) -> int:
    recorder = Recorder()
    code = pytest.main(
        ["-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "unit"), *argv], plugins=[recorder]
    )
    names = lab_check_functions()
    print(f"\n{'check function':24} " + " ".join(f"{s:5}" for s in STATUSES))
    complete = 0
    for name, skippable in names.items():
        got = recorder.seen.get(name, set())
        wanted = set(STATUSES) if skippable else set(STATUSES) - {"skip"}
        complete += wanted <= got
        marks = " ".join(
            f"{'yes' if s in got else '-' if s in wanted else 'n/a':5}" for s in STATUSES
        )
        print(f"{name:24} {marks}")
    never_fail = [n for n in names if "fail" not in recorder.seen.get(n, set())]
    print(f"\n{complete}/{len(names)} check functions reach every outcome they can have")
    print(f"{len(never_fail)} never fail: {', '.join(never_fail) or '-'}")
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
