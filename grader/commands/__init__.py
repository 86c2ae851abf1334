"""The `labgrade` subcommands, one module each: check, collect, batch, regrade, validate, list,
answers, schema.

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
    history_watch,
    list_exercises,
    regrade,
    schema,
    validate,
)


def register_all(subparsers: argparse._SubParsersAction) -> None:
    for module in (check, collect, batch, regrade, validate, list_exercises, answers, schema):
        module.register(subparsers)
    history_watch.register_history(subparsers)
