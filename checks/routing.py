"""routing.*: the router's qr-/qg- addresses, its default route and the floating IP on qg-."""

from __future__ import annotations

from checks._common import for_instance, gateway_view, lines, no_router, router_or_error
from checks._registry import check
from grader.facts import Facts
from grader.facts.router import reach
from grader.outcome import Outcome, failed, passed


@check("router_interfaces")
def router_interfaces(facts: Facts) -> Outcome:
    """qr- (the private subnet's gateway) and qg- (the router's public address) have addresses."""
    router = router_or_error(facts, needs=("link", "addr"))
    if router is None:
        return no_router()
    outside = gateway_view(router, "link", "addr")
    see = router.view.run("ip a")
    expected = "qr-<port> with the private gateway address, qg-<port> with a public address"
    if router.dvr:
        see += "; " + outside.run("ip a")
        expected += " (DVR: qg- in snat-<router id>)"
    problems = []
    if not router.internal:
        problems.append("no IPv4 address on a qr- device")
    if router.gateway is None:
        problems.append(f"no IPv4 address on a qg- device in {outside.name}")
    found = [a.line for a in router.internal] + ([router.gateway.line] if router.gateway else [])
    if problems:
        shown = [router.view] + ([outside] if outside is not router.view else [])
        devices = "\n".join(
            f"devices in {view.name}:\n"
            + lines(link.line for link in view.links if link.name != "lo")
            for view in shown
        )
        return failed("; ".join(problems) + f"\n{devices}", expected=expected, see=see)
    if router.dvr:
        found.append(f"(a distributed router: qg- in {outside.name})")
    return passed(lines(found), see=see, expected=expected)


@check("default_route")
def default_route(facts: Facts) -> Outcome:
    """The router's default route goes via the public gateway on its qg- device."""
    router = router_or_error(facts, needs=("route", "addr"))
    if router is None:
        return no_router()
    outside = gateway_view(router, "route", "addr")
    see = outside.run("ip route show")
    expected = "default via <public gateway> dev qg-<port>"
    route = router.default_route
    if route is None or not (route.dev or "").startswith("qg-") or not route.via:
        table = lines((r.line for r in outside.routes), "(empty routing table)")
        return failed(
            f"no default route via a gateway on qg-; routes:\n{table}", expected=expected, see=see
        )
    if router.gateway and not any(
        a.contains(route.via) for a in outside.addresses_of(route.dev or "")
    ):
        return failed(
            f"{route.line}\n(the gateway {route.via} is not on qg-'s subnet {router.gateway.cidr})",
            expected=expected,
            see=see,
        )
    return passed(route.line, see=see, expected=expected)


@check("floating_ip")
def floating_ip(facts: Facts) -> Outcome:
    """qg- carries a /32 (the floating IP) besides the router's own address, tied to the
    instance by its DNAT (reached from PREROUTING) or its SNAT (reached from POSTROUTING): a
    missing DNAT costs nat.dnat, not this too. A /32 with no NAT behind it, or with no instance,
    is not a floating IP."""
    router = router_or_error(facts, needs=("addr", "rules"))
    if router is None:
        return no_router()
    see = router.view.run("ip a")
    expected = (
        "a /32 address on qg-<port> besides the router's own address, NATed to the instance "
        "(DNAT to it or SNAT from it)"
    )
    if router.dvr:
        see = "sudo ip netns exec fip-<external network id> ip route"
        expected += " (DVR: a route `<floating> via <rfp- address> dev fpr-...` in fip-)"
    if not router.floating:
        where = router.gateway_view or router.view
        qg = [a.line for a in where.addresses if a.ifname.startswith("qg-")]
        dvr = " nor a route to one in a fip- namespace (DVR)" if router.dvr else ""
        return failed(
            f"no floating IP (/32) on qg-{dvr}; qg- holds:\n" + lines(qg),
            expected=expected,
            see=see,
        )
    shown = lines(a.line for a in router.floating)
    if facts.instance is None:
        return failed(
            f"{shown}\nno instance was found, so no /32 on qg- can be its floating IP "
            "(a floating IP left over after the instance was deleted)",
            expected=expected,
            see=see,
        )
    pre = reach(router.view.rules, "PREROUTING")
    dnat = {n.floating for n in for_instance(facts, router.dnat) if n.rule.chain in pre}
    snat = {n.floating for n in for_instance(facts, router.snat)}
    behind = [a for a in router.floating if a.address in dnat | snat]
    if not behind:
        whose = "the instance's fixed IP" if facts.instance.fixed_ips else "the instance"
        return failed(
            "a /32 on qg- is a floating IP only when DNAT (reached from PREROUTING) sends it to "
            f"{whose} or SNAT (reached from POSTROUTING) maps {whose} to it; none does:\n" + shown,
            expected=expected,
            see=see,
        )
    evidence = lines(a.line for a in behind)
    missing = [f"{a.address} has no DNAT to the instance (nat.dnat)" for a in behind]
    missing = [m for a, m in zip(behind, missing) if a.address not in dnat]
    missing += [
        f"{a.address} has no SNAT from the instance (nat.snat)"
        for a in behind
        if a.address not in snat
    ]
    if missing:
        evidence += "\n(tied to the instance by one NAT rule only: " + "; ".join(missing) + ")"
    if facts.instance.floating_ip:
        evidence += f"\n(the instance's floating IP: {facts.instance.floating_ip})"
    return passed(evidence, see=see, expected=expected)
