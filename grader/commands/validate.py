"""`labgrade validate [FILE]`: load and check an exercises file, nothing else."""

from __future__ import annotations

import argparse

from grader.errors import EXIT_OK
from grader.model import default_exercises_path, load_exercises
from grader.report.safetext import number

DESCRIPTION = """\
Check an exercises file: YAML syntax, keys and types, ids, check names and their
parameters, points, and `requires`. Prints a one-line summary; a problem is reported
with the file, the line and the key, and exits 2.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check an exercises file", description=DESCRIPTION
    )
    parser.add_argument(
        "file", nargs="?", metavar="FILE", help="exercises file (default: the shipped one)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = args.file or str(default_exercises_path())
    exercises = load_exercises(path)
    checks = exercises.checks()
    default = sum(c.points for e in exercises.exercises if e.default for c in e.checks)
    print(
        f"{path}: OK: {len(exercises.exercises)} exercises, {len(checks)} checks, "
        f"{number(default)} points by default ({number(sum(c.points for c in checks))} in all)"
    )
    return EXIT_OK
