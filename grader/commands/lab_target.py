"""`--lab NAME`: grade a host of the simulated lab over SSH with the lab's own ssh config.

The config comes from `labgrade lab ssh-config` (owned by grader.lab), written to a private
temporary file for the length of the run.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator

from grader.errors import LabError, LabgradeError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


def lab_ssh_config_text() -> str:
    command = [sys.executable, "-m", "grader", "lab", "ssh-config"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise LabError(f"`labgrade lab ssh-config` did not run: {error}") from None
    if done.returncode != 0 or not done.stdout.strip():
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise LabError(f"`labgrade lab ssh-config` failed: {detail}")
    return done.stdout


@contextlib.contextmanager
def lab_target(name: str) -> Iterator[tuple[str, str]]:
    """(host spec, ssh config path) for lab host NAME; the config file is removed afterwards."""
    if not NAME_PATTERN.match(name):
        raise LabgradeError(f"--lab {name!r}: not a lab host name")
    fd, path = tempfile.mkstemp(prefix="labgrade-lab-", suffix=".ssh_config")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(lab_ssh_config_text())
        yield f"ssh://{name}", path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
