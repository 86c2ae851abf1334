"""The L3 agent's router: qrouter namespace, qr-/qg- addresses, floating IPs and their NAT."""

from __future__ import annotations

import ipaddress

from grader.facts.namespace import NamespaceView
from grader.facts.types import NatRule, Router
from grader.parsers.ip_addr import Address
from grader.parsers.iptables_save import Ruleset

HOOKS = ("PREROUTING", "OUTPUT", "POSTROUTING")


def build_router(
    view: NamespaceView,
    snat_view: NamespaceView | None = None,
    fips: tuple[NamespaceView, ...] = (),
) -> Router:
    """The router of qrouter VIEW. A distributed router (DVR: an rfp- device in it, or its
    snat-<router id> namespace SNAT_VIEW) keeps qg-, the router's address and default route in SNAT,
    and its floating IPs as routes `F via <rfp- address> dev fpr-...` in the fip- namespaces
    FIPS (neutron/agent/l3/dvr_local_router.py floating_ip_added_dist)."""
    assert view.name is not None
    dvr = snat_view is not None or bool(view.links_named("rfp-"))
    outside = snat_view if dvr and snat_view is not None else view
    qg = [a for a in outside.addresses if a.ifname.startswith("qg-") and a.family == "inet"]
    own = [a for a in qg if a.prefixlen < 32]
    gateway = own[0] if own else (qg[0] if qg else None)
    floating = tuple(a for a in qg if a.prefixlen == 32 and a is not gateway)
    if dvr:
        floating += _fip_routes(view, fips)
    default = next(
        (r for r in outside.routes if r.is_default and (r.dev or "").startswith("qg-")),
        next((r for r in outside.routes if r.is_default), None),
    )
    dnat, snat = nat_rules(view.rules)
    into = reach(view.rules, "PREROUTING") | reach(view.rules, "OUTPUT")
    out = reach(view.rules, "POSTROUTING")
    router = Router(
        ns=view.name,
        view=view,
        internal=tuple(
            a for a in view.addresses if a.ifname.startswith("qr-") and a.family == "inet"
        ),
        gateway=gateway,
        floating=floating,
        default_route=default,
        dnat=tuple(n for n in dnat if n.rule.chain in into),
        snat=tuple(n for n in snat if n.rule.chain in out),
        nat_anywhere=dnat + snat,
        dvr=dvr,
        gateway_view=snat_view if dvr else None,
    )
    fip_problems = [fip.problem("routes") for fip in fips] if dvr else []
    for names, problem in (
        (("internal",), view.problem("addresses")),
        (("gateway", "floating"), outside.problem("addresses")),
        (("floating",), next((p for p in fip_problems if p), None)),
        (("floating",), view.problem("addresses") if dvr else None),  # rfp- tells whose
        (("default_route",), outside.problem("routes")),
        (("dnat", "snat", "nat_anywhere"), view.problem("rules")),
    ):
        for name in names:
            router.refuse(name, problem)
    return router


def _fip_routes(view: NamespaceView, fips: tuple[NamespaceView, ...]) -> tuple[Address, ...]:
    """DVR floating IPs: host routes in a fip- namespace via this router's rfp- address, shown
    as addresses of the fpr- device they leave by (the line is the route's)."""
    rfp = [a for a in view.addresses if a.ifname.startswith("rfp-") and a.family == "inet"]
    found: list[Address] = []
    for fip in fips:
        for route in fip.routes:
            host = _host(route.dest)
            if host is None or not (route.dev or "").startswith("fpr-"):
                continue
            if rfp and not any(a.address == route.via for a in rfp):
                continue  # another router's
            line = f"{route.line}   (in {fip.name})"
            found.append(Address(route.dev or "", "inet", host, 32, line))
    return tuple(found)


def reach(rules: Ruleset, hook: str) -> set[str]:
    """nat-table chains that packets entering the built-in chain HOOK go through."""
    return rules.reachable("nat", hook)


def nat_rules(rules: Ruleset) -> tuple[tuple[NatRule, ...], tuple[NatRule, ...]]:
    """(DNAT floating -> fixed, SNAT fixed -> floating) one-to-one rules of the nat table, in
    whatever chain they are (reached from a hook or not)."""
    dnat: list[NatRule] = []
    snat: list[NatRule] = []
    for rule in rules.rules("nat"):
        if rule.target == "DNAT":
            floating = _host(rule.value("-d"))
            fixed = _address(rule.value("--to-destination"))
            if floating and fixed:
                dnat.append(NatRule("DNAT", floating, fixed, rule))
        elif rule.target == "SNAT":
            fixed = _host(rule.value("-s"))
            floating = _address(rule.value("--to-source"))
            if floating and fixed:
                snat.append(NatRule("SNAT", floating, fixed, rule))
    return tuple(dnat), tuple(snat)


def _host(value: str | None) -> str | None:
    """'172.24.4.229/32' or '172.24.4.229' -> the address; a wider network -> None."""
    if not value:
        return None
    address, _, prefix = value.partition("/")
    if prefix and prefix != "32":
        return None
    return _address(address)


def _address(value: str | None) -> str | None:
    """'10.0.0.12' or '10.0.0.12:80' or '10.0.0.12-10.0.0.12' -> '10.0.0.12'."""
    if not value:
        return None
    address = value.split("-")[0].split(":")[0]
    try:
        return str(ipaddress.IPv4Address(address))
    except ValueError:
        return None
