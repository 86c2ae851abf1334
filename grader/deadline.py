"""Cut one host off when its time is up, or when the batch is stopped.

testinfra starts a local process per command (ssh and its ProxyCommand, under `sh -c`) and
waits for it without a time limit. While a ProcessWatch is active in a thread, every process
testinfra starts from that thread runs in its own session and is recorded, so that another
thread can kill the whole group; the waiting call then returns at once.

    watch = ProcessWatch()
    with watch.active():        # in the worker thread
        run_on_host(...)
    watch.kill()                # from any thread (the batch's timer, Ctrl-C)

Other things that can be ended (a grading process: grader/grading_process.py) are added with
add(); they need only a kill() method; release() hands one back when it goes on to other
work. While an OutputCapture is active too (grader/hostoutput.py), those processes' output is
read as it arrives, with caps.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import types
from collections.abc import Iterator
from typing import Any

_local = threading.local()
_install_lock = threading.Lock()


class ProcessWatch:
    """The local processes started for one host; kill() ends them all, now and later."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.processes: list[Any] = []  # Popen (killed as a group), or anything with kill()
        self.killed = False

    @contextlib.contextmanager
    def active(self) -> Iterator[ProcessWatch]:
        install()
        _local.watch = self
        try:
            yield self
        finally:
            _local.watch = None
            with self.lock:
                self.processes.clear()

    def add(self, process: Any) -> None:
        with self.lock:
            self.processes.append(process)
            if self.killed:
                _kill_group(process)

    def release(self, process: Any) -> bool:
        """Stop watching PROCESS (added with add()); False when the watch was killed first,
        PROCESS with it."""
        with self.lock:
            if self.killed:
                return False
            if process in self.processes:
                self.processes.remove(process)
            return True

    def kill(self) -> None:
        with self.lock:
            self.killed = True
            for process in self.processes:
                _kill_group(process)


def active_watch() -> ProcessWatch | None:
    """The ProcessWatch active in this thread, if any."""
    return getattr(_local, "watch", None)


def _kill_group(process: Any) -> None:
    if not isinstance(process, subprocess.Popen):
        with contextlib.suppress(ValueError, OSError):  # ended (or closed) meanwhile
            process.kill()
    elif process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


class _WatchedPopen(subprocess.Popen):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        watch: ProcessWatch | None = getattr(_local, "watch", None)
        if watch is not None:
            kwargs.setdefault("start_new_session", True)  # its own group: killed as one
        super().__init__(*args, **kwargs)
        if watch is not None:
            watch.add(self)

    def communicate(self, input: Any = None, timeout: float | None = None) -> Any:
        from grader.hostoutput import active_capture, read_capped

        capture = active_capture()
        if capture is None or input is not None or self.stdout is None:
            return super().communicate(input, timeout)
        watch = active_watch()
        return read_capped(self, capture, stopped=lambda: watch is not None and watch.killed)


def install() -> None:
    """Make testinfra's local processes watchable (once; a no-op outside a watch)."""
    import testinfra.backend.base as base

    with _install_lock:
        if getattr(base.subprocess, "Popen", None) is _WatchedPopen:
            return
        shim = types.ModuleType("subprocess")
        shim.__dict__.update(vars(subprocess))
        shim.Popen = _WatchedPopen  # type: ignore[attr-defined]
        base.subprocess = shim  # type: ignore[attr-defined]
