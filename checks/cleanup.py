"""cleanup.*: after deleting the instance and releasing the floating IP, nothing is left."""

from __future__ import annotations

from checks._common import lines, view_or_error
from checks._registry import check
from checks.ovn import NBCTL, northbound
from grader.facts import NATIVE, OVN, Facts
from grader.facts.instances import DEVICE, PORT_CHAIN
from grader.outcome import Outcome, failed, passed


@check("cleanup_instance")
def cleanup_instance(facts: Facts) -> Outcome:
    """No instance tap, no qbr/qvb/qvo and no per-port security-group chains are left."""
    expected = "no tap/qbr/qvb/qvo devices and no neutron-openvswi-[ios]<port> chains"
    view_or_error(facts.root, "link")
    if facts.backend not in (OVN, NATIVE):  # the backends that keep per-port chains
        view_or_error(facts.root, "rules")
    taps = {i.tap for i in (facts.instance, *facts.other_instances) if i is not None}
    left = [
        link.line
        for link in facts.root.links
        if (match := DEVICE.match(link.name)) and (match.group(1) != "tap" or link.name in taps)
    ]
    chains = [c for c in facts.root.rules.chains("filter") if PORT_CHAIN.match(c)]
    see = "ip a; " + facts.root.iptables("-S | grep neutron-openvswi-")
    if left or chains:
        evidence = ""
        if left:
            evidence += "devices left:\n" + lines(left) + "\n"
        if chains:
            evidence += "chains left: " + ", ".join(chains[:12])
        return failed(evidence.strip(), expected=expected, see=see)
    return passed("no instance devices or per-port chains", see=see, expected=expected)


@check("cleanup_floating_ip")
def cleanup_floating_ip(facts: Facts) -> Outcome:
    """No floating /32 on any router's qg- and no floating-IP DNAT/SNAT rules (ML2/OVN: no
    dnat_and_snat NAT row)."""
    expected = "no /32 on qg- besides the router's own address, no DNAT/SNAT for a floating IP"
    left: list[str] = []
    see = "sudo ip netns list"
    for router in facts.routers:
        view_or_error(router.view, "addr", "rules")
        see = router.view.iptables("-t nat -S") + "; " + router.view.run("ip a")
        left += [a.line for a in router.floating]
        left += [nat.rule.line for nat in router.nat_anywhere]
    if facts.backend == OVN:
        nb = northbound(facts, "router", "nat")
        see = f"{NBCTL} find NAT type=dnat_and_snat"
        left += [
            f"{r.name}: {n.line}" for r in nb.routers for n in r.nat if n.type == "dnat_and_snat"
        ]
    if left:
        return failed("left over:\n" + lines(left), expected=expected, see=see)
    return passed("no floating IP addresses or NAT rules left", see=see, expected=expected)
