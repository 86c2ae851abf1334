"""`labgrade validate [FILE]`: load and check an exercises file, nothing else."""

from __future__ import annotations

import argparse

from grader.backends import DEFAULT as DEFAULT_BACKEND
from grader.errors import EXIT_OK, InputFileError
from grader.model import Exercises, default_exercises_path, load_exercises
from grader.report.safetext import number
from grader.rubric_rules import FRESH_MAX, fairness_problems, fresh_scores, graded_backends

DESCRIPTION = """\
Check an exercises file: YAML syntax, keys and types, ids, check names and their
parameters, points, and `requires`; and that the default exercises add up to the same
total on every backend, that a fresh DevStack (the `devstack: true` checks) scores at most 20
on each, and that each `mistakes:` entry costs the same on every backend (within 2 points).
Prints a one-line summary with the total on each backend; a problem
is reported with the file (the line and the key), and exits 2.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check an exercises file", description=DESCRIPTION
    )
    parser.add_argument(
        "file", nargs="?", metavar="FILE", help="exercises file (default: the shipped one)"
    )
    parser.set_defaults(handler=run)


def backend_totals(exercises: Exercises) -> dict[str, int | float]:
    """The points of the default exercises on each backend with a set of its own, and on the
    lab's own (which also grades the others), in grader.backends' order."""
    return {
        backend: sum(e.max_points for e in exercises.select(None, backend=backend).exercises)
        for backend in graded_backends(exercises)
    }


def run(args: argparse.Namespace) -> int:
    path = args.file or str(default_exercises_path())
    exercises = load_exercises(path)
    checks = exercises.checks()
    totals = backend_totals(exercises)
    by_backend = ", ".join(f"{b}: {number(v)}" for b, v in totals.items())
    if len(set(totals.values())) > 1:
        raise InputFileError(
            path,
            None,
            None,
            "the default exercises must add up to the same total on every backend, but do "
            f"not: {by_backend}",
        )
    problems = fairness_problems(exercises)
    if problems:
        raise InputFileError(path, None, None, problems[0])
    fresh = ", ".join(f"{b}: {number(v)}" for b, v in fresh_scores(exercises).items())
    print(
        f"{path}: OK: {len(exercises.exercises)} exercises, {len(checks)} checks, "
        f"{number(totals[DEFAULT_BACKEND])} points by default "
        f"({number(sum(c.points for c in checks))} in all)"
        + (f"; by backend: {by_backend}" if len(totals) > 1 else "")
        + f"; a fresh DevStack scores {fresh} (at most {FRESH_MAX})"
    )
    return EXIT_OK
