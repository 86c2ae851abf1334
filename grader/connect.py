"""The one module that talks to hosts: run the gather command there, once, through testinfra.

    options = ConnectOptions(ssh_config="lab.ssh_config", sudo=True, timeout=60)
    stdout, remote_commands = run_on_host("ssh://stack@lab-1", command, options)

Targets are pytest-testinfra host specs (grader/host_spec.py): local:// (the default),
ssh://user@host:port, paramiko://..., ansible://..., docker://...; a bare name means
ssh://NAME. Every failure is a one-line HostError naming the host (grader/connect_failures.py).
The command is bounded by TIMEOUT: ssh's ConnectTimeout and keep-alives, and the `timeout`
program around the command where it runs (grader/connect_options.py).
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

import testinfra
import testinfra.host

from grader import deadline
from grader.connect_failures import command_problem, connection_error, hinted, missing_program
from grader.connect_options import KILL_GRACE, ConnectOptions, transport_kwargs, wrap_command
from grader.deadline import ProcessWatch
from grader.errors import HostError
from grader.host_spec import host_name
from grader.hostoutput import MAX_OUTPUT, OutputCapture, capturing

MAX_ATTEMPTS = 3  # connections dropped before the ssh handshake are tried again (run_with_retries)
RETRY_PAUSE = 1.0  # seconds before the second attempt; doubled before each next one
# backends whose output testinfra reads from a local process: read as it arrives (hostoutput)
STREAMED = ("local", "ssh", "docker", "podman", "kubectl")
LOCAL_GRACE = 2  # seconds more before we kill our own side (local_deadline)


class GatherCut(HostError):
    """The connection was lost in the middle of the gather: OUTPUT is what came before."""

    def __init__(self, message: str, output: str):
        super().__init__(message)
        self.output = output


@contextlib.contextmanager
def open_host(spec: str, options: ConnectOptions) -> Iterator[testinfra.host.Host]:
    """A testinfra Host for SPEC, closed and dropped from testinfra's cache afterwards."""
    missing = missing_program(spec)
    if missing:
        raise HostError(missing)
    kwargs = transport_kwargs(spec, options)
    try:
        host = testinfra.get_host(spec, **kwargs)
    except (RuntimeError, ValueError) as error:
        raise HostError(f"cannot use target '{spec}': {error}") from None
    host.backend._encoding = "utf-8"  # no extra remote command to guess the encoding
    try:
        yield host
    finally:
        testinfra.host.Host._host_cache.pop((spec, frozenset(kwargs.items())), None)
        client = host.backend.__dict__.get("client")  # paramiko's cached SSHClient
        if client is not None:
            client.close()


@contextlib.contextmanager
def local_deadline(options: ConnectOptions) -> Iterator[ProcessWatch | None]:
    """Kill our local ssh (or local command) when the remote `timeout` did not end it in time:
    the host may have no `timeout`, or one that a student replaced. A no-op inside a batch,
    which cuts hosts off itself (it has a ProcessWatch active already)."""
    if deadline.active_watch() is not None:
        yield None
        return
    watch = ProcessWatch()
    timer = threading.Timer(options.timeout + KILL_GRACE + LOCAL_GRACE, watch.kill)
    timer.daemon = True
    timer.start()
    try:
        with watch.active():
            yield watch
    finally:
        timer.cancel()


def run_on_host(spec: str, command: str, options: ConnectOptions) -> tuple[str, int]:
    """Run COMMAND on SPEC as one remote command; return (stdout, remote commands run)."""
    with tempfile.TemporaryFile() as spool:
        try:
            remote_commands = run_to_file(spec, command, options, spool)
        except GatherCut as cut:
            raise _with_output(cut, spool) from None
        spool.seek(0)
        return spool.read().decode("utf-8", "replace"), remote_commands


def _with_output(cut: GatherCut, spool: IO[bytes]) -> GatherCut:
    """CUT, its `output` read from SPOOL (what the host printed before it was lost)."""
    spool.seek(0)
    cut.output = spool.read().decode("utf-8", "replace")
    return cut


