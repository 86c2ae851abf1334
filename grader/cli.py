"""The grader's command line: parses arguments and hands each subcommand to its module.

`labgrade` itself is labgrade/command.py, which adds the simulated lab's commands through
EXTRA_COMMANDS and DEFAULTS below; the grader never imports the lab. `python -m grader` runs
the grader's commands alone.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from grader import __version__
from grader.errors import EXIT_BROKEN_PIPE, LabgradeError
from grader.report.safetext import one_line

RegisterCommands = Callable[[argparse._SubParsersAction], None]


def build_parser(
    extra_commands: Iterable[RegisterCommands] = (), **defaults: Any
) -> argparse.ArgumentParser:
    """The parser of the grader's subcommands, plus EXTRA_COMMANDS (each adds its own
    subparsers) and DEFAULTS set on every parsed namespace (e.g. `lab_target`, see
    grader/commands/hosts.py)."""
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
    for register in extra_commands:
        register(sub)
    parser.set_defaults(**defaults)
    return parser


def main(argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a reader gone away shows here, not at exit
        return code
    except LabgradeError as error:
        # a message may quote a host or a snapshot: one line, no escape sequences
        print(f"labgrade: error: {one_line(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("labgrade: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`labgrade list | head -1`): stop quietly, as a program killed by
        # SIGPIPE would, and keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
