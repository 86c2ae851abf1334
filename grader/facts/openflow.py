"""The native OVS firewall's per-port flows on br-int: a port's flows match `reg5=<ofport>`.

port_flows(facts.flows, 10, (82,))    # table 82 (ingress rules) of ofport 10
flow_fixed_ips(facts.flows, 10)       # ("10.0.0.12",): its anti-spoofing flows (table 71)
"""

from __future__ import annotations

from grader.parsers.ovs import Flow

INGRESS = (81, 82)
ANTI_SPOOFING = 71  # egress base: `reg5=<ofport>,dl_src=<mac>,nw_src=<ip>` / `arp_spa=<ip>`


def reg5(flow: Flow) -> int | None:
    value = flow.get("reg5")
    try:
        return int(value, 0) if value else None
    except ValueError:
        return None


def port_flows(flows: list[Flow], ofport: int, tables: tuple[int, ...] = INGRESS) -> list[Flow]:
    return [f for f in flows if f.table in tables and reg5(f) == ofport]


def flow_fixed_ips(flows: list[Flow], ofport: int) -> tuple[str, ...]:
    """The port's IPv4 addresses from its anti-spoofing flows (the hybrid's `-s IP/32 -m mac`)."""
    found: dict[str, None] = {}
    for flow in port_flows(flows, ofport, (ANTI_SPOOFING,)):
        for name in ("nw_src", "arp_spa"):
            value = (flow.get(name) or "").removesuffix("/32")
            if value.count(".") == 3 and "/" not in value:
                found.setdefault(value, None)
    return tuple(found)
