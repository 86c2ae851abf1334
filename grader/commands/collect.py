"""`labgrade collect [TARGET] -o FILE`: gather a host once and save the snapshot."""

from __future__ import annotations

import argparse
import sys

from grader.commands.hosts import resolved_target
from grader.commands.options import (
    add_command,
    add_exercises_option,
    add_target_options,
    write_output,
)
from grader.errors import EXIT_OK
from grader.grading import gather_snapshot
from grader.host_spec import redact
from grader.model import extra_commands, load_exercises
from grader.report.safetext import one_line

DESCRIPTION = """\
Gather everything the checks need from TARGET in one remote command and save it as a
snapshot (JSON, "format": "labgrade-snapshot/1", see docs/snapshot.md). Grade it later,
with the same checks and the same result, with `labgrade check --snapshot FILE`.
The extra commands that the checks of the exercises file declare are gathered too.
Exit codes: 0 saved, 2 usage or exercises-file error, 3 the host could not be gathered.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "collect", "gather a host into a snapshot file", DESCRIPTION)
    add_target_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="where to write the snapshot, atomically ('-' = standard output)",
    )
    add_exercises_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    exercises = load_exercises(args.exercises)
    with resolved_target(args) as (spec, options):
        snapshot, _, _ = gather_snapshot(
            spec, extra_commands(exercises.checks(), exercises.registry), options
        )
    write_output(args.output, snapshot.to_json())
    if args.output != "-":
        where = f"{one_line(redact(spec))} to {one_line(args.output)}"
        print(f"labgrade: saved the snapshot of {where}", file=sys.stderr)
    return EXIT_OK
