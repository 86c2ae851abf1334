"""The native OVS firewall's per-port flows on br-int: a port's flows match `reg5=<ofport>`.

port_flows(facts.flows, 10, (82,))    # table 82 (ingress rules) of ofport 10
flow_fixed_ips(facts.flows, 10)       # ("10.0.0.12",): its anti-spoofing flows (table 71)
table_wide(facts.flows)               # tables 81/82 flows for every port (no reg5)
"""

from __future__ import annotations

from grader.parsers.numbers import ascii_number
from grader.parsers.ovs import Flow

INGRESS = (81, 82)
ANTI_SPOOFING = 71  # egress base: `reg5=<ofport>,dl_src=<mac>,nw_src=<ip>` / `arp_spa=<ip>`


def reg5(flow: Flow) -> int | None:
    value = flow.get("reg5")
    return ascii_number(value) if value else None


def port_flows(flows: list[Flow], ofport: int, tables: tuple[int, ...] = INGRESS) -> list[Flow]:
    return [f for f in flows if f.table in tables and reg5(f) == ofport]


def table_wide(flows: list[Flow], tables: tuple[int, ...] = INGRESS) -> list[Flow]:
    """Flows of TABLES that match no port (no reg5, in_port or register of a network): they
    apply to every port's packets there, e.g. Neutron's `table=82, ct_state=+inv+trk` drop."""
    bound = ("reg5", "reg6", "in_port", "conj_id", "dl_dst", "dl_src", "nw_src", "nw_dst")
    return [f for f in flows if f.table in tables and not any(f.has(name) for name in bound)]


def flow_fixed_ips(flows: list[Flow], ofport: int) -> tuple[str, ...]:
    """The port's IPv4 addresses from its anti-spoofing flows (the hybrid's `-s IP/32 -m mac`);
    not the DHCP-discover flow's `nw_src=0.0.0.0` (Neutron's table 71, Queens on)."""
    found: dict[str, None] = {}
    for flow in port_flows(flows, ofport, (ANTI_SPOOFING,)):
        for name in ("nw_src", "arp_spa"):
            value = (flow.get(name) or "").removesuffix("/32")
            if value.count(".") == 3 and "/" not in value and value != "0.0.0.0":
                found.setdefault(value, None)
    return tuple(found)
