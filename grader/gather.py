"""The one remote command that gathers a host: the packaged gather.sh, and reading its output.

command = gather_command(["cat /etc/os-release"])   # run it once on the host, as root
snapshot = parse_gather_output(stdout, target="ssh://lab-1")
"""

from __future__ import annotations

import shlex
from functools import cache
from importlib import resources

from grader.errors import HostError, InputFileError
from grader.snapshot import FORMAT, Snapshot

SCRIPT_NAME = "labgrade-gather"
_END = '"complete": true}'


@cache
def gather_script() -> str:
    """The text of grader/gather.sh (static: nothing from any host is ever put into it)."""
    return resources.files("grader").joinpath("gather.sh").read_text(encoding="utf-8")


def gather_command(extra_commands: list[str] | tuple[str, ...] = ()) -> str:
    """The single shell command line that runs the gather script with EXTRA_COMMANDS.

    Extra commands are trusted author input (from exercises.yaml); each is passed as one
    quoted positional argument and run by the script with `sh -c`.
    """
    unique = list(dict.fromkeys(command for command in extra_commands if command.strip()))
    parts = ["sh", "-c", shlex.quote(gather_script()), SCRIPT_NAME]
    parts += [shlex.quote(command) for command in unique]
    return " ".join(parts)


def parse_gather_output(stdout: str | bytes, target: str = "host") -> Snapshot:
    """The snapshot printed by the gather script; HostError naming TARGET if unusable.

    Anything printed before the document (a login banner, a sudo lecture) is ignored.
    """
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8", errors="replace")
    start = stdout.find('{"format"')
    if start < 0:
        snippet = " ".join(stdout.strip().split())[:200] or "nothing"
        raise HostError(f"{target}: the gather script printed no snapshot (got: {snippet})")
    end = stdout.rfind(_END)
    if end < start:
        raise HostError(f"{target}: the gather output is cut short (connection lost?)")
    text = stdout[start : end + len(_END)]
    try:
        return Snapshot.from_json(text, source=target)
    except InputFileError as error:
        raise HostError(f"{target}: bad gather output: {error.problem}") from None


__all__ = ["FORMAT", "gather_command", "gather_script", "parse_gather_output"]
