"""`labgrade`: the grader's command line with the simulated lab wired in.

This is the one place where the grader (grader/, checks/) and the simulated lab (labsim/) meet:
`labgrade lab ...` comes from labsim/commands.py, and `check --lab NAME` and the "did you mean
`--lab NAME`?" hint come from labsim/target.py, handed to the grader's commands as parsed
defaults. The grader never imports labsim.
"""

from __future__ import annotations

import argparse

from grader import cli as grader_cli
from labsim import commands as lab_commands
from labsim import target


def build_parser() -> argparse.ArgumentParser:
    return grader_cli.build_parser(
        [lab_commands.register],
        lab_target=target.lab_target,
        unresolved_hint=target.unresolved_hint,
    )


def main(argv: list[str] | None = None) -> int:
    return grader_cli.main(argv, build_parser())
