"""The facts a check looks at: what was discovered on one host, already parsed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.backends import UNKNOWN
from grader.facts.namespace import NamespaceView
from grader.facts.ovn_northbound import Northbound
from grader.facts.sourced import Sourced
from grader.outcome import CannotGrade
from grader.parsers.ip_addr import Address
from grader.parsers.ip_route import Route
from grader.parsers.iptables_save import Rule
from grader.parsers.ovs import Flow
from grader.parsers.processes import Process
from grader.snapshot import Snapshot


@dataclass(frozen=True)
class Instance(Sourced):
    """An instance's port on this host, found from its tap device or its iptables chains."""

    port: str  # the port id as far as the device names show it, e.g. "a1b2c3d4-e5"
    tap: str | None  # "tapa1b2c3d4-e5" if the device exists
    bridge: str | None  # the qbr the tap is plugged into
    chain_in: str  # inbound chain: the one sg-chain sends the tap's traffic to, else by name
    chain_in_wired: bool  # True when an sg-chain FORWARD reaches jumps to chain_in for the tap
    wiring_rule: Rule | None  # that jump (`--physdev-out <tap> -j <chain_in>`)
    fixed_ips: tuple[str, ...]  # from the port's anti-spoofing / DHCP rules
    floating_ip: str | None = None  # whose DNAT (else: SNAT, /32 on qg-) names a fixed IP
    _unusable: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class NatRule:
    kind: str  # "DNAT" or "SNAT"
    floating: str
    fixed: str
    rule: Rule


@dataclass(frozen=True)
class Router(Sourced):
    ns: str
    view: NamespaceView
    internal: tuple[Address, ...]  # addresses on qr- devices
    gateway: Address | None  # the router's own address on qg-
    floating: tuple[Address, ...]  # the /32s on qg- besides the gateway address
    default_route: Route | None
    dnat: tuple[NatRule, ...]  # DNAT floating -> fixed in chains reached from PREROUTING/OUTPUT
    snat: tuple[NatRule, ...]  # SNAT fixed -> floating in chains reached from POSTROUTING
    nat_anywhere: tuple[NatRule, ...] = ()  # every one-to-one DNAT/SNAT, reached or not (evidence)
    # DVR (router_distributed): rfp- in qrouter; qg- and the default route in snat-<router id>
    # (gateway_view, None on a compute node without it); each floating IP a route
    # `F via <rfp- address> dev fpr-...` in a fip-<external network> namespace (in `floating`).
    dvr: bool = False
    gateway_view: NamespaceView | None = None
    _unusable: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def qg_devices(self) -> list[str]:
        return [link.name for link in (self.gateway_view or self.view).links_named("qg-")]

    @property
    def qr_devices(self) -> list[str]:
        return [link.name for link in self.view.links_named("qr-")]


@dataclass(frozen=True)
class Dnsmasq:
    process: Process
    netns: str | None  # the namespace it runs in, if known ("" = root)
    interfaces: tuple[str, ...]  # its --interface= values


@dataclass(frozen=True)
class Dhcp(Sourced):
    ns: str
    view: NamespaceView
    taps: tuple[str, ...]  # non-loopback devices with an IPv4 address
    addresses: tuple[Address, ...]
    _unusable: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass(eq=False)
class Facts(Sourced):
    """What the checks read. A fact whose gathered record is unusable raises CannotGrade when
    read (grader/facts/sourced.py), so a check never fails a host on what it could not see."""

    snapshot: Snapshot
    root: NamespaceView
    namespaces: dict[str, NamespaceView]
    namespace_names: list[str]  # every name `ip netns list` printed (walked or not)
    backend: str = UNKNOWN
    backend_problem: str | None = None
    backend_recognised: bool = True  # refused when uncertain (engine: checks with `backends:`)
    ovs_bridges: dict[str, list[str]] | None = None  # None: ovs-vsctl unavailable
    ovs_error: str | None = None
    processes: list[Process] = field(default_factory=list)
    pid_netns: dict[int, str] = field(default_factory=dict)  # pid -> namespace ("" = root)
    instance: Instance | None = None  # the graded instance
    other_instances: list[Instance] = field(default_factory=list)
    stale_ports: list[str] = field(default_factory=list)  # chains/qbr left without a tap
    router: Router | None = None
    routers: list[Router] = field(default_factory=list)  # every qrouter namespace's router
    dhcp: Dhcp | None = None
    dnsmasq: list[Dnsmasq] = field(default_factory=list)
    discovered: dict[str, Any] = field(default_factory=dict)  # docs/json-schema.md
    northbound: Northbound | None = None  # ML2/OVN's database (None: not reachable here)
    flows: list[Flow] = field(default_factory=list)  # `ovs-ofctl dump-flows br-int`
    ofports: dict[str, int] = field(default_factory=dict)  # br-int port name -> ofport
    openflow_error: str | None = None  # why flows or ofports could not be read (None: both were)
    problems: list[str] = field(default_factory=list)  # gather-level problems (not root ...)
    unprivileged: str | None = None  # gathered without root and refused: what was refused
    gather_cut: str | None = None  # the gather stopped before its end: where, and what it means
    _unusable: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def command_output(self, command: str) -> tuple[int, str]:
        """(exit code, stdout) of an extra command gathered for a generic `command` check."""
        record = self.snapshot.extra(command)
        if record is None:
            raise CannotGrade(f"the command was not run during the gather: {command}")
        if record.timed_out:
            limit = self.snapshot.meta.get("command_timeout") or 30
            raise CannotGrade(
                f"timed out after {limit} s (the gather's limit on each command): {command}"
            )
        return record.rc, record.out

    def namespace(self, name: str) -> NamespaceView | None:
        return self.namespaces.get(name)

    def ovs_ports(self, bridge: str) -> list[str]:
        return (self.ovs_bridges or {}).get(bridge, [])

    def bridge_of_port(self, port: str) -> str | None:
        for bridge, ports in (self.ovs_bridges or {}).items():
            if port in ports:
                return bridge
        return None
