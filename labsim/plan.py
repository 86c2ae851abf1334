"""The plan of one simulated host: every UUID, device name and address, decided before any I/O.

`make_plan` is pure given its random generator, so tests can build plans without root, and the
plan saved in the host's state is the truth a grader's discoveries are compared with. Names follow
Neutron (see neutron-formats.md): devices are a prefix plus the first 11 characters of a port UUID,
per-port chains `neutron-openvswi-{i,o,s}` plus the first 10.
"""

from __future__ import annotations

import ipaddress
import random
import re
import uuid
from typing import Any

from grader.errors import LabError
from labsim.scenarios import Scenario

HOSTNAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
PRIVATE_CIDR = "10.0.0.0/24"
PUBLIC_CIDR = "172.24.4.0/24"
PRIVATE_GATEWAY = "10.0.0.1"
PUBLIC_GATEWAY = "172.24.4.1"
CHAIN_PREFIX = "neutron-openvswi"
LOCAL_VLAN = 1
INSTANCE_OFPORT = 10  # ofport_request of the instance's tap on br-int (not hybrid)

Plan = dict[str, Any]


def check_name(name: str) -> str:
    if not HOSTNAME_RE.match(name):
        raise LabError(f"invalid host name '{name}' (lowercase letters, digits and '-', max 63)")
    return name


def device(prefix: str, port_id: str) -> str:
    """`tap` + first 11 characters of the port UUID: `tapa1b2c3d4-e5`."""
    return f"{prefix}{port_id[:11]}"


def port_chain(kind: str, port_id: str) -> str:
    """`neutron-openvswi-i` + first 10 characters of the port UUID."""
    return f"{CHAIN_PREFIX}-{kind}{port_id[:10]}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _mac(rng: random.Random) -> str:
    return "fa:16:3e:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))


def _hosts(cidr: str, rng: random.Random, count: int, exclude: set[str]) -> list[str]:
    """`count` distinct random host addresses of `cidr`, none in `exclude`."""
    network = ipaddress.IPv4Network(cidr)
    chosen: list[str] = []
    while len(chosen) < count:
        address = str(network[rng.randrange(2, network.num_addresses - 1)])
        if address not in exclude and address not in chosen:
            chosen.append(address)
    return chosen


def make_plan(
    name: str,
    scenario: Scenario,
    release: str,
    rng: random.Random,
    backend: str = "hybrid",
    iptables: str = "nft",
) -> Plan:
    """Everything about one host, as a JSON-ready dict (keys documented in docs/lab.md)."""
    check_name(name)
    network_id, subnet_id, router_id, sg_id = (_uuid(rng) for _ in range(4))
    dhcp_port, qr_port, qg_port = (_uuid(rng) for _ in range(3))
    dhcp_ip, fixed_ip = _hosts(PRIVATE_CIDR, rng, 2, {PRIVATE_GATEWAY})
    qg_ip, floating_ip = _hosts(PUBLIC_CIDR, rng, 2, {PUBLIC_GATEWAY})
    plan: Plan = {
        "name": name,
        "scenario": scenario.name,
        "release": release,
        "backend": backend,
        "iptables": iptables,
        "network_id": network_id,
        "subnet_id": subnet_id,
        "router_id": router_id,
        "security_group_id": sg_id,
        "private_cidr": PRIVATE_CIDR,
        "private_gateway": PRIVATE_GATEWAY,
        "public_cidr": PUBLIC_CIDR,
        "public_gateway": PUBLIC_GATEWAY,
        "local_vlan": LOCAL_VLAN,
        "qrouter_ns": f"qrouter-{router_id}",
        "qdhcp_ns": f"qdhcp-{network_id}",
        "dhcp_port_id": dhcp_port,
        "dhcp_tap": device("tap", dhcp_port),
        "dhcp_ip": dhcp_ip,
        "dhcp_mac": _mac(rng),
        "dhcp_running": scenario.dhcp,
        "qr_port_id": qr_port,
        "qr_dev": device("qr-", qr_port),
        "qr_mac": _mac(rng),
        "qg_port_id": qg_port,
        "qg_dev": device("qg-", qg_port),
        "qg_ip": qg_ip,
        "qg_mac": _mac(rng),
        "metadata": scenario.metadata,
        "metadata_proxy": None,
        "instance_id": None,
        "port_id": None,
        "tap": None,
        "qbr": None,
        "qvb": None,
        "qvo": None,
        "fixed_ip": None,
        "mac": None,
        "chain_in": None,
        "chain_out": None,
        "chain_spoof": None,
        "sg_rules": [rule.to_dict() for rule in scenario.security_group_rules],
        "extras": [dict(step) for step in scenario.extras],
        "floating_ip_id": None,
        "floating_ip": None,
        "ofport": None,
        "ovnmeta_ns": None,
    }
    if scenario.instance:
        port_id = _uuid(rng)
        plan.update(
            instance_id=_uuid(rng),
            port_id=port_id,
            tap=device("tap", port_id),
            qbr=device("qbr", port_id),
            qvb=device("qvb", port_id),
            qvo=device("qvo", port_id),
            fixed_ip=fixed_ip,
            mac=_mac(rng),
            chain_in=port_chain("i", port_id),
            chain_out=port_chain("o", port_id),
            chain_spoof=port_chain("s", port_id),
        )
    else:
        plan["sg_rules"] = []
    if scenario.floating_ip and scenario.instance:
        plan.update(floating_ip_id=_uuid(rng), floating_ip=floating_ip)
    return _for_backend(plan, backend)


def _for_backend(plan: Plan, backend: str) -> Plan:
    """Leave out what BACKEND does not have (docs/releases.md)."""
    if backend == "hybrid":
        return plan
    plan.update(qbr=None, qvb=None, qvo=None, chain_in=None, chain_out=None, chain_spoof=None)
    if plan["port_id"]:
        plan["ofport"] = INSTANCE_OFPORT
    if backend == "ovn":
        plan.update(qrouter_ns=None, qdhcp_ns=None, dhcp_running=False)
        plan["ovnmeta_ns"] = f"ovnmeta-{plan['network_id']}"
    return plan
