"""The one module that talks to hosts: run the gather command there, once, through testinfra.

    options = ConnectOptions(ssh_config="lab.ssh_config", sudo=True, timeout=60)
    stdout, remote_commands = run_on_host("ssh://stack@lab-1", command, options)

Targets are pytest-testinfra host specs: local:// (the default), ssh://user@host:port,
paramiko://..., ansible://..., docker://...; a bare name means ssh://NAME. Every failure is a
one-line HostError naming the host. The command is bounded by TIMEOUT: ssh's ConnectTimeout
and keep-alives, and the `timeout` program around the command where it runs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import shlex
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import testinfra
import testinfra.host

from grader import deadline
from grader.deadline import ProcessWatch
from grader.errors import HostError, LabgradeError
from grader.hostoutput import MAX_OUTPUT, OutputCapture, capturing

MAX_ATTEMPTS = 3  # connections dropped before the ssh handshake are tried again (run_with_retries)
RETRY_PAUSE = 1.0  # seconds before the second attempt; doubled before each next one
# backends whose output testinfra reads from a local process: read as it arrives (hostoutput)
STREAMED = ("local", "ssh", "docker", "podman", "kubectl")
KILL_GRACE = 5  # seconds between `timeout`'s TERM and KILL
LOCAL_GRACE = 2  # seconds more before we kill our own side (local_deadline)
TIMEOUT_EXIT = (124, 137)  # `timeout` ran out (TERM, then KILL)


class GatherCut(HostError):
    """The connection was lost in the middle of the gather: OUTPUT is what came before."""

    def __init__(self, message: str, output: str):
        super().__init__(message)
        self.output = output


@dataclass(frozen=True)
class ConnectOptions:
    ssh_config: str | None = None
    ssh_identity_file: str | None = None
    sudo: bool = False
    sudo_user: str | None = None  # --sudo-user: `sudo -n -u USER` (implies sudo)
    timeout: float = 120.0  # seconds for connect + gather
    accept_new_host_keys: bool = False  # OpenSSH's StrictHostKeyChecking=accept-new
    ssh_args: tuple[str, ...] = ()  # more ssh options (an Ansible inventory's ssh_common_args)
    suggest_lab: bool = True  # `--lab NAME` exists (check, collect), not in a batch
    # words added to "name not resolved: NAME ..." (the CLI edge's lab hint, labsim/target.py),
    # called with NAME and suggest_lab
    unresolved_hint: Callable[[str, bool], str] | None = None


# the transports (testinfra calls them backends); a target "SCHEME:..." without "//" names
# one of them by mistake
SCHEMES = ("local", "ssh", "safe-ssh", "paramiko", "ansible", "docker", "podman", "kubectl")
_SCHEME_TYPO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/*(.*)$")


def normalize_target(target: str | None) -> str:
    """A testinfra host spec: None -> local://, a bare name -> ssh://NAME. A malformed spec
    (`ssh:/lab-1`, `ssh:lab-1`, `host:/x`) is a usage error (LabgradeError, exit 2)."""
    if not target:
        return "local://"
    if "://" in target:
        return target
    typo = _SCHEME_TYPO.match(target)
    scheme, rest = typo.groups() if typo else ("", "")
    if typo and (target.startswith(f"{scheme}:/") or (scheme in SCHEMES and not rest.isdigit())):
        fixed = f" (did you mean '{scheme}://{rest}'?)" if scheme in SCHEMES else ""
        raise LabgradeError(
            f"{target!r} is not a host spec: write NAME, or SCHEME://HOST such as "
            f"ssh://USER@HOST:PORT{fixed}"
        )
    return f"ssh://{target}"


def redact(spec: str) -> str:
    """SPEC without a password: "ssh://ada:secret@host" -> "ssh://ada@host" (for reports, logs)."""
    scheme, sep, rest = spec.partition("://")
    userinfo, at, address = rest.rpartition("@")
    if not sep or not at:
        return spec
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{address}"


def host_name(spec: str) -> str:
    """What to call the host in messages: its name, or "the local host"."""
    scheme, _, rest = spec.partition("://")
    name = rest.split("?", 1)[0].rsplit("@", 1)[-1]
    return "the local host" if scheme == "local" else name or spec


def wrap_command(command: str, options: ConnectOptions) -> str:
    """COMMAND run by sh, under `sudo -n` when asked and not root, bounded by `timeout`.

    COMMAND is quoted once only: the gather script inside must stay far below the kernel's
    128 KiB limit on one argument after the ssh backend quotes the whole line again.
    """
    seconds = max(1, int(options.timeout))
    lines = [
        f"T=; if command -v timeout >/dev/null 2>&1; then T='timeout -k {KILL_GRACE} {seconds}'; fi"
    ]
    sudo = ""
    if options.sudo_user:  # validated (USER_PATTERN): one word, no shell syntax
        user = shlex.quote(options.sudo_user)
        lines.append(f"""U={user}; S=; if [ "$(id -un)" != "$U" ]; then S="sudo -n -u $U"; fi""")
        sudo = " $S"
    elif options.sudo:
        lines.append("""S=; if [ "$(id -u)" -ne 0 ]; then S='sudo -n'; fi""")
        sudo = " $S"
    lines.append(f"exec $T{sudo} sh -c {shlex.quote(command)}")
    return "; ".join(lines)


def _transport_kwargs(spec: str, options: ConnectOptions) -> dict[str, Any]:
    scheme = spec.split("://", 1)[0]
    kwargs: dict[str, Any] = {}
    if scheme in ("ssh", "safe-ssh", "paramiko"):
        kwargs["timeout"] = max(1, min(int(options.timeout), 60))  # connect timeout
        if options.ssh_config:
            kwargs["ssh_config"] = options.ssh_config
        if options.ssh_identity_file:
            kwargs["ssh_identity_file"] = options.ssh_identity_file
    if scheme in ("ssh", "safe-ssh"):
        kwargs["controlpersist"] = 0  # no ControlMaster left behind
        kwargs["ssh_extra_args"] = shlex.join(ssh_arguments(spec, options))
    if scheme == "ansible":
        kwargs["ssh_config"] = options.ssh_config
        kwargs["ssh_identity_file"] = options.ssh_identity_file
    return {k: v for k, v in kwargs.items() if v is not None}


# Whatever the ssh config says, a host never reaches back into the grading session: no agent
# (-a), no X11 (-x), no tty (-T), no port forwarding, no LocalCommand, no shared master
# connection. ssh keeps the first value it gets for an option and reads the command line
# before any config file, so these win (docs/security.md).
NO_FORWARDING = (
    "-a",
    "-x",
    "-T",
    "-o",
    "ClearAllForwardings=yes",
    "-o",
    "PermitLocalCommand=no",
    "-o",
    "ControlMaster=no",
    "-o",
    "ControlPath=none",
)


def ssh_arguments(spec: str, options: ConnectOptions) -> list[str]:
    """The options labgrade gives every ssh it starts for SPEC (before testinfra's own)."""
    args = [*NO_FORWARDING, "-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=3"]
    if ":" not in spec.split("://", 1)[1].split("@", 1)[0]:  # no password in the spec
        args += ["-o", "BatchMode=yes"]
    if options.accept_new_host_keys:
        args += ["-o", "StrictHostKeyChecking=accept-new"]
    return args + list(options.ssh_args)


# The program each connection kind runs on this machine, and the Debian package that has it.
LOCAL_PROGRAMS = {
    "ssh": ("ssh", "openssh-client"),
    "safe-ssh": ("ssh", "openssh-client"),
    "docker": ("docker", "docker.io"),
    "podman": ("podman", "podman"),
    "kubectl": ("kubectl", "kubernetes-client"),
    "lxc": ("lxc", "lxd-client"),
    "openshift": ("oc", ""),  # the OpenShift client: not packaged in Debian
}


def missing_program(spec: str) -> str | None:
    """The one-line reason why SPEC cannot be reached from here: a program it needs is not
    installed on this machine (None: nothing missing). Said before connecting, so that the
    host is never blamed for what the grading machine lacks."""
    scheme, _, rest = spec.partition("://")
    needed = [LOCAL_PROGRAMS[scheme]] if scheme in LOCAL_PROGRAMS else []
    if scheme in ("ssh", "safe-ssh") and ":" in rest.split("?", 1)[0].rpartition("@")[0]:
        needed.append(("sshpass", "sshpass"))  # a password in the spec
    if scheme == "paramiko" and importlib.util.find_spec("paramiko") is None:
        return (
            f"paramiko:// needs the Python package paramiko, which is not installed: "
            f"pip install 'labgrade[paramiko]' (or use ssh://{rest})"
        )
    for program, package in needed:
        if shutil.which(program) is None:
            install = f"install the Debian package {package}" if package else "install it"
            return (
                f"`{program}` is not installed on this machine: {scheme}:// runs it here to "
                f"reach {host_name(spec)} ({install})"
            )
    return None


@contextlib.contextmanager
def open_host(spec: str, options: ConnectOptions) -> Iterator[testinfra.host.Host]:
    """A testinfra Host for SPEC, closed and dropped from testinfra's cache afterwards."""
    missing = missing_program(spec)
    if missing:
        raise HostError(missing)
    kwargs = _transport_kwargs(spec, options)
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
        raise HostError(_hinted(problem, name, options))
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


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def command_problem(
    name: str, rc: int, stderr: str, got_output: bool, options: ConnectOptions
) -> str | None:
    """The one-line reason why a finished command gave no usable output, or None."""
    lowered = stderr.lower()
    asked = options.sudo or options.sudo_user
    if asked and ("password is required" in lowered or "terminal is required" in lowered):
        return (
            f"sudo on {name} wants a password; allow passwordless sudo for this user "
            "(e.g. a NOPASSWD line in /etc/sudoers.d/) or connect as root"
        )
    if rc == 255:
        return _ssh_problem(name, stderr) or f"cannot reach {name} (exit 255)"
    if rc in TIMEOUT_EXIT:
        return f"{name}: gathering timed out after {int(options.timeout)} s (--timeout)"
    if rc == 127:
        return f"a command is missing on {name}: {_last_line(stderr) or 'command not found'}"
    if rc == 126:
        return f"{name}: permission denied running the gather command: {_last_line(stderr)}"
    if rc != 0 and not got_output:
        return f"{name}: the gather command failed (exit {rc}): {_last_line(stderr) or 'no output'}"
    return None


def not_resolved(name: str) -> str:
    """The message for a host NAME that does not resolve."""
    return f"name not resolved: {name} is not a known host name"


def _hinted(message: str, name: str, options: ConnectOptions) -> str:
    """MESSAGE plus the options' hint when it says NAME does not resolve."""
    if options.unresolved_hint is not None and message == not_resolved(name):
        return message + options.unresolved_hint(name, options.suggest_lab)
    return message


_NOT_RESOLVED = ("could not resolve hostname", "name or service not known")
_SSH_MESSAGES = (
    ("connection refused", "{name} is unreachable: connection refused"),
    ("no route to host", "{name} is unreachable: no route to host"),
    ("network is unreachable", "{name} is unreachable: network is unreachable"),
    ("connection timed out", "{name} is unreachable: connection timed out"),
    ("operation timed out", "{name} is unreachable: connection timed out"),
    ("remote host identification has changed", "{changed}"),
    ("has changed and you have requested strict checking", "{changed}"),
    ("host key verification failed", "{unknown}"),
    (
        "kex_exchange_identification",
        "{name} dropped the connection before the ssh handshake "
        "(sshd busy, e.g. its MaxStartups limit): {detail}",
    ),
    ("permission denied", "permission denied on {name}: {detail}"),
    ("connection closed", "{name} closed the connection: {detail}"),
    ("connection reset", "{name} reset the connection: {detail}"),
    ("not found", "{detail}"),
)


UNKNOWN_KEY = (
    "host key of {name} is not known here (not in known_hosts): check it, then record it with "
    "--accept-new-host-keys (a batch: `accept_new_host_keys: true` under defaults: of class.yaml), "
    "or add it with `ssh-keyscan` (docs/batch.md, first run with a new class)"
)
_OFFENDING = re.compile(r"Offending \S+ key in (\S+):(\d+)")


def key_changed(name: str, stderr: str) -> str:
    """The line for a host whose key differs from the one recorded: refused, always."""
    offending = _OFFENDING.search(stderr)
    where = f" ({offending.group(1)} line {offending.group(2)})" if offending else ""
    remove = f"ssh-keygen -R {name}" + (f" -f {offending.group(1)}" if offending else "")
    return (
        f"host key of {name} CHANGED since it was recorded{where}: refused (also with "
        f"--accept-new-host-keys); a reinstalled host? check the new key, remove the old one "
        f"with `{remove}` and connect again; otherwise something answers in its place"
    )


def _ssh_problem(name: str, stderr: str) -> str | None:
    lowered = stderr.lower()
    if any(needle in lowered for needle in _NOT_RESOLVED):
        return not_resolved(name)
    for needle, message in _SSH_MESSAGES:
        if needle in lowered:
            detail = _last_line(stderr) or needle
            changed = key_changed(name, stderr)
            return message.format(
                name=name, detail=detail, changed=changed, unknown=UNKNOWN_KEY.format(name=name)
            )

    detail = _last_line(stderr)
    return f"cannot reach {name} over ssh: {detail}" if detail else None


# A server that closed the connection before the ssh handshake: busy (MaxStartups), or
# restarting. Nothing ran on the host, so trying again is safe.
_DROPPED = ("kex_exchange_identification", "ssh_exchange_identification", "protocol banner")


def connection_error(name: str, error: BaseException, options: ConnectOptions) -> HostError:
    """The HostError for an exception raised while connecting or running; `.transient` when
    the server dropped the connection before the handshake (worth another attempt)."""
    message = describe_failure(name, error)
    message = _hinted(message, name, options)
    result = error.args[0] if error.args else None
    if hasattr(result, "stderr_bytes"):
        text = result.stderr_bytes.decode("utf-8", "replace").lower()
    else:
        text = f"{type(error).__name__}: {error}".lower()
    refused = any(word in text for word in ("permission denied", "host key", "authentic"))
    failure = HostError(message)
    failure.transient = not refused and any(word in text for word in _DROPPED)
    return failure


def describe_failure(name: str, error: BaseException) -> str:
    """A one-line message for an exception raised while connecting or running."""
    result = error.args[0] if error.args else None
    if hasattr(result, "stderr_bytes"):  # testinfra's ssh backend: RuntimeError(CommandResult)
        stderr = result.stderr_bytes.decode("utf-8", "replace")
        return _ssh_problem(name, stderr) or f"cannot reach {name} over ssh (exit {result.rc})"
    kind = type(error).__name__
    text = str(error)
    if isinstance(error, socket.gaierror):
        return not_resolved(name)
    if isinstance(error, (TimeoutError, socket.timeout)):
        return f"{name} is unreachable: connection timed out"
    if isinstance(error, ConnectionRefusedError) or "Unable to connect" in text:
        return f"{name} is unreachable: connection refused"
    if isinstance(error, OSError) and error.strerror:
        return f"{name} is unreachable: {error.strerror}"
    if kind in ("AuthenticationException", "BadAuthenticationType", "PasswordRequiredException"):
        return f"permission denied on {name}: {text or kind}"
    if kind == "BadHostKeyException":
        return key_changed(name, text)
    if kind == "SSHException":
        return f"ssh to {name} failed: {text}"
    return f"cannot reach {name}: {kind}: {_last_line(text) or kind}"
