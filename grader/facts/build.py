"""build_facts(snapshot) -> Facts: discovery, never configuration.

Finds the graded instance (the one whose fixed IP a floating IP is NATed to), its router,
its DHCP namespace and the dnsmasq serving it, and the backend the host runs.
"""

from __future__ import annotations

import re
from typing import Any

from grader.backends import NATIVE, OVN
from grader.facts.backend import recognise
from grader.facts.dhcp_agent import find_dnsmasq
from grader.facts.graded_parts import (
    graded_instance,
    pick_dhcp,
    pick_router,
    with_floating,
    with_flows,
    with_lone_dnat,
    with_northbound,
)
from grader.facts.instances import find_instances
from grader.facts.namespace import NamespaceView, namespace_view, parse_safely, record_problem
from grader.facts.ovn_northbound import build_northbound
from grader.facts.router import build_router
from grader.facts.sourced import building
from grader.facts.types import Facts
from grader.facts.unreadable import gather_problems, refuse_unreadable
from grader.parsers.netns import parse_identify, parse_netns_list, parse_pids
from grader.parsers.numbers import ascii_int
from grader.parsers.ovn_nbctl import parse_ofports
from grader.parsers.ovs import parse_flows, parse_names
from grader.parsers.processes import parse_processes
from grader.snapshot import Snapshot

WALKED = re.compile(r"^(qrouter|qdhcp|ovnmeta|fip|snat)-[A-Za-z0-9_.-]+$")  # as gather.sh


def build_facts(snapshot: Snapshot) -> Facts:
    with building():
        facts = _build(snapshot)
        refuse_unreadable(facts)
    return facts


def _build(snapshot: Snapshot) -> Facts:
    listed = snapshot.root("netns_list")
    names = parse_netns_list(listed.out) if listed is not None and listed.ok else []
    listed_names = set(names)
    names += [n for n in snapshot.namespaces() if n not in listed_names]
    walked = snapshot.namespaces()
    if not snapshot.complete:  # listed, but the gather was cut before it walked them
        seen = set(walked)
        walked += [n for n in names if n not in seen and WALKED.match(n) and len(n) <= 200]
    facts = Facts(
        snapshot=snapshot,
        root=namespace_view(snapshot, None),
        namespaces={name: namespace_view(snapshot, name) for name in walked},
        namespace_names=names,
    )
    gather_problems(facts)
    _ovs(facts)
    processes = snapshot.root("processes")
    if processes is not None:
        facts.processes, problem = parse_safely(parse_processes, processes)
        if problem is not None:  # the checks that read processes are `error`, the rest graded
            facts.processes = []
            for name in ("processes", "pid_netns", "dnsmasq"):
                facts.refuse(name, f"`ps -eww -o pid,args`: {problem}")
    facts.pid_netns = _pid_netns(snapshot)
    _openflow(facts)
    facts.backend, facts.backend_problem = recognise(facts)
    facts.northbound = build_northbound(snapshot)

    instances, facts.stale_ports = find_instances(facts.root, facts.namespace_names)
    fips = tuple(v for n, v in facts.namespaces.items() if n.startswith("fip-"))
    routers = [
        build_router(v, facts.namespaces.get("snat-" + n.removeprefix("qrouter-")), fips)
        for n, v in facts.namespaces.items()
        if n.startswith("qrouter-")
    ]
    facts.routers = routers
    instances = [with_flows(instance, facts) for instance in instances]
    instances = [with_floating(instance, routers) for instance in instances]
    if facts.backend == NATIVE and len(instances) == 1 and not instances[0].fixed_ips:
        instances = [with_lone_dnat(instances[0], routers)]
    instances = [with_northbound(instance, facts.northbound) for instance in instances]
    facts.instance, facts.other_instances = graded_instance(instances)
    facts.router = pick_router(routers, facts.instance)
    facts.dhcp = pick_dhcp(facts, facts.instance)
    facts.dnsmasq = find_dnsmasq(facts.processes, facts.pid_netns)
    facts.discovered = _discovered(facts)
    return facts


