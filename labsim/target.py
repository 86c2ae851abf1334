"""`check --lab NAME`: grade a host of the simulated lab over SSH with the lab's own ssh config;
and the hint for a lab host's name given as a plain TARGET. labgrade/command.py hands both to the
grader's commands.

The config is the one `labgrade lab ssh-config` prints (labsim.api.ssh_config_text),
written to a private temporary file for the length of the run.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator

from grader.errors import LabError, LabgradeError
from labsim import api, state
from labsim.plan import HOSTNAME_RE

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


def lab_ssh_config_text(name: str) -> str:
    """The lab's ssh config; LabError if it has no host NAME."""

    text = api.ssh_config_text()
    if not re.search(rf"^Host {re.escape(name)}$", text, re.MULTILINE):
        raise LabError(f"no simulated host named {name} (see `labgrade lab status`)")
    return text


@contextlib.contextmanager
def lab_target(name: str) -> Iterator[tuple[str, str]]:
    """(host spec, ssh config path) for lab host NAME; the config file is removed afterwards."""
    if not NAME_PATTERN.match(name):
        raise LabgradeError(f"--lab {name!r}: not a lab host name")
    text = lab_ssh_config_text(name)
    fd, path = tempfile.mkstemp(prefix="labgrade-lab-", suffix=".ssh_config")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        yield f"ssh://{name}", path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def unresolved_hint(name: str, lab_option: bool = True) -> str:
    """Words added to "name not resolved: NAME ..." when the lab has a host NAME (LAB_OPTION:
    the command has `--lab`; `batch` has not, so it is never suggested there)."""
    if not is_lab_host(name):
        return ""
    if not lab_option:
        return (
            f" ({name} is a host of the simulated lab: give the batch --ssh-config FILE, "
            "FILE written by `labgrade lab ssh-config`)"
        )
    return (
        f" (did you mean `--lab {name}`? a batch reaches lab hosts with the ssh config "
        "of `labgrade lab ssh-config`)"
    )


def is_lab_host(name: str) -> bool:
    """Whether the lab's state directory records a host NAME (False when it is unreadable)."""
    return bool(HOSTNAME_RE.match(name)) and (state.hosts_dir() / f"{name}.json").is_file()
