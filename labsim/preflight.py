"""Checks before building anything: root, the programs the lab runs, the kernel features."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from grader.errors import LabError

# program -> Debian package that provides it
PROGRAMS: dict[str, str] = {
    "unshare": "util-linux",
    "tini": "tini",
    "nsenter": "util-linux",
    "ip": "iproute2",
    "sysctl": "procps",
    "iptables-restore": "iptables",
    "iptables-legacy-restore": "iptables",
    "iptables-nft-restore": "iptables",
    "ovs-ofctl": "openvswitch-common",
    "ovn-nbctl": "ovn-common",
    "ipset": "ipset",
    "ovsdb-tool": "openvswitch-switch",
    "ovsdb-server": "openvswitch-switch",
    "ovs-vswitchd": "openvswitch-switch",
    "ovs-vsctl": "openvswitch-common",
    "dnsmasq": "dnsmasq-base",
    "haproxy": "haproxy",
    "sshd": "openssh-server",
    "ssh-keygen": "openssh-client",
    "nc": "netcat-openbsd",
    "python3": "python3",
}
FILES: dict[str, str] = {
    "/usr/share/openvswitch/vswitch.ovsschema": "openvswitch-common",
    "/usr/share/ovn/ovn-nb.ovsschema": "ovn-central",
    "/etc/openvswitch": "openvswitch-switch",
    "/var/lib/openvswitch": "openvswitch-switch",
}
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def check_root() -> None:
    if os.geteuid() != 0:
        raise LabError("the simulated lab needs root (run it with sudo)")


def missing_programs() -> list[tuple[str, str]]:
    missing = [(p, pkg) for p, pkg in PROGRAMS.items() if shutil.which(p, path=SEARCH_PATH) is None]
    missing += [(f, pkg) for f, pkg in FILES.items() if not Path(f).exists()]
    return missing


def check_programs() -> None:
    missing = missing_programs()
    if missing:
        what = missing[0][0]
        packages = " ".join(sorted({pkg for _, pkg in missing}))
        raise LabError(f"'{what}' not found: install the Debian package(s): {packages}")
    if not Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists():
        raise LabError("bridge netfilter is not available (modprobe br_netfilter)")
    if not Path("/dev/net/tun").exists():
        raise LabError("/dev/net/tun is missing (Open vSwitch's userspace datapath needs it)")


def check_all() -> None:
    check_root()
    check_programs()
