"""Why a host could not be reached or gathered, in one line that names it: ssh's messages
(refused, unresolved, a changed or unknown host key, a busy sshd ...), a command that failed
on the host, a program this machine lacks. Pure: text in, text out.

    command_problem("lab-1", 255, "ssh: connect to host lab-1 port 22: Connection refused",
                    False, ConnectOptions())   # -> "lab-1 is unreachable: connection refused"
    describe_failure("lab-1", socket.gaierror())  # -> "name not resolved: lab-1 is not ..."
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import socket

from grader.connect_options import ConnectOptions
from grader.errors import HostError
from grader.host_spec import host_name

TIMEOUT_EXIT = (124, 137)  # `timeout` ran out (TERM, then KILL)

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


def hinted(message: str, name: str, options: ConnectOptions) -> str:
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
    message = hinted(message, name, options)
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
