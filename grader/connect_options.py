"""How labgrade connects: the options of one connection, the remote command line around the
gather, and the ssh options that keep a host from reaching back into the grading session.

    options = ConnectOptions(ssh_config="lab.ssh_config", sudo=True, timeout=60)
    line = wrap_command(gather_command(), options)   # `timeout -k 5 60 sudo -n sh -c ...`
    args = ssh_arguments("ssh://lab-1", options)     # ["-a", "-x", "-T", "-o", ...]
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KILL_GRACE = 5  # seconds between `timeout`'s TERM and KILL


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


def wrap_command(command: str, options: ConnectOptions) -> str:
    """COMMAND run by sh, under `sudo -n` when asked and not root, bounded by `timeout`
    (TERM after the options' timeout, KILL KILL_GRACE seconds later).

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


def transport_kwargs(spec: str, options: ConnectOptions) -> dict[str, Any]:
    """The keyword arguments of testinfra.get_host(SPEC, ...) for OPTIONS."""
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
