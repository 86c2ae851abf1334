"""Options and helpers that several subcommands share."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.atomic import write_atomic
from grader.connect_options import ConnectOptions
from grader.errors import LabgradeError
from grader.inventory import USER_PATTERN


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    summary: str,
    description: str,
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand's parser; DESCRIPTION and EPILOG keep their line breaks."""
    return subparsers.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_exercises_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exercises",
        metavar="FILE",
        help="the exercises file (default: exercises.yaml shipped with labgrade)",
    )


def add_only_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only",
        action="append",
        metavar="ID[,ID...]",
        help=(
            "grade only these exercises or checks (ids from `labgrade list`; `sg` = sg.*); "
            "repeat it or separate ids with commas"
        ),
    )


def split_only(values: list[str] | None) -> list[str] | None:
    """--only values, each split at commas (None when not given)."""
    if not values:
        return None
    return [name.strip() for item in values for name in item.split(",") if name.strip()]


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help=(
            "the host, as a testinfra host spec: local:// (the default), ssh://USER@HOST:PORT, "
            "paramiko://..., ansible://..., docker://CONTAINER; a bare name means ssh://NAME"
        ),
    )
    group = add_connection_options(parser)
    group.add_argument(
        "--lab",
        metavar="NAME",
        help="a host of the simulated lab (`labgrade lab up NAME`), through the lab's ssh config",
    )


def add_connection_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    group = parser.add_argument_group("connection")
    group.add_argument("--ssh-config", metavar="FILE", help="ssh config file to use")
    group.add_argument("--ssh-identity-file", metavar="FILE", help="ssh private key to use")
    group.add_argument(
        "--sudo",
        action="store_true",
        help="run the gather with `sudo -n` when the remote user is not root",
    )
    group.add_argument(
        "--sudo-user",
        type=user_name,
        metavar="USER",
        help="run the gather as USER with `sudo -n -u USER` (unless connected as USER); "
        "the checks need root's view, so USER is normally root",
    )
    group.add_argument(
        "--accept-new-host-keys",
        action="store_true",
        help="record the key of a host not yet in known_hosts (first contact; OpenSSH's "
        "StrictHostKeyChecking=accept-new); a key that CHANGED is still refused",
    )
    group.add_argument(
        "--timeout",
        type=positive_seconds,
        default=120.0,
        metavar="S",
        help="give up on a host after S seconds of connecting and gathering (default: 120)",
    )
    return group


def user_name(text: str) -> str:
    """A user name for --sudo-user: one word of letters, digits, `._-`."""
    if not USER_PATTERN.match(text) or len(text) > 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a user name")
    return text


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("must be between 0 and 86400 seconds")
    return value


def connect_options(args: argparse.Namespace, ssh_config: str | None = None) -> ConnectOptions:
    return ConnectOptions(
        ssh_config=ssh_config or args.ssh_config,
        ssh_identity_file=args.ssh_identity_file,
        sudo=args.sudo,
        sudo_user=args.sudo_user,
        timeout=args.timeout,
        unresolved_hint=getattr(args, "unresolved_hint", None),  # set by labgrade/command.py
        accept_new_host_keys=args.accept_new_host_keys,
    )


def check_readable(path: str | None, option: str) -> None:
    if path and not Path(path).is_file():
        raise LabgradeError(f"{option} {path}: no such file")


def write_output(path: str, text: str) -> None:
    """Write TEXT to PATH atomically ("-" = standard output)."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        write_atomic(path, text)
    except OSError as error:
        raise LabgradeError(f"cannot write {path}: {error.strerror or error}") from None
