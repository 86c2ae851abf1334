"""The fairness rules a rubric keeps (docs/checks.md, "The rubric's reasoning"), which
`labgrade validate` enforces:

- a fresh DevStack, where the student did nothing, scores at most FRESH_MAX on every backend:
  the points of the default checks marked `devstack: true` (what Neutron builds by itself);
- one mistake costs the same on every backend, within TOLERANCE points: each `mistakes:`
  entry lists the checks that mistake fails, whatever the backend.

    fairness_problems(exercises)   # [] or ["a fresh DevStack scores 35 on ...", ...]
"""

from __future__ import annotations

from grader.backends import KNOWN as KNOWN_BACKENDS
from grader.report.safetext import number
from grader.rubric import Exercises

FRESH_MAX = 20
TOLERANCE = 2


def graded_backends(exercises: Exercises) -> list[str]:
    """The backends with a set of checks of their own (the others are graded with DEFAULT's)."""
    return [b for b in KNOWN_BACKENDS if exercises.grading_backend(b) == b]


def _default_points(exercises: Exercises, backend: str, ids: set[str] | None = None) -> float:
    selection = exercises.select(None, backend=backend)
    return sum(
        c.points for e in selection.exercises for c in e.checks if ids is None or c.id in ids
    )


def fresh_scores(exercises: Exercises) -> dict[str, float]:
    """What a fresh DevStack scores on each backend: its `devstack: true` checks."""
    devstack = {c.id for c in exercises.checks() if c.devstack}
    return {b: _default_points(exercises, b, devstack) for b in graded_backends(exercises)}


def mistake_costs(exercises: Exercises) -> dict[str, dict[str, float]]:
    """Mistake -> backend -> the points it costs there (backends where it fails nothing left
    out)."""
    costs: dict[str, dict[str, float]] = {}
    for name, ids in exercises.mistakes.items():
        by_backend = {
            b: _default_points(exercises, b, set(ids)) for b in graded_backends(exercises)
        }
        costs[name] = {b: cost for b, cost in by_backend.items() if cost}
    return costs


def fairness_problems(exercises: Exercises) -> list[str]:
    problems = []
    for backend, score in fresh_scores(exercises).items():
        if score > FRESH_MAX:
            problems.append(
                f"a fresh DevStack scores {number(score)} on {backend} (its `devstack: true`"
                f" checks), more than {FRESH_MAX}: move points to what the student does"
            )
    for name, costs in mistake_costs(exercises).items():
        if costs and max(costs.values()) - min(costs.values()) > TOLERANCE:
            shown = ", ".join(f"{b}: {number(c)}" for b, c in costs.items())
            problems.append(
                f"the mistake {name!r} costs different points on different backends ({shown}),"
                f" more than {TOLERANCE} apart"
            )
    return problems
