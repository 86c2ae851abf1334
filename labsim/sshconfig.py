"""The ssh_config that reaches the simulated hosts (`labgrade lab ssh-config`).

No address is added to the machine: ssh reaches a host's sshd through a ProxyCommand that enters
the host's network namespace and connects to 127.0.0.1:22 there.
"""

from __future__ import annotations

from pathlib import Path

from labsim import state
from labsim.state import LabHost


def host_block(host: LabHost) -> str:
    return "\n".join(
        [
            f"Host {host.name}",
            f"    HostName {host.name}",
            f"    HostKeyAlias {host.name}",
            "    User root",
            f"    IdentityFile {state.key_path()}",
            "    IdentitiesOnly yes",
            f"    UserKnownHostsFile {state.known_hosts_path()}",
            "    StrictHostKeyChecking yes",
            f"    ProxyCommand nsenter --target {host.init_pid} --net -- nc 127.0.0.1 22",
            "    BatchMode yes",
            "    LogLevel ERROR",
            "",
        ]
    )


def ssh_config_text(hosts: list[LabHost] | None = None) -> str:
    """One `Host NAME` block per simulated host."""
    hosts = state.load_all() if hosts is None else hosts
    header = "# Simulated lab hosts (labgrade lab ssh-config)\n"
    return header + "\n".join(host_block(h) for h in hosts)


def write_ssh_config(path: Path | str, hosts: list[LabHost] | None = None) -> Path:
    path = Path(path)
    path.write_text(ssh_config_text(hosts))
    return path
