"""build_facts(snapshot) -> Facts: discovery, never configuration.

Finds the graded instance (the one whose fixed IP a floating IP is NATed to), its router,
its DHCP namespace and the dnsmasq serving it, and the backend the host runs.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from typing import Any

from grader.backends import NATIVE, OVN
from grader.facts.backend import RECOGNITION_RECORDS, by_its_own_marks, recognise
from grader.facts.dhcp_agent import build_dhcp, find_dnsmasq
from grader.facts.instances import find_instances
from grader.facts.namespace import NamespaceView, namespace_view, parse_safely, record_problem
from grader.facts.openflow import flow_fixed_ips
from grader.facts.ovn_northbound import Northbound, build_northbound
from grader.facts.router import build_router
from grader.facts.sourced import building, command_text, cut_point, unusable_reason
from grader.facts.types import Dhcp, Facts, Instance, Router
from grader.parsers.ip_addr import Address
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
        _refuse_unreadable(facts)
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
    _gather_problems(facts)
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
    instances = [_with_flows(instance, facts) for instance in instances]
    instances = [_with_floating(instance, routers) for instance in instances]
    if facts.backend == NATIVE and len(instances) == 1 and not instances[0].fixed_ips:
        instances = [_with_lone_dnat(instances[0], routers)]
    instances = [_with_northbound(instance, facts.northbound) for instance in instances]
    facts.instance, facts.other_instances = _graded(instances)
    facts.router = _pick_router(routers, facts.instance)
    facts.dhcp = _pick_dhcp(facts, facts.instance)
    facts.dnsmasq = find_dnsmasq(facts.processes, facts.pid_netns)
    facts.discovered = _discovered(facts)
    return facts


def _refuse_unreadable(facts: Facts) -> None:
    """Mark every fact read from an unusable record (grader/facts/sourced.py): reading it in a
    check is then an `error` with the record's reason, never a `fail` on an empty listing."""
    snapshot = facts.snapshot
    listed = unusable_reason(snapshot, snapshot.root("netns_list"), "netns_list")
    for name in ("namespace_names", "namespaces", "routers", "router", "dhcp"):
        facts.refuse(name, listed)
    processes = unusable_reason(snapshot, snapshot.root("processes"), "processes")
    pids = None
    for ns in facts.namespaces:
        found = snapshot.find("netns_pids", None, ns)
        pids = pids or unusable_reason(snapshot, found, "netns_pids", None, ns)
    facts.refuse("processes", processes)
    facts.refuse("pid_netns", processes or pids)
    facts.refuse("dnsmasq", processes)
    if pids and any(server.netns is None for server in facts.dnsmasq):
        facts.refuse("dnsmasq", f"the namespace of a dnsmasq is unknown: {pids}")
    ovs = unusable_reason(snapshot, snapshot.root("ovs_list_br"), "ovs_list_br")
    facts.refuse("ovs_bridges", ovs)
    for bridge in facts.ovs_bridges or {}:
        found = snapshot.root("ovs_list_ports", bridge)
        problem = unusable_reason(snapshot, found, "ovs_list_ports", None, bridge)
        facts.refuse("ovs_bridges", problem)
    for attribute, key in (("flows", "ovs_flows_br_int"), ("ofports", "ovs_ofctl_show_br_int")):
        facts.refuse(attribute, unusable_reason(snapshot, snapshot.root(key), key))
    missing = [k for k in RECOGNITION_RECORDS if snapshot.root(k) is None]
    if missing and not snapshot.complete and not by_its_own_marks(facts):
        facts.refuse("backend_recognised", unusable_reason(snapshot, None, missing[0]))
    links = facts.root.problem("links")
    if facts.backend == OVN and not links:  # ovnmeta- names tell metadata veths from taps
        links = listed
    for name in ("instance", "other_instances", "stale_ports"):
        facts.refuse(name, links)
    rules = facts.root.problem("rules")
    if facts.backend not in (NATIVE, OVN):  # the hybrid's chains name the port's addresses
        facts.refuse("stale_ports", rules)
        for instance in [facts.instance, *facts.other_instances]:
            for name in ("chain_in", "chain_in_wired", "wiring_rule", "fixed_ips"):
                if instance is not None:
                    instance.refuse(name, rules)


def _gather_problems(facts: Facts) -> None:
    uid = facts.snapshot.root("id_u")
    if uid is not None and uid.ok and uid.out.strip() not in ("", "0"):
        facts.unprivileged = _refused(facts.snapshot, uid.out.strip())
        facts.problems.append(
            f"gathered as uid {uid.out.strip()}, not root: namespaces and iptables may be hidden"
            " (run labgrade as root, or pass --sudo)"
        )
    cut = cut_point(facts.snapshot)
    if cut:
        facts.gather_cut = (
            f"the gather was cut {cut}: what came after was never gathered, and the checks "
            "that read it are `error`"
        )
    if facts.snapshot.truncated:
        facts.problems.append("some command output was cut at the size cap")
    skipped = facts.snapshot.skipped_namespaces()
    if skipped:
        facts.problems.append(
            f"namespaces not looked into (unexpected names): {', '.join(skipped)[:300]}"
        )


def _refused(snapshot: Snapshot, uid: str) -> str | None:
    """What a gather as non-root UID could not read (None: nothing was refused, e.g. the user
    has the capabilities it needs)."""
    refused = [r for r in snapshot.records if r.rc not in (0, 127) and r.key != "extra"]
    if not refused:
        return None
    commands = list(dict.fromkeys(command_text(r.key) for r in refused))
    more = f" and {len(commands) - 3} more" if len(commands) > 3 else ""
    named = ", ".join(commands[:3]) + more
    first = " ".join((refused[0].err or refused[0].out).split())[:160] or f"exit {refused[0].rc}"
    return f"gathered as uid {uid}, not root: {named} failed ({first})"


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


def _with_flows(instance: Instance, facts: Facts) -> Instance:
    """INSTANCE with its fixed IPs from the native firewall's anti-spoofing flows (table 71),
    where the hybrid's iptables chains gave none."""
    ofport = facts.ofports.get(instance.tap or "")
    if instance.fixed_ips or ofport is None:
        return instance
    return replace(instance, fixed_ips=flow_fixed_ips(facts.flows, ofport))


def _with_lone_dnat(instance: Instance, routers: list[Router]) -> Instance:
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


def _with_floating(instance: Instance, routers: list[Router]) -> Instance:
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


def _with_northbound(instance: Instance, nb: Northbound | None) -> Instance:
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


def _graded(instances: list[Instance]) -> tuple[Instance | None, list[Instance]]:
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


def _pick_router(routers: list[Router], instance: Instance | None) -> Router | None:
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


def _pick_dhcp(facts: Facts, instance: Instance | None) -> Dhcp | None:
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
