"""The `labgrade` subcommands, one module each: check, collect, batch, regrade, validate, list.

Each module has `register(subparsers)`, which adds its parser and sets `handler` to a
function of the parsed arguments returning the exit code (grader/errors.py).
"""

from __future__ import annotations

import argparse

from grader.commands import (
    answers,
    batch,
    check,
    collect,
    list_exercises,
    progress,
    regrade,
    validate,
)


def register_all(subparsers: argparse._SubParsersAction) -> None:
    for module in (check, collect, batch, regrade, validate, list_exercises, answers):
        module.register(subparsers)
    progress.register_history(subparsers)
