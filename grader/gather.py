"""The one remote command that gathers a host: the packaged gather.sh, and reading its output.

command = gather_command(["cat /etc/os-release"])   # run it once on the host, as root
snapshot = parse_gather_output(stdout, target="ssh://lab-1")
"""

from __future__ import annotations

import json
import shlex
from functools import cache
from importlib import resources

from grader.errors import HostError, InputFileError
from grader.snapshot import FORMAT, Snapshot

SCRIPT_NAME = "labgrade-gather"
_END = '"complete": true}'
END_MARK = _END  # how a whole document ends (grading.gather_to_file looks for it)
_CUT_END = '"complete": false}'  # printed by the script when a signal stops it


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

    Anything printed before the document (a login banner, a sudo lecture) is ignored. Output
    cut short (the connection lost mid-gather) gives the records printed whole before the cut,
    as a snapshot with `"complete": false`; so does a gather stopped by a signal.
    """
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8", errors="replace")
    start = stdout.find('{"format"')
    if start < 0:
        snippet = " ".join(stdout.strip().split())[:200] or "nothing"
        raise HostError(f"{target}: the gather script printed no snapshot (got: {snippet})")
    end = max(stdout.rfind(_END), stdout.rfind(_CUT_END))
    if end < start:
        return _salvage(stdout[start:], target)
    closing = _END if stdout.startswith(_END, end) else _CUT_END
    text = stdout[start : end + len(closing)]
    try:
        return Snapshot.from_json(text, source=target)
    except InputFileError as error:
        raise _unusable(error, target) from None


def _salvage(text: str, target: str) -> Snapshot:
    """The records of a gather output cut short: one record a line (the script escapes every
    newline inside one), the last kept only if it is whole."""
    header, _, body = text.partition("\n")
    if not header.endswith('"records": ['):
        raise HostError(f"{target}: the gather output is cut short (connection lost?)")
    records = []
    for line in body.split("\n"):
        try:
            records.append(json.loads(line.removesuffix(",")))
        except json.JSONDecodeError:
            break  # the record the cut went through
    try:
        doc = json.loads(header + "]}")
    except json.JSONDecodeError:
        raise HostError(f"{target}: the gather output is cut short (connection lost?)") from None
    doc.update(records=records, complete=False)
    try:
        return Snapshot.from_dict(doc, source=target)
    except InputFileError as error:
        raise _unusable(error, target) from None


__all__ = ["FORMAT", "gather_command", "gather_script", "parse_gather_output"]


def _unusable(error: InputFileError, target: str) -> HostError:
    """TARGET's error for a gather document the snapshot reader refused (ERROR)."""
    if error.key == "error":  # the script ran but could not gather (it says why)
        return HostError(f"{target}: {error.problem}")
    return HostError(f"{target}: bad gather output: {error.problem}")
