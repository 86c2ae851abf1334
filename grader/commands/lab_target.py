"""`--lab NAME`: grade a host of the simulated lab over SSH with the lab's own ssh config.

The config is the one `labgrade lab ssh-config` prints (grader.lab.api.ssh_config_text),
written to a private temporary file for the length of the run.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator

from grader.errors import LabError, LabgradeError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


def lab_ssh_config_text(name: str) -> str:
    """The lab's ssh config; LabError if it has no host NAME."""
    from grader.lab import api

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
