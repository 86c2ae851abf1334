"""`labgrade validate [FILE]`: load and check an exercises file, nothing else."""

from __future__ import annotations

import argparse

from grader.backends import DEFAULT as DEFAULT_BACKEND
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
    named = sorted({b for c in checks for b in c.backends})
    per_backend = {
        b: sum(c.points for e in exercises.select(None, backend=b).exercises for c in e.checks)
        for b in named or [DEFAULT_BACKEND]
    }
    default = per_backend.get(DEFAULT_BACKEND, next(iter(per_backend.values())))
    others = ", ".join(f"{b}: {number(v)}" for b, v in per_backend.items() if b != DEFAULT_BACKEND)
    print(
        f"{path}: OK: {len(exercises.exercises)} exercises, {len(checks)} checks, "
        f"{number(default)} points by default ({number(sum(c.points for c in checks))} in all)"
        + (f"; by backend: {others}" if others else "")
    )
    return EXIT_OK
