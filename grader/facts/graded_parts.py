"""Which instance, router and DHCP namespace are graded, when a host has several: the
instance a floating IP is NATed to, the router holding that floating IP (or serving the
instance's subnet), the DHCP namespace serving that subnet. Also what each instance's
addresses are where the hybrid's chains do not name them (flows, DNAT, OVN northbound).
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from grader.facts.dhcp_agent import build_dhcp
from grader.facts.openflow import flow_fixed_ips
from grader.facts.ovn_northbound import Northbound
from grader.facts.types import Dhcp, Facts, Instance, Router
from grader.parsers.ip_addr import Address


def with_flows(instance: Instance, facts: Facts) -> Instance:
    """INSTANCE with its fixed IPs from the native firewall's anti-spoofing flows (table 71),
    where the hybrid's iptables chains gave none."""
    ofport = facts.ofports.get(instance.tap or "")
    if instance.fixed_ips or ofport is None:
        return instance
    return replace(instance, fixed_ips=flow_fixed_ips(facts.flows, ofport))


def with_lone_dnat(instance: Instance, routers: list[Router]) -> Instance:
    """The only instance of a host whose flows do not name its address: the fixed IP of the
    DNAT (reached from PREROUTING/OUTPUT) of a floating IP on qg-, when there is exactly one."""
    pairs = {
        (nat.floating, nat.fixed)
        for router in routers
        for nat in router.dnat
        if nat.floating in {a.address for a in router.floating}
    }
    if len(pairs) != 1:
        return instance
    ((floating, fixed),) = pairs
    return replace(instance, fixed_ips=(fixed,), floating_ip=floating)


def with_floating(instance: Instance, routers: list[Router]) -> Instance:
    for router in routers:
        on_qg = {a.address for a in router.floating}
        for nat in router.dnat:
            if nat.fixed in instance.fixed_ips and nat.floating in on_qg:
                return replace(instance, floating_ip=nat.floating)
    for router in routers:
        for nat in router.dnat:
            if nat.fixed in instance.fixed_ips:
                return replace(instance, floating_ip=nat.floating)
    for router in routers:  # no DNAT: a /32 on qg- its SNAT names is its floating IP too
        on_qg = {a.address for a in router.floating}
        for nat in router.snat:
            if nat.fixed in instance.fixed_ips and nat.floating in on_qg:
                return replace(instance, floating_ip=nat.floating)
    return instance


def with_northbound(instance: Instance, nb: Northbound | None) -> Instance:
    """INSTANCE with its fixed IPs (switch port addresses) and floating IP (dnat_and_snat)."""
    port = nb.port(instance.port) if nb else None
    if nb is None or port is None:
        return instance
    fixed = instance.fixed_ips or port.ips
    floating = next(
        (
            n.external_ip
            for r in nb.routers
            for n in r.nat
            if n.type == "dnat_and_snat" and n.logical_ip in fixed
        ),
        instance.floating_ip,
    )
    return replace(instance, fixed_ips=fixed, floating_ip=floating)


def graded_instance(instances: list[Instance]) -> tuple[Instance | None, list[Instance]]:
    if not instances:
        return None, []
    chosen = next((i for i in instances if i.floating_ip), instances[0])
    return chosen, [i for i in instances if i is not chosen]


def _in_subnet(ip: str, addresses: tuple[Address, ...]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in a.network() for a in addresses)


def pick_router(routers: list[Router], instance: Instance | None) -> Router | None:
    if not routers:
        return None
    ordered = sorted(routers, key=lambda r: r.ns)
    if instance:
        for router in ordered:
            if instance.floating_ip and any(
                a.address == instance.floating_ip for a in router.floating
            ):
                return router
        for router in ordered:
            if any(_in_subnet(ip, router.internal) for ip in instance.fixed_ips):
                return router
    return next((r for r in ordered if r.floating), ordered[0])


def pick_dhcp(facts: Facts, instance: Instance | None) -> Dhcp | None:
    candidates = [
        build_dhcp(v) for n, v in sorted(facts.namespaces.items()) if n.startswith("qdhcp-")
    ]
    if not candidates:
        return None
    if instance:
        for dhcp in candidates:
            if any(_in_subnet(ip, dhcp.addresses) for ip in instance.fixed_ips):
                return dhcp
    if facts.router:
        for dhcp in candidates:
            if any(_in_subnet(a.address, facts.router.internal) for a in dhcp.addresses):
                return dhcp
    return next((d for d in candidates if d.taps), candidates[0])
