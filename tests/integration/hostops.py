"""Helpers for tests that change a simulated host (hostile names, faults): hosts of their own,
commands run inside a host's namespaces, and labgrade as a subprocess.

    with own_hosts(lab, {"lg-f-hang": "complete"}) as (hosts, ssh_config):
        on_host(hosts["lg-f-hang"], "mount -t tmpfs tmpfs /usr/local/sbin")

A host's mount namespace is private, so what a test mounts inside it vanishes with the host.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from labsim import api
from labsim.state import LabHost

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def own_hosts(
    lab: Any, hosts: Mapping[str, str | api.HostSpec], tmp: Path
) -> Iterator[tuple[dict[str, LabHost], Path]]:
    """Bring up HOSTS {name: scenario or HostSpec} in the session's lab directory; down again
    afterwards."""
    del lab  # the fixture sets LABGRADE_LAB_DIR: our hosts live (and are cleaned) with its own
    built = api.up_scenarios(dict(hosts))
    try:
        ssh_config = api.write_ssh_config(tmp / "ssh_config")
        yield {host.name: host for host in built}, ssh_config
    finally:
        api.down([host.name for host in built])


def on_host(host: LabHost, script: str, timeout: float = 30) -> str:
    """Run `sh -ec SCRIPT` inside all of HOST's namespaces (as its root); return stdout."""
    done = subprocess.run(
        ["nsenter", "--target", str(host.init_pid), "--all", "--", "sh", "-ec", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def labgrade(*args: str, timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labgrade", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**kwargs.pop("env", os.environ), "PYTHONPATH": str(REPO)},
        **{"cwd": REPO, **kwargs},
    )