def _ovs(facts: Facts) -> None:
    listed = facts.snapshot.root("ovs_list_br")
    if listed is None or not listed.ok:
        detail = (listed.err.strip() if listed else "") or "ovs-vsctl list-br failed"
        facts.ovs_error = detail.splitlines()[0][:200] if listed else "not gathered"
        return
    facts.ovs_bridges = {}
    for bridge in parse_names(listed.out):
        ports = facts.snapshot.root("ovs_list_ports", bridge)
        facts.ovs_bridges[bridge] = parse_names(ports.out) if ports and ports.ok else []


def _openflow(facts: Facts) -> None:
    """br-int's flows and ofports; openflow_error says which of the two could not be read."""
    flows = facts.snapshot.root("ovs_flows_br_int")
    shown = facts.snapshot.root("ovs_ofctl_show_br_int")
    problems = [
        f"`ovs-ofctl {what} br-int`: {record_problem(record)}"
        for what, record in (("dump-flows", flows), ("show", shown))
        if record is None or not record.ok
    ]
    if flows is not None and flows.ok:
        facts.flows, problem = parse_safely(parse_flows, flows)
        problems += [f"`ovs-ofctl dump-flows br-int`: {problem}"] if problem else []
    if shown is not None and shown.ok:
        facts.ofports, problem = parse_safely(parse_ofports, shown)
        problems += [f"`ovs-ofctl show br-int`: {problem}"] if problem else []
    facts.flows, facts.ofports = facts.flows or [], facts.ofports or {}
    facts.openflow_error = "; ".join(problems) or None


def _pid_netns(snapshot: Snapshot) -> dict[int, str]:
    found: dict[int, str] = {}
    for record in snapshot.by_key("netns_pids"):
        if record.ok and record.arg:
            for pid in parse_pids(record.out):
                found[pid] = record.arg
    for record in snapshot.by_key("netns_identify"):
        pid = ascii_int(record.arg or "")
        if record.ok and pid is not None:
            names = parse_identify(record.out)
            found.setdefault(pid, names[0] if names else "")
    return found


def _discovered(facts: Facts) -> dict[str, Any]:
    """What was found, as machine keys (docs/json-schema.md): a name or address, null when it
    was not found; lists for what may be several; prose goes to `notes`."""
    instance = facts.instance
    rules = _rules_view(facts)
    shows_chain = instance is not None and (
        facts.backend not in (NATIVE, OVN) or instance.chain_in_wired
    )
    notes: list[str] = []
    if rules is not None and not rules.rules_tool:
        notes.append(f"no iptables rules could be read: {rules.rules_error}")
    if rules is not None and rules.rules_note:
        notes.append(rules.rules_note)
    notes += [f"gather problem: {problem}" for problem in facts.problems]
    return {
        "backend": facts.backend or None,
        "instance_port": instance.port if instance else None,
        "tap": (instance.tap or None) if instance else None,
        "bridge": (instance.bridge or None) if instance else None,
        "inbound_chain": instance.chain_in if shows_chain and instance else None,
        "inbound_chain_wired": instance.chain_in_wired if shows_chain and instance else None,
        "fixed_ip": instance.fixed_ips[0] if instance and instance.fixed_ips else None,
        "fixed_ips": list(instance.fixed_ips) if instance else [],
        "floating_ip": (instance.floating_ip or None) if instance else None,
        "router": facts.router.ns if facts.router else None,
        "network": facts.dhcp.ns if facts.dhcp else None,
        "rules_source": (rules.rules_tool or None) if rules is not None else None,
        "rules_namespace": None if rules is None or rules is facts.root else "router",
        "other_instances": [i.tap or i.port for i in facts.other_instances],
        "other_routers": [r.ns for r in facts.routers if r is not facts.router],
        "notes": notes,
    }


def _rules_view(facts: Facts) -> NamespaceView | None:
    """Where the graded iptables rules are: the root namespace (security groups), with the
    native firewall the router's namespace (NAT only), with ML2/OVN nowhere."""
    if facts.backend == OVN:
        return None
    if facts.backend == NATIVE:
        return facts.router.view if facts.router else None
    return facts.root
