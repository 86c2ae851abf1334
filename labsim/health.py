"""Is a simulated host still whole? Looks at the processes in its PID namespace, from outside."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from labsim import host_namespaces
from labsim.state import LabHost


def host_processes(init_pid: int) -> list[str]:
    """Command names of every process in the PID namespace whose init is `init_pid`."""
    try:
        target = os.readlink(f"/proc/{init_pid}/ns/pid")
    except OSError:
        return []
    names = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{entry}/ns/pid") == target:
                names.append(Path(f"/proc/{entry}/comm").read_text().strip())
    return names


def expected_processes(host: LabHost) -> list[str]:
    names = ["ovsdb-server", "ovs-vswitchd", "sshd"]
    if host.plan.get("dhcp_running"):
        names.append("dnsmasq")
    if host.plan.get("metadata"):
        proxy = host.plan.get("metadata_proxy") or "haproxy"
        names.append(proxy[:15])  # /proc/PID/comm keeps 15 characters
    if host.plan.get("port_id"):
        names.append("nc")
    return names


def health(host: LabHost) -> str:
    """'ok', 'gone' (its init is dead), or 'degraded: <missing processes>'."""
    if not host_namespaces.is_lab_init(host.namespaces):
        return "gone"
    running = set(host_processes(host.init_pid))
    missing = [name for name in expected_processes(host) if name not in running]
    return "ok" if not missing else "degraded: not running: " + ", ".join(missing)
