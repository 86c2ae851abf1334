"""Instances from the root namespace: tap devices, qbr bridges and per-port iptables chains.

Naming (neutron-formats.md): devices are tap/qbr/qvb/qvo + 11 characters of the port id;
chains are <prefix cut to 16>-i/o/s + 10 characters of the port id.
"""

from __future__ import annotations

import ipaddress
import re

from grader.facts.namespace import NamespaceView
from grader.facts.types import Instance
from grader.parsers.iptables_save import Rule, Ruleset

DEVICE = re.compile(r"^(tap|qbr|qvb|qvo)([0-9a-fA-F][0-9a-fA-F-]{9,10})$")
PORT_CHAIN = re.compile(r"^(neutron-[a-z0-9-]{1,9}[a-z0-9])-([ios])([0-9a-fA-F][0-9a-fA-F-]{9})$")
DEFAULT_PREFIX = "neutron-openvswi"


SG_CHAIN = f"{DEFAULT_PREFIX}-sg-chain"


def wiring_rules(rules: Ruleset) -> list[Rule]:
    """The jumps `--physdev-out <tap> -j <chain>` in the *-sg-chain chains that filter FORWARD
    reaches (a chain nothing jumps to applies to no packet), neutron-openvswi-sg-chain's first."""
    reached = rules.reachable("filter", "FORWARD")
    found = [
        rule
        for rule in rules.rules("filter")
        if rule.chain.endswith("-sg-chain")
        and rule.chain in reached
        and (rule.value("--physdev-out") or "").startswith("tap")
        and rule.target
        and rules.has_chain("filter", rule.target)
    ]
    return sorted(found, key=lambda rule: rule.chain != SG_CHAIN)


def find_instances(
    root: NamespaceView, namespaces: list[str] = ()
) -> tuple[list[Instance], list[str]]:
    """(instances with a tap device, port ids left only as qbr/qvb/qvo/chains).

    NAMESPACES (all names `ip netns list` printed) tell OVN metadata veths apart: their root
    end is tap + 10 characters of the network id + 0, its peer in ovnmeta-<network id>.
    """
    ovnmeta = {n.removeprefix("ovnmeta-")[:10] for n in namespaces if n.startswith("ovnmeta-")}
    ports: dict[str, str] = {}  # port id (10 chars) -> longest id seen
    taps: dict[str, str] = {}
    bridges: dict[str, str] = {}
    for link in root.links:
        match = DEVICE.match(link.name)
        if not match:
            continue
        kind, port = match.groups()
        if kind == "tap" and _ovn_metadata_end(link.line, port, ovnmeta):
            continue  # the root end of an OVN metadata veth, not an instance's tap
        _remember(ports, port)
        if kind == "tap":
            taps[port[:10]] = link.name
            if link.master and link.master.startswith("qbr"):
                bridges[port[:10]] = link.master
    wiring: dict[str, Rule] = {}
    for rule in wiring_rules(root.rules):
        wiring.setdefault(rule.value("--physdev-out") or "", rule)
    for chain in root.rules.chains("filter"):
        match = PORT_CHAIN.match(chain)
        if match:
            _remember(ports, match.group(3))
    instances, stale = [], []
    for key in sorted(ports):
        tap = taps.get(key)
        if tap is None:
            stale.append(ports[key])
            continue
        instances.append(_instance(root.rules, ports[key], tap, bridges.get(key), wiring.get(tap)))
    return instances, stale


def _ovn_metadata_end(line: str, port: str, ovnmeta: set[str]) -> bool:
    """OVNMETA: the first 10 characters of each ovnmeta-<network id> (PORT has 10 or more)."""
    if "link-netns ovnmeta-" in line:
        return True
    return port[:10] in ovnmeta


def _remember(ports: dict[str, str], port: str) -> None:
    key = port[:10]
    if len(port) > len(ports.get(key, "")):
        ports[key] = port


def _instance(
    rules: Ruleset, port: str, tap: str, bridge: str | None, wiring: Rule | None
) -> Instance:
    chain = wiring.target if wiring else None
    return Instance(
        port=port,
        tap=tap,
        bridge=bridge,
        chain_in=chain or chain_name(rules, "i", port),
        chain_in_wired=chain is not None,
        wiring_rule=wiring,
        fixed_ips=fixed_ips(rules, port),
    )


def chain_name(rules: Ruleset, direction: str, port: str) -> str:
    """The per-port chain by name: the one present in the filter table, else the usual one."""
    suffix = f"-{direction}{port[:10]}"
    present = rules.chains_ending("filter", suffix)
    for chain in present:
        if chain.startswith(DEFAULT_PREFIX):
            return chain
    return present[0] if present else f"{DEFAULT_PREFIX}{suffix}"


def fixed_ips(rules: Ruleset, port: str) -> tuple[str, ...]:
    """The port's IPv4 addresses from its anti-spoofing (s/o) and DHCP-reply (i) rules.
    iptables-save prints a host as `10.0.0.12/32`; Neutron wrote it bare before 8.0.0
    (iptables_firewall.py _setup_spoof_filter_chain `-m mac --mac-source MAC -s IP`)."""
    found: dict[str, None] = {}
    for direction in ("s", "o"):
        for rule in rules.rules("filter", chain_name(rules, direction, port)):
            source = _host(rule.value("-s"))
            if source and rule.has("--mac-source"):
                found.setdefault(source, None)
    for rule in rules.rules("filter", chain_name(rules, "i", port)):
        dest = _host(rule.value("-d"))
        if dest and rule.value("--sport") == "67" and not dest.startswith("255."):
            found.setdefault(dest, None)
    return tuple(found)


def _host(value: str | None) -> str | None:
    """`10.0.0.12/32` or `10.0.0.12` -> `10.0.0.12`; a network, IPv6 or junk -> None."""
    if not value:
        return None
    address, _, prefix = value.partition("/")
    if prefix not in ("", "32"):
        return None
    try:
        return str(ipaddress.IPv4Address(address))
    except ValueError:
        return None
