"""ovn.*: the lab's steps where ML2/OVN keeps them: the OVN northbound database's port groups
and their ACLs (security groups) and DHCP options; the router, NAT and metadata checks are in
ovn_routing.py. A rule counts only in a port group that holds the instance's own switch port.
"""

from __future__ import annotations

import ipaddress
from shlex import quote

from checks._common import lines, no_instance
from checks._registry import check
from grader.facts import Facts
from grader.facts.namespace import record_problem
from grader.facts.ovn_northbound import TABLES, Acl, Northbound, Port, PortGroup
from grader.outcome import CannotGrade, Outcome, failed, passed
from grader.parsers.numbers import ascii_int

ALLOW = ("allow", "allow-related", "allow-stateless")
DROP_GROUP = "neutron_pg_drop"
NBCTL = "sudo ovn-nbctl"


def northbound(facts: Facts, *needs: str) -> Northbound:
    """The northbound database, once the tables the check reads (NEEDS: names of
    grader.facts.ovn_northbound.TABLES) were read: CannotGrade otherwise, since an unread
    table is empty."""
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
    if any(t.startswith("ip4.src") and "$" in t for t in terms):
        return False  # a remote-group rule (acl_remote_group_id): the group's members only
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
    if not any(within_cidr(ip, cidr) for ip in port.ips) or "router" not in options:
        return failed(
            f"DHCP options {cidr} {options} do not serve {port.ips}", expected=expected, see=see
        )
    return passed(f"cidr {cidr}, router {options['router']}", see=see, expected=expected)


def within_cidr(ip: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
