"""Load the exercises file (exercises.yaml) into the rubric (grader/rubric.py), once, where a
command starts; and what the rubric's checks add to the gather.

    exercises = load_exercises()                  # the default file; or load_exercises(path)
    selection = exercises.select(["cleanup"])     # --only; None = the default exercises
    extra_commands(selection.to_run, exercises.registry)   # what the gathers hooks add

Every problem is an InputFileError naming the file, the line and the key (docs/exercises.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import grader
from checks import load_all as load_every_check
from grader.exercise_schema import parse_document
from grader.rubric import CheckFunction, CheckSpec, Exercise, Exercises, Selection

__all__ = [
    "CheckSpec",
    "Exercise",
    "Exercises",
    "Selection",
    "default_exercises_path",
    "extra_commands",
    "load_exercises",
]


def default_exercises_path() -> Path:
    """exercises.yaml at the repo root from a source tree, else the copy in the wheel."""
    source = Path(grader.__file__).resolve().parent.parent / "exercises.yaml"
    if source.is_file():
        return source
    return Path(grader.__file__).resolve().parent / "data" / "exercises.yaml"


def load_exercises(
    path: str | Path | None = None, checks: Mapping[str, CheckFunction] | None = None
) -> Exercises:
    """The rubric of PATH (default: default_exercises_path()), validated against CHECKS (name
    -> check function; default: every check of the checks package), which it carries."""
    registry = dict(load_every_check() if checks is None else checks)
    return parse_document(str(path or default_exercises_path()), registry)


def extra_commands(specs: Iterable[CheckSpec], checks: Mapping[str, CheckFunction]) -> list[str]:
    """The extra shell commands the `gathers` hooks of SPECS' check functions (CHECKS: the
    rubric's registry) ask for, once each, in order."""
    commands: list[str] = []
    for spec in specs:
        hook = getattr(checks.get(spec.check), "gathers", None)
        for command in hook(dict(spec.params)) if hook else ():
            if command not in commands:
                commands.append(command)
    return commands
