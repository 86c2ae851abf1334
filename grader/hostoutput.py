"""Read a host's output as it arrives, into a file, and cut the host off at a cap.

testinfra reads a command's whole stdout and stderr into memory before returning them, so a
host streaming 1 GiB costs the grader 1 GiB (times the hosts in flight). While an
OutputCapture is active in a thread, the local processes testinfra starts from that thread
(ssh, docker, the local shell: grader/deadline.py) are read chunk by chunk instead: stdout goes
to the capture's SPOOL file, at most CAP bytes, and the process group is killed as soon as
the host sends more; stderr keeps its first ERR_CAP bytes. testinfra then sees an empty stdout.

    with open("out", "w+b") as spool, capturing(OutputCapture(spool)) as capture:
        host.run(command)
    capture.over_cap, capture.size
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import threading
from collections.abc import Iterator
from typing import IO, Any

# gather.sh keeps at most 32 MiB of command output (its TOTAL_CAP); JSON escaping and stderr
# add some: anything beyond this is not what gather.sh prints.
MAX_OUTPUT = 40 * 1024 * 1024
MAX_ERR = 64 * 1024
CHUNK = 64 * 1024
POLL = 0.5  # seconds between looks at whether the host was cut off meanwhile

_local = threading.local()


class OutputCapture:
    """Where one host's stdout goes (SPOOL, at most CAP bytes) and what happened to it."""

    def __init__(self, spool: IO[bytes], cap: int | None = None, err_cap: int = MAX_ERR):
        self.spool, self.err_cap = spool, err_cap
        self.cap = MAX_OUTPUT if cap is None else cap
        self.size = 0  # bytes of stdout kept
        self.over_cap = False  # the host sent more than CAP bytes and was cut off

    def cap_text(self) -> str:
        return f"{self.cap // (1024 * 1024)} MiB" if self.cap >= 1024 * 1024 else f"{self.cap} B"


@contextlib.contextmanager
def capturing(capture: OutputCapture | None) -> Iterator[OutputCapture | None]:
    """Send this thread's testinfra processes' output to CAPTURE (None: leave them alone)."""
    _local.capture = capture
    try:
        yield capture
    finally:
        _local.capture = None


def active_capture() -> OutputCapture | None:
    return getattr(_local, "capture", None)


def read_capped(
    process: subprocess.Popen[Any], capture: OutputCapture, stopped: Any = None
) -> tuple[bytes, bytes]:
    """Read PROCESS's stdout into CAPTURE and its stderr (capped) until both close; then wait.
    STOPPED() true means the host was cut off: stop reading even if a pipe stays open.
    Returns (b"", stderr) in the shape of Popen.communicate()."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    err = bytearray()
    with selectors.DefaultSelector() as selector:
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map() and not capture.over_cap:
            ready = selector.select(timeout=POLL)
            if not ready and stopped is not None and stopped():
                break
            for key, _ in ready:
                chunk = os.read(key.fd, CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.fileobj is process.stdout:
                    _keep(capture, chunk, process)
                else:
                    err += chunk[: max(0, capture.err_cap - len(err))]
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
    process.wait()
    return b"", bytes(err)


def _keep(capture: OutputCapture, chunk: bytes, process: subprocess.Popen[Any]) -> None:
    room = capture.cap - capture.size
    capture.spool.write(chunk[:room])
    capture.size += min(room, len(chunk))
    if len(chunk) > room:
        capture.over_cap = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, 9)  # its own group (deadline.py): ssh and its proxy
        with contextlib.suppress(ProcessLookupError):
            process.kill()
