"""The recorded hosts of make_snapshots.py: a Host (release, instances, what is broken) and
the small helpers every part of its records uses. See make_snapshots.py for why this is an
independent rendering of shared/neutron-formats.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab_records import (
    lab_plan,
)

from labsim.plan import Plan

LAB_BACKEND = {"ovn": "ovn", "native": "ovs-firewall"}
ORDER = ["icehouse", "kilo", "pike", "queens", "stein", "train", "2024.1"]
ROUTER = "9e5f2802-2462-4f5c-a95b-c60b99744451"
NETWORK = "4b523b2a-5921-4e8b-9e64-7b668c4aab85"
QR, QG, DHCP_PORT = "qr-5c3d2e1f-0a", "qg-9a8b7c6d-5e", "tap4f0c1d2e-3b"
GATEWAY, ROUTER_IP, DHCP_IP = "172.24.4.1", "172.24.4.181", "10.0.0.2"
SG_SET = "NIPv4f0e1d2c3-b4a5-4697-8877-"


@dataclass
class Vm:
    port: str  # full port uuid
    fixed: str
    mac: str
    floating: str | None = None
    ssh: bool = True
    icmp: bool = True


@dataclass
class Host:
    release: str = "train"
    vms: list[Vm] = field(
        default_factory=lambda: [
            Vm(
                "a1b2c3d4-e5f6-4a5b-8c7d-0e1f2a3b4c5d",
                "10.0.0.12",
                "fa:16:3e:11:22:33",
                "172.24.4.229",
            )
        ]
    )
    dhcp_running: bool = True
    metadata: bool = True
    rules_in: str = "default"  # default | legacy (iptables-save shows nft, empty) | nft
    conntrack: bool = False  # print -m conntrack --ctstate instead of -m state --state
    stray_ssh: bool = False  # a pasted SSH rule in a chain not wired to the tap
    stale_fip: bool = False  # floating IP and NAT left after the instance is gone
    backend: str = "hybrid"  # hybrid | ovn | native
    junk: bool = False
    skipped: list[str] = field(default_factory=list)

    def at_least(self, release: str) -> bool:
        return ORDER.index(self.release) >= ORDER.index(release)


def rec(key, out="", ns=None, arg=None, rc=0, err="", command=None) -> dict:
    record = {"key": key, "ns": ns, "arg": arg}
    if command is not None:
        record["command"] = command
    record.update(rc=rc, truncated=False, out=out, err=err)
    return record


def short(port: str) -> str:
    return port[:11]


def state(host: Host, states: str, negate: bool = False) -> str:
    bang = "! " if negate else ""
    if host.conntrack:
        return f"-m conntrack {bang}--ctstate {states}"
    return f"-m state {bang}--state {states}"


def comment(host: Host, text: str) -> str:
    return f' -m comment --comment "{text}"' if host.at_least("kilo") else ""


def lab_scenario(host: Host) -> str:
    """The lab scenario this host is (for the parts taken from the lab)."""
    vm = host.vms[0] if host.vms else None
    if vm is None:
        return "fresh"
    if not vm.floating:
        return "no-floating-ip"
    return "no-ssh-rule" if not vm.ssh else "no-icmp-rule" if not vm.icmp else "complete"


def plan_of(host: Host) -> Plan:
    """The lab's plan for an OVN or native-firewall host, with this file's ids."""
    vm = host.vms[0] if host.vms else None
    ids = {
        "network_id": NETWORK,
        "router_id": ROUTER,
        "port_id": vm.port if vm else None,
        "fixed_ip": vm.fixed if vm else None,
        "mac": vm.mac if vm else None,
        "floating_ip": vm.floating if vm else None,
    }
    return lab_plan(lab_scenario(host), LAB_BACKEND[host.backend], ids)
