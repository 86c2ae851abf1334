"""From the command line's TARGET (or --lab NAME) to a gathered snapshot of that host."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator, Sequence

from grader.commands.lab_target import lab_target
from grader.commands.options import check_readable, connect_options
from grader.connect import ConnectOptions, host_name, normalize_target, run_on_host
from grader.errors import LabgradeError
from grader.gather import gather_command, parse_gather_output
from grader.snapshot import Snapshot


@contextlib.contextmanager
def resolved_target(args: argparse.Namespace) -> Iterator[tuple[str, ConnectOptions]]:
    """(testinfra host spec, connection options) for the parsed arguments."""
    check_readable(args.ssh_config, "--ssh-config")
    check_readable(args.ssh_identity_file, "--ssh-identity-file")
    if args.lab:
        if args.target:
            raise LabgradeError("give a TARGET or --lab NAME, not both")
        with lab_target(args.lab) as (spec, ssh_config):
            yield spec, connect_options(args, ssh_config=ssh_config)
    else:
        yield normalize_target(args.target), connect_options(args)


def gather_snapshot(
    spec: str, extra_commands: Sequence[str], options: ConnectOptions
) -> tuple[Snapshot, int]:
    """Gather SPEC in one remote command: (snapshot, number of remote commands run)."""
    stdout, remote_commands = run_on_host(spec, gather_command(list(extra_commands)), options)
    return parse_gather_output(stdout, target=host_name(spec)), remote_commands
