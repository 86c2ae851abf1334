"""Test helper: grade a recorded snapshot with exercises.yaml, without the engine.

Mirrors the engine's rules that matter for check tests: only the checks for the host's backend
(exercises.yaml `backends:`); a check whose `requires:` did not all pass is `skip`; CannotGrade
(or any exception) is `error`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from checks import load_all
from grader.facts import Facts, build_facts
from grader.model import Exercises, load_exercises
from grader.outcome import CannotGrade, Outcome
from grader.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "data" / "snapshots"


@cache
def rubric() -> list[dict]:
    data = yaml.safe_load((ROOT / "exercises.yaml").read_text())
    return data["exercises"]


def snapshot(name: str) -> Snapshot:
    path = SNAPSHOTS / f"{name}.json"
    return Snapshot.from_json(path.read_bytes(), source=str(path))


def facts_of(name: str) -> Facts:
    return build_facts(snapshot(name))


def outcome(facts: Facts, spec: dict) -> Outcome:
    try:
        return load_all()[spec["check"]](facts, **(spec.get("params") or {}))
    except CannotGrade as error:
        return Outcome("error", str(error))


@cache
def exercises() -> Exercises:
    return load_exercises(ROOT / "exercises.yaml")


def grade(facts: Facts, only: str | None = None) -> dict[str, Outcome]:
    """Outcomes of the checks the engine selects for this host's backend (or ONLY)."""
    selection = exercises().select([only] if only else None, backend=facts.backend)
    run = {spec.id for spec in selection.to_run}
    results: dict[str, Outcome] = {}
    for exercise in rubric():
        for spec in exercise["checks"]:
            if spec["id"] not in run:
                continue
            failed = [r for r in spec.get("requires", []) if not results[r].passed]
            if failed:
                results[spec["id"]] = Outcome("skip", f"requires {', '.join(failed)}")
            else:
                results[spec["id"]] = outcome(facts, spec)
    return {k: v for k, v in results.items() if k in selection.selected_ids}


def statuses(name: str, only: str | None = None) -> dict[str, str]:
    return {key: value.status for key, value in grade(facts_of(name), only).items()}
