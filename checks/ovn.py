"""ovn.*: the lab's steps where ML2/OVN keeps them: the OVN northbound database (port groups and
their ACLs, the router's NAT rows and routes, DHCP options) and the ovnmeta- metadata namespace.

A rule counts only in a port group that holds the instance's own switch port; a NAT row only
on the router whose network holds the instance's fixed IP.
"""

from __future__ import annotations

import ipaddress
from shlex import quote

from checks._common import lines, no_instance, only_on
from checks._registry import check
from grader.facts import OVN, Facts
from grader.facts.namespace import record_problem
from grader.facts.ovn import TABLES, Acl, Northbound, Port, PortGroup, Router
from grader.outcome import CannotGrade, Outcome, failed, passed
from grader.parsers.numbers import ascii_int

ALLOW = ("allow", "allow-related", "allow-stateless")
DROP_GROUP = "neutron_pg_drop"
NBCTL = "sudo ovn-nbctl"


def northbound(facts: Facts, *needs: str) -> Northbound:
    """The northbound database, once the tables the check reads (NEEDS: names of
    grader.facts.ovn.TABLES) were read: CannotGrade otherwise, since an unread table is empty,
    and on another Neutron backend."""
    only_on(facts, OVN)
    nb = facts.northbound
    if nb is None:
        why = record_problem(facts.snapshot.root("ovn_nb_show"))
        raise CannotGrade(f"the OVN northbound database could not be read: {why}", f"{NBCTL} show")
    for need in needs:
        if need in nb.errors:
            table = TABLES[need][1]
            raise CannotGrade(
                f"the OVN northbound table {table} could not be read: {nb.errors[need]}",
                f"{NBCTL} list {table}",
            )
    return nb


def _port(facts: Facts, expected: str, *needs: str) -> tuple[Northbound, Port] | Outcome:
    nb = northbound(facts, "port", *needs)
    instance = facts.instance
    if instance is None:
        return failed(no_instance(facts), expected=expected, see="ip a")
    port = nb.port(instance.port)
    if port is None:
        return failed(
            f"no logical switch port named {instance.port}... (the instance's port)",
            expected=expected,
            see=f"{NBCTL} show",
        )
    return nb, port


def _groups(nb: Northbound, port: Port) -> list[PortGroup]:
    return [g for g in nb.groups_of(port) if g.name != DROP_GROUP]


def _terms(acl: Acl) -> list[str]:
    return [t.strip().strip("()").strip() for t in acl.match.split("&&")]


def _acl_allows(acl: Acl, group: str, protocol: str, port: int | None) -> bool:
    terms = _terms(acl)
    if acl.direction != "to-lport" or acl.action not in ALLOW:
        return False
    if f"outport == @{group}" not in terms:
        return False
    proto = "icmp4" if protocol == "icmp" else protocol
    if proto not in terms and (protocol != "icmp" or "icmp" not in terms):
        protocols = {"tcp", "udp", "icmp", "icmp4", "sctp"}
        restricted = any(t.startswith("ip4.src") for t in terms)
        return not protocols & set(terms) and not restricted
    if protocol == "icmp":
        types = [t for t in terms if t.startswith("icmp4.type")]
        return not types or any(t.endswith("== 8") for t in types)
    return _port_covered([t for t in terms if t.startswith(f"{proto}.dst")], port)


def _port_covered(conditions: list[str], port: int | None) -> bool:
    if port is None or not conditions:
        return True
    for condition in conditions:
        words = condition.split()
        number = ascii_int(words[2]) if len(words) == 3 else None
        if number is None:
            return False
        op = words[1]
        ok = {"==": port == number, ">=": port >= number, "<=": port <= number}.get(op, False)
        if not ok:
            return False
    return True


@check("ovn_port_group")
def ovn_port_group(facts: Facts) -> Outcome:
    """The instance's switch port is in its security group's port group (pg_<sg id with _>)."""
    expected = "the instance's port in a port group pg_<security group id> with to-lport ACLs"
    found = _port(facts, expected, "group", "acl")
    if isinstance(found, Outcome):
        return found
    nb, port = found
    groups = _groups(nb, port)
    see = f"{NBCTL} list Port_Group"
    if not groups:
        return failed(
            f"port {port.name} is in no security-group port group", expected=expected, see=see
        )
    evidence = [f"{g.name}: {len(g.acls)} ACLs" for g in groups]
    return passed(lines(evidence), see=see, expected=expected)


