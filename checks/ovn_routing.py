"""ovn.* (routing): the router of ML2/OVN's northbound database (its ports, default route and
NAT rows: floating IP and SNAT) and the ovnmeta- metadata namespace. A NAT row counts only on
the router whose network holds the instance's fixed IP. The security groups and DHCP are in
ovn.py.
"""

from __future__ import annotations

from shlex import quote

from checks._common import lines
from checks._registry import check
from checks.ovn import NBCTL, northbound, within_cidr
from grader.facts import Facts
from grader.facts.ovn_northbound import Router
from grader.outcome import CannotGrade, Outcome, failed, passed


def _router(facts: Facts, *needs: str) -> Router | None:
    """The instance's logical router (the one whose network holds its fixed IP)."""
    nb = northbound(facts, "router", "router_port", *needs)
    routers = [r for r in nb.routers if r.name.startswith("neutron-")]
    fixed = facts.instance.fixed_ips if facts.instance else ()
    for router in routers:
        if any(within_cidr(ip, net) for ip in fixed for net in router.networks):
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
        good = [n for n in rows if not fixed or any(within_cidr(ip, n.logical_ip) for ip in fixed)]
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
    """The instance's ovnmeta- namespace (None: there is none)."""
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
