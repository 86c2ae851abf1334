"""`labgrade`: the grader's command line with the simulated lab wired in.

This is the one place where the grader (grader/, checks/) and the simulated lab (labsim/) meet:
`labgrade lab ...` comes from labsim/commands.py, and `check --lab NAME` and the "did you mean
`--lab NAME`?" hint come from labsim/target.py, handed to the grader's commands as parsed
defaults. The grader never imports labsim.

Grading runs on Python 3.9+ (a student's DevStack host); the lab is written for 3.11+ and is
imported only there: on an older Python, `labgrade lab` and `--lab` say what they need.
"""

from __future__ import annotations

import argparse
import platform
import sys
from typing import NoReturn

from grader import cli as grader_cli
from grader.errors import LabError

LAB_PYTHON = (3, 11)


def build_parser() -> argparse.ArgumentParser:
    if sys.version_info < LAB_PYTHON:
        return grader_cli.build_parser([_register_lab_unavailable], lab_target=_lab_unavailable)
    from labsim import commands as lab_commands
    from labsim import target

    return grader_cli.build_parser(
        [lab_commands.register],
        lab_target=target.lab_target,
        unresolved_hint=target.unresolved_hint,
    )


def _lab_unavailable(*_: object) -> NoReturn:
    raise LabError(
        f"the simulated lab needs Python {'.'.join(map(str, LAB_PYTHON))} or later "
        f"(this is {platform.python_version()}); grading works here"
    )


def _register_lab_unavailable(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lab = subparsers.add_parser("lab", help="simulated DevStack hosts (needs Python 3.11+)")
    lab.add_argument("words", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    lab.set_defaults(handler=_lab_unavailable)


def main(argv: list[str] | None = None) -> int:
    return grader_cli.main(argv, build_parser())