@check("ovn_sg_rule")
def ovn_sg_rule(facts: Facts, *, protocol: str, port: int | None = None) -> Outcome:
    """A to-lport allow ACL for PROTOCOL (and PORT) in a port group holding the instance."""
    what = (
        "icmp4"
        if protocol == "icmp"
        else protocol + (f" && {protocol}.dst == {port}" if port else "")
    )
    expected = f"to-lport 1002 (outport == @pg_... && ip4 && {what}) allow-related"
    found = _port(facts, expected, "group", "acl")
    if isinstance(found, Outcome):
        return found
    nb, lsp = found
    groups = _groups(nb, lsp)
    see = f"{NBCTL} acl-list {quote(groups[0].name)}" if groups else f"{NBCTL} list ACL"
    allowing = [
        acl for g in groups for acl in g.acls if _acl_allows(acl, g.name, protocol.lower(), port)
    ]
    if allowing:
        return passed(lines(a.line for a in allowing), see=see, expected=expected)
    listed = lines((a.line for g in groups for a in g.acls), "(no ACLs)")
    return failed(
        f"no ACL allows {what} to the instance's port; ACLs:\n{listed}", expected=expected, see=see
    )


@check("ovn_sg_stateful")
def ovn_sg_stateful(facts: Facts) -> Outcome:
    """The group's ACLs are allow-related (stateful) and the port is in neutron_pg_drop."""
    expected = f"allow-related ACLs, and the port in {DROP_GROUP} (drop at priority 1001)"
    found = _port(facts, expected, "group", "acl")
    if isinstance(found, Outcome):
        return found
    nb, port = found
    acls = [a for g in _groups(nb, port) for a in g.acls]
    drops = [a for g in nb.groups_of(port) if g.name == DROP_GROUP for a in g.acls]
    problems = []
    if not any(a.action == "allow-related" for a in acls):
        problems.append("no allow-related ACL")
    if not any(a.action == "drop" for a in drops):
        problems.append(f"the port is not in {DROP_GROUP} with a drop ACL")
    see = f"{NBCTL} acl-list {DROP_GROUP}"
    if problems:
        return failed("; ".join(problems), expected=expected, see=see)
    return passed(lines(a.line for a in [*acls[:3], *drops]), see=see, expected=expected)


@check("ovn_dhcp")
def ovn_dhcp(facts: Facts) -> Outcome:
    """OVN's native DHCP: the instance's port has DHCP options for its subnet, with a router."""
    expected = "dhcpv4_options on the instance's port: cidr = its subnet, options router=<gateway>"
    found = _port(facts, expected, "dhcp")
    if isinstance(found, Outcome):
        return found
    nb, port = found
    see = f"{NBCTL} list DHCP_Options"
    if port.dhcpv4 is None or port.dhcpv4 not in nb.dhcp:
        return failed(f"port {port.name} has no dhcpv4_options", expected=expected, see=see)
    cidr, options = nb.dhcp[port.dhcpv4]
    if not any(_within(ip, cidr) for ip in port.ips) or "router" not in options:
        return failed(
            f"DHCP options {cidr} {options} do not serve {port.ips}", expected=expected, see=see
        )
    return passed(f"cidr {cidr}, router {options['router']}", see=see, expected=expected)


