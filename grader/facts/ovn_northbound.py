"""The OVN northbound database as far as the lab needs it: ports, port groups with their ACLs,
routers with their networks, NAT rows and static routes, DHCP options.

    nb = build_northbound(snapshot)      # None where `ovn-nbctl show` did not succeed
    nb.port("48c53a81-fa"), nb.groups_of(port), nb.routers
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.facts.namespace import record_problem
from grader.facts.sourced import unusable_reason
from grader.parsers.numbers import ascii_int
from grader.parsers.ovn_nbctl import ovn_list, ovn_map, parse_ovn_records
from grader.snapshot import Snapshot

# name used here -> (gather key, northbound table)
TABLES = {
    "acl": ("ovn_nb_acl", "ACL"),
    "group": ("ovn_nb_port_group", "Port_Group"),
    "port": ("ovn_nb_switch_port", "Logical_Switch_Port"),
    "router": ("ovn_nb_router", "Logical_Router"),
    "router_port": ("ovn_nb_router_port", "Logical_Router_Port"),
    "route": ("ovn_nb_route", "Logical_Router_Static_Route"),
    "nat": ("ovn_nb_nat", "NAT"),
    "dhcp": ("ovn_nb_dhcp", "DHCP_Options"),
}


@dataclass(frozen=True)
class Acl:
    direction: str
    priority: int
    match: str
    action: str

    @property
    def line(self) -> str:
        return f"{self.direction} {self.priority} ({self.match}) {self.action}"


@dataclass(frozen=True)
class Port:
    uuid: str
    name: str  # the Neutron port id
    type: str
    mac: str | None
    ips: tuple[str, ...]
    dhcpv4: str | None  # uuid of its DHCP_Options row


@dataclass(frozen=True)
class PortGroup:
    name: str
    ports: tuple[str, ...]  # Logical_Switch_Port uuids
    acls: tuple[Acl, ...]


@dataclass(frozen=True)
class Nat:
    type: str  # "snat" | "dnat_and_snat" | "dnat"
    external_ip: str
    logical_ip: str

    @property
    def line(self) -> str:
        return f"{self.type} {self.external_ip} {self.logical_ip}"


@dataclass(frozen=True)
class Router:
    name: str  # neutron-<router id>
    networks: tuple[str, ...]  # CIDRs of its ports, e.g. "10.0.0.1/24"
    nat: tuple[Nat, ...]
    routes: tuple[tuple[str, str], ...]  # (ip_prefix, nexthop)


@dataclass
class Northbound:
    ports: list[Port] = field(default_factory=list)
    groups: list[PortGroup] = field(default_factory=list)
    routers: list[Router] = field(default_factory=list)
    dhcp: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)  # uuid -> cidr, opts
    errors: dict[str, str] = field(default_factory=dict)  # TABLES name -> why it is unread

    def port(self, prefix: str) -> Port | None:
        """The switch port whose name (Neutron port id) starts with PREFIX."""
        return next((p for p in self.ports if prefix and p.name.startswith(prefix)), None)

    def groups_of(self, port: Port) -> list[PortGroup]:
        return [g for g in self.groups if port.uuid in g.ports]


def _records(snapshot: Snapshot, name: str, nb: Northbound) -> list[dict[str, str]]:
    key = TABLES[name][0]
    record = snapshot.root(key)
    if record is None or not record.ok:
        nb.errors[name] = record_problem(record)
        return []
    problem = unusable_reason(snapshot, record, key)  # truncated: rows may be missing
    if problem:
        nb.errors[name] = problem
        return []
    return parse_ovn_records(record.out)


def build_northbound(snapshot: Snapshot) -> Northbound | None:
    show = snapshot.root("ovn_nb_show")
    if show is None or not show.ok:
        return None
    nb = Northbound()
    rows = {name: _records(snapshot, name, nb) for name in TABLES}
    acls = {r.get("_uuid", ""): _acl(r) for r in rows["acl"]}
    nb.ports = [_port(r) for r in rows["port"]]
    nb.groups = [
        PortGroup(
            r.get("name", ""),
            tuple(ovn_list(r.get("ports"))),
            tuple(acls[u] for u in ovn_list(r.get("acls")) if u in acls),
        )
        for r in rows["group"]
    ]
    nats = {r.get("_uuid", ""): _nat(r) for r in rows["nat"]}
    networks = {r.get("_uuid", ""): tuple(ovn_list(r.get("networks"))) for r in rows["router_port"]}
    routes = {
        r.get("_uuid", ""): (r.get("ip_prefix", ""), r.get("nexthop", "")) for r in rows["route"]
    }
    nb.routers = [
        Router(
            r.get("name", ""),
            tuple(n for u in ovn_list(r.get("ports")) for n in networks.get(u, ())),
            tuple(nats[u] for u in ovn_list(r.get("nat")) if u in nats),
            tuple(routes[u] for u in ovn_list(r.get("static_routes")) if u in routes),
        )
        for r in rows["router"]
    ]
    nb.dhcp = {
        r.get("_uuid", ""): (r.get("cidr", ""), ovn_map(r.get("options"))) for r in rows["dhcp"]
    }
    return nb


def _acl(row: dict[str, str]) -> Acl:
    return Acl(
        row.get("direction", ""),
        ascii_int(row.get("priority", "0")) or 0,
        row.get("match", ""),
        row.get("action", ""),
    )


def _port(row: dict[str, str]) -> Port:
    words = [w for a in ovn_list(row.get("addresses")) for w in a.split()]
    mac = next((w for w in words if w.count(":") == 5), None)
    ips = tuple(w for w in words if w.count(".") == 3)
    dhcp = ovn_list(row.get("dhcpv4_options"))
    return Port(
        row.get("_uuid", ""),
        row.get("name", ""),
        row.get("type", ""),
        mac,
        ips,
        dhcp[0] if dhcp else None,
    )


def _nat(row: dict[str, str]) -> Nat:
    return Nat(row.get("type", ""), row.get("external_ip", ""), row.get("logical_ip", ""))
