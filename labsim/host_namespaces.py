"""The process side of a simulated host: start its PID 1, run a script inside, end it.

A host is tini (a tiny init that reaps every orphan, so a killed daemon never lingers as a
zombie that `pgrep` would still find) started as PID 1 of fresh PID, mount, UTS and network
namespaces. Everything the build starts lives in that PID namespace, so SIGKILL to the init
ends every process of the host; its mount and network namespaces, and all they hold, vanish.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from grader.errors import LabError

# PID 1 says `ready` once the namespaces exist, then idles; tini reaps every orphan around it.
INIT = ["tini", "--", "sh", "-c", "echo ready; exec sleep infinity </dev/null >/dev/null 2>&1"]
UNSHARE = [
    "unshare", "--pid", "--fork", "--mount-proc", "--mount", "--uts", "--net",
    "--propagation", "private",
]  # fmt: skip
BUILD_TIMEOUT = 120.0


@dataclass(frozen=True)
class Namespaces:
    init_pid: int  # PID 1 of the host, seen from the machine
    unshare_pid: int  # its parent, the `unshare` process


def start_init() -> Namespaces:
    """Start the host's PID 1 detached from our session; return its and unshare's PID."""
    process = subprocess.Popen(
        [*UNSHARE, *INIT],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()
    process.stdout.close()
    if line.strip() != b"ready":
        error = process.stderr.read().decode(errors="replace").strip().splitlines()
        process.wait()
        raise LabError(f"could not start the host's namespaces: {error[-1] if error else '?'}")
    process.stderr.close()
    children: list[str] = []
    for task in glob.glob(f"/proc/{process.pid}/task/*/children"):
        with contextlib.suppress(OSError):
            children += Path(task).read_text().split()
    if len(children) != 1:
        kill(Namespaces(0, process.pid))
        raise LabError("could not find the host's init process")
    _POPENS[process.pid] = process
    return Namespaces(int(children[0]), process.pid)


# unshare processes we started ourselves, so `kill` can reap them instead of leaving zombies
_POPENS: dict[int, subprocess.Popen[bytes]] = {}


def run_script(ns: Namespaces, script: str, timeout: float = BUILD_TIMEOUT) -> str:
    """Run `sh -ec SCRIPT` inside all of the host's namespaces; return stdout or raise."""
    command = ["nsenter", "--target", str(ns.init_pid), "--all", "--", "sh", "-ec", script]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise LabError(f"building the host took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        raise build_error(done.returncode, done.stderr)
    return done.stdout


def build_error(returncode: int, stderr: str) -> LabError:
    """What a failed build says: 'interrupted' for Ctrl-C (SIGINT reaches the build too: it
    dies of it, or its shell exits 130), else the last line it wrote on stderr."""
    if returncode in (-signal.SIGINT, 128 + signal.SIGINT):
        return LabError("interrupted")
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return LabError(f"build failed: {lines[-1] if lines else f'exit {returncode}'}")


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def is_lab_init(ns: Namespaces) -> bool:
    """True if ns.init_pid is still our tini, child of ns.unshare_pid (PIDs get reused)."""
    try:
        cmdline = Path(f"/proc/{ns.init_pid}/cmdline").read_bytes().split(b"\0")
        stat = Path(f"/proc/{ns.init_pid}/stat").read_text()
    except OSError:
        return False
    parent = int(stat.rsplit(")", 1)[1].split()[1])
    return parent == ns.unshare_pid and cmdline[0].endswith(b"tini")


def kill(ns: Namespaces, timeout: float = 10.0) -> None:
    """End the host: SIGKILL its init (ending its PID namespace) and wait until all is gone."""
    if ns.init_pid and is_lab_init(ns):
        with contextlib.suppress(ProcessLookupError):
            os.kill(ns.init_pid, signal.SIGKILL)
    process = _POPENS.pop(ns.unshare_pid, None)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (
        (ns.init_pid and alive(ns.init_pid)) or _is_unshare(ns.unshare_pid)
    ):
        time.sleep(0.01)


def _is_unshare(pid: int) -> bool:
    """True while `pid` is a live `unshare` process (not a zombie, not a reused PID)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return cmdline.startswith(b"unshare\0") and alive(pid)