def _within(ip: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _router(facts: Facts, *needs: str) -> Router | None:
    """The instance's logical router (the one whose network holds its fixed IP)."""
    nb = northbound(facts, "router", "router_port", *needs)
    routers = [r for r in nb.routers if r.name.startswith("neutron-")]
    fixed = facts.instance.fixed_ips if facts.instance else ()
    for router in routers:
        if any(_within(ip, net) for ip in fixed for net in router.networks):
            return router
    return routers[0] if routers else None


def _no_router() -> Outcome:
    return failed("no logical router neutron-<router id>", expected="a router", see=f"{NBCTL} show")


@check("ovn_router")
def ovn_router(facts: Facts) -> Outcome:
    """A logical router neutron-<id> with a port on the private and one on the public network."""
    router = _router(facts)
    if router is None:
        return _no_router()
    expected = "two router ports: the private gateway and the public address"
    see = f"{NBCTL} show {quote(router.name)}"
    if len(router.networks) < 2:
        return failed(
            f"{router.name} networks: {', '.join(router.networks)}", expected=expected, see=see
        )
    return passed(f"{router.name}: {', '.join(router.networks)}", see=see, expected=expected)


@check("ovn_default_route")
def ovn_default_route(facts: Facts) -> Outcome:
    """The router has a static default route (0.0.0.0/0 via the public gateway)."""
    router = _router(facts, "route")
    if router is None:
        return _no_router()
    see = f"{NBCTL} lr-route-list {quote(router.name)}"
    expected = "0.0.0.0/0 via <public gateway>"
    default = [r for r in router.routes if r[0] in ("0.0.0.0/0", "0.0.0.0")]
    if not default:
        return failed(f"routes: {router.routes or '(none)'}", expected=expected, see=see)
    return passed(f"{default[0][0]} via {default[0][1]}", see=see, expected=expected)


def _nat(facts: Facts, kind: str, expected: str) -> Outcome:
    router = _router(facts, "nat", "port")  # the instance's fixed IPs are its port's addresses
    if router is None:
        return _no_router()
    see = f"{NBCTL} lr-nat-list {quote(router.name)}"
    fixed = facts.instance.fixed_ips if facts.instance else ()
    rows = [n for n in router.nat if n.type == kind]
    if kind == "snat":
        good = [n for n in rows if not fixed or any(_within(ip, n.logical_ip) for ip in fixed)]
    else:
        good = [n for n in rows if n.logical_ip in fixed]
    if good:
        return passed(lines(n.line for n in good), see=see, expected=expected)
    listed = lines((n.line for n in router.nat), "(no NAT rows)")
    return failed(
        f"no {kind} row for {', '.join(fixed) or 'the instance'}:\n{listed}",
        expected=expected,
        see=see,
    )


@check("ovn_floating_ip")
def ovn_floating_ip(facts: Facts) -> Outcome:
    """A dnat_and_snat NAT row maps a floating IP to the instance's fixed IP."""
    return _nat(
        facts, "dnat_and_snat", "TYPE dnat_and_snat, EXTERNAL_IP <floating>, LOGICAL_IP <fixed>"
    )


@check("ovn_snat")
def ovn_snat(facts: Facts) -> Outcome:
    """A snat NAT row lets the instance's subnet out through the router's public address."""
    return _nat(facts, "snat", "TYPE snat, EXTERNAL_IP <router's address>, LOGICAL_IP <subnet>")


def _metadata_ns(facts: Facts) -> str | None:
    """The instance's ovnmeta- namespace (CannotGrade on another Neutron backend)."""
    only_on(facts, OVN)
    names = [n for n in facts.namespace_names if n.startswith("ovnmeta-")]
    fixed = facts.instance.fixed_ips if facts.instance else ()
    for name in names:
        view = facts.namespace(name)
        if view and any(a.contains(ip) for a in view.addresses for ip in fixed):
            return name
    return names[0] if names else None


@check("ovn_metadata_namespace")
def ovn_metadata_namespace(facts: Facts) -> Outcome:
    """An ovnmeta-<network id> namespace holds 169.254.169.254 and an address in the subnet."""
    expected = "ovnmeta-<network id> with 169.254.169.254/32 and an address in the subnet"
    name = _metadata_ns(facts)
    if name is None:
        listed = lines(facts.namespace_names, "(no namespaces)")
        return failed(
            f"no ovnmeta-* namespace; `ip netns list`:\n{listed}",
            expected=expected,
            see="sudo ip netns list",
        )
    view = facts.namespace(name)
    addresses = [
        a for a in (view.addresses if view else []) if a.family == "inet" and a.ifname != "lo"
    ]
    see = f"sudo ip netns exec {quote(name)} ip a"
    if not any(a.address == "169.254.169.254" for a in addresses):
        return failed(f"{name} lacks 169.254.169.254", expected=expected, see=see)
    return passed(lines(a.line for a in addresses), see=see, expected=expected)


@check("ovn_metadata_proxy")
def ovn_metadata_proxy(facts: Facts) -> Outcome:
    """haproxy listens on tcp/80 (169.254.169.254) in the ovnmeta- namespace."""
    expected = "a process listening on 169.254.169.254:80 in ovnmeta-<network id>"
    name = _metadata_ns(facts)
    if name is None:
        return failed("no ovnmeta-* namespace", expected=expected, see="sudo ip netns list")
    view = facts.namespace(name)
    see = f"sudo ip netns exec {quote(name)} ss -ltnp"
    if view is None or view.listeners is None:
        raise CannotGrade(f"the listening sockets in {name} could not be listed", see)
    listening = [item for item in view.listeners if item.port == 80]
    if listening:
        return passed(listening[0].line, see=see, expected=expected)
    shown = lines((item.line for item in view.listeners), "(nothing listens)")
    return failed(f"nothing listens on port 80 in {name}:\n{shown}", expected=expected, see=see)
