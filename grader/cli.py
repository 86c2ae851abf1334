"""The `labgrade` command line: parses arguments and hands each subcommand to its module."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from grader import __version__
from grader.errors import EXIT_BROKEN_PIPE, LabgradeError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labgrade",
        description=(
            "Grade the OpenStack lab 'Under the hood: networking' on a DevStack host "
            "(local, over SSH, or from a saved snapshot), a whole class at once, or on "
            "the simulated lab that `labgrade lab` builds."
        ),
    )
    parser.add_argument("--version", action="version", version=f"labgrade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    from grader.commands import register_all

    register_all(sub)
    if importlib.util.find_spec("grader.lab.cli") is not None:  # the simulated lab's commands
        from grader.lab import cli as lab_cli

        lab_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a reader gone away shows here, not at exit
        return code
    except LabgradeError as error:
        print(f"labgrade: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("labgrade: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`labgrade list | head -1`): stop quietly, as a program killed by
        # SIGPIPE would, and keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
