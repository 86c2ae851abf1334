"""`labgrade list`: the exercises and their checks, with points and prerequisites."""

from __future__ import annotations

import argparse

from grader.commands.options import add_exercises_option
from grader.errors import EXIT_OK
from grader.model import Exercises, load_exercises
from grader.report.safetext import number

DESCRIPTION = """\
List the exercises and their checks: the ids to use with `labgrade check --only`, the
points, and what each check requires. Exercises marked (--only) are not graded by default.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "list", help="list the exercises and checks", description=DESCRIPTION
    )
    add_exercises_option(parser)
    parser.set_defaults(handler=run)


def render_list(exercises: Exercises) -> str:
    lines = []
    for exercise in exercises.exercises:
        marker = "" if exercise.default else f"  (--only {exercise.id})"
        lines.append(
            f"{exercise.id}: {exercise.title} [{number(exercise.max_points)} points]{marker}"
        )
        width = max(len(c.id) for c in exercise.checks)
        for check in exercise.checks:
            requires = f"  (requires {', '.join(check.requires)})" if check.requires else ""
            lines.append(
                f"  {check.id:<{width}}  {number(check.points):>3}  {check.title}{requires}"
            )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    print(render_list(load_exercises(args.exercises)), end="")
    return EXIT_OK