def run_to_file(spec: str, command: str, options: ConnectOptions, spool: IO[bytes]) -> int:
    """Run COMMAND on SPEC as one remote command, its stdout written to SPOOL as it arrives
    (at most MAX_OUTPUT bytes: a host sending more is cut off); return the remote commands
    run. Backends that hand testinfra no local process (paramiko, ansible) are read whole
    and then refused when over the cap."""
    name = host_name(spec)
    timed_out = f"{name}: gathering timed out after {int(options.timeout)} s (--timeout)"
    capture = OutputCapture(spool) if spec.split("://", 1)[0] in STREAMED else None
    with open_host(spec, options) as host, local_deadline(options) as watch, capturing(capture):
        counter = _count_runs(host.backend)
        try:
            result = host.run(wrap_command(command, options))
        except Exception as error:
            if capture is not None and capture.over_cap:
                raise HostError(over_cap(name, capture)) from None
            if watch is not None and watch.killed:
                raise HostError(timed_out) from None
            failure = connection_error(name, error, options)
            partial = getattr(error.args[0] if error.args else None, "stdout_bytes", b"")
            if capture is None and isinstance(partial, bytes):
                spool.write(partial)
            if _holds_document(spool):  # lost mid-gather
                raise GatherCut(str(failure), "") from None
            raise failure from None
    if capture is not None and capture.over_cap:
        raise HostError(over_cap(name, capture))
    if watch is not None and watch.killed:
        raise HostError(timed_out)
    stdout, stderr = result.stdout_bytes, result.stderr_bytes
    size = capture.size if capture is not None else len(stdout)
    problem = command_problem(name, result.rc, stderr.decode("utf-8", "replace"), size > 0, options)
    if capture is None:
        spool.write(stdout[:MAX_OUTPUT])
    if problem and result.rc == 255 and _holds_document(spool):
        raise GatherCut(problem, "")  # lost mid-gather
    if problem:
        raise HostError(hinted(problem, name, options))
    if capture is None and len(stdout) > MAX_OUTPUT:
        raise HostError(over_cap(name, OutputCapture(spool)))
    return counter[0]


def _holds_document(spool: IO[bytes]) -> bool:
    """Whether SPOOL (a host's output so far) holds the start of a gather document."""
    spool.flush()
    spool.seek(0)
    found = b'{"format"' in spool.read(1024 * 1024)
    spool.seek(0, 2)
    return found


def over_cap(name: str, capture: OutputCapture) -> str:
    return f"{name} sent more than {capture.cap_text()} of output (the cap); cut off"


def run_with_retries(spec: str, command: str, options: ConnectOptions) -> tuple[str, int, int]:
    """retry_to_file, the output read back: (stdout, remote commands run, attempts)."""
    with tempfile.TemporaryFile() as spool:
        try:
            remote_commands, attempts = retry_to_file(spec, command, options, spool)
        except GatherCut as cut:
            raise _with_output(cut, spool) from None
        spool.seek(0)
        return spool.read().decode("utf-8", "replace"), remote_commands, attempts


def retry_to_file(
    spec: str, command: str, options: ConnectOptions, spool: IO[bytes]
) -> tuple[int, int]:
    """run_to_file, with a connection the server dropped before the ssh handshake (sshd busy:
    MaxStartups, `kex_exchange_identification: Connection closed by remote host`) tried again,
    at most MAX_ATTEMPTS times in all, waiting 1 s, then 2 s, within the timeout. Refused
    keys, failed logins and everything after the handshake are never retried.
    Returns (remote commands run, attempts); a HostError carries `.attempts`."""
    started = time.monotonic()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            spool.seek(0)
            spool.truncate()
            return run_to_file(spec, command, options, spool), attempt
        except HostError as error:
            error.attempts = attempt
            pause = RETRY_PAUSE * 2 ** (attempt - 1)
            late = time.monotonic() - started + pause >= options.timeout
            if not error.transient or attempt == MAX_ATTEMPTS or late or not _pause(pause):
                if error.transient and attempt > 1:
                    error.args = (f"{error} ({attempt} attempts)",)
                raise
    raise AssertionError("unreachable")


def _pause(seconds: float) -> bool:
    """Wait SECONDS; False when the host was cut off meanwhile (batch timeout, Ctrl-C)."""
    watch = deadline.active_watch()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if watch is not None and watch.killed:
            return False
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))
    return not (watch is not None and watch.killed)


def _count_runs(transport: Any) -> list[int]:
    """Count the commands TRANSPORT (testinfra's backend object) runs from now on (a one-item
    list)."""
    counter = [0]
    run = transport.run

    def counting_run(*args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return run(*args, **kwargs)

    transport.run = counting_run
    return counter
