"""From the command line's TARGET (or --lab NAME) to a host spec and connection options.

`--lab NAME` is resolved by `args.lab_target`, a context manager NAME -> (host spec, ssh config
path) that the `labgrade` command (labgrade/command.py) sets from the simulated lab; the grader
itself does not know the lab.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from grader.commands.options import check_readable, connect_options
from grader.connect_options import ConnectOptions
from grader.errors import LabgradeError
from grader.host_spec import normalize_target


@contextlib.contextmanager
def resolved_target(args: argparse.Namespace) -> Iterator[tuple[str, ConnectOptions]]:
    """(testinfra host spec, connection options) for the parsed arguments."""
    check_readable(args.ssh_config, "--ssh-config")
    check_readable(args.ssh_identity_file, "--ssh-identity-file")
    if args.lab:
        if args.target:
            raise LabgradeError("give a TARGET or --lab NAME, not both")
        lab_target = getattr(args, "lab_target", None)
        if lab_target is None:
            raise LabgradeError("--lab: the simulated lab is not wired in; run `labgrade` itself")
        with lab_target(args.lab) as (spec, ssh_config):
            yield spec, connect_options(args, ssh_config=ssh_config)
    else:
        yield normalize_target(args.target), connect_options(args)
