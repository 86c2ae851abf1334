"""cleanup.*: after deleting the instance and releasing the floating IP, nothing is left."""

from __future__ import annotations

from checks._common import lines
from checks._registry import check
from grader.facts import Facts
from grader.facts.instances import PORT_CHAIN
from grader.outcome import Outcome, failed, passed


@check("cleanup_instance")
def cleanup_instance(facts: Facts) -> Outcome:
    """No instance tap, no qbr/qvb/qvo and no per-port security-group chains are left."""
    expected = "no tap/qbr/qvb/qvo devices and no neutron-openvswi-[ios]<port> chains"
    left = [
        link.line
        for link in facts.root.links
        if link.name.startswith(("qbr", "qvb", "qvo"))
        or (instance_tap(link.name) and not (link.peer or "").startswith("if"))
    ]
    chains = [c for c in facts.root.rules.chains("filter") if PORT_CHAIN.match(c)]
    see = "ip a; " + facts.root.iptables("-S | grep neutron-openvswi-")
    if left or chains:
        evidence = ""
        if left:
            evidence += "devices left:\n" + lines(left) + "\n"
        if chains:
            evidence += "chains left: " + ", ".join(chains[:12])
        return failed(evidence.strip(), expected, see)
    return passed("no instance devices or per-port chains", see, expected)


def instance_tap(name: str) -> bool:
    return name.startswith("tap") and len(name) == 14


@check("cleanup_floating_ip")
def cleanup_floating_ip(facts: Facts) -> Outcome:
    """No floating /32 on any router's qg- and no floating-IP DNAT/SNAT rules."""
    expected = "no /32 on qg- besides the router's own address, no DNAT/SNAT for a floating IP"
    left: list[str] = []
    see = "sudo ip netns list"
    for name, view in facts.namespaces.items():
        if not name.startswith("qrouter-"):
            continue
        see = view.iptables("-t nat -S") + "; " + view.run("ip a")
        qg = [a for a in view.addresses if a.ifname.startswith("qg-") and a.family == "inet"]
        own = [a for a in qg if a.prefixlen < 32][:1] or qg[:1]
        left += [a.line for a in qg if a.prefixlen == 32 and a not in own]
        for rule in view.rules.rules("nat"):
            if (rule.target == "DNAT" and (rule.value("-d") or "").endswith("/32")) or (
                rule.target == "SNAT" and (rule.value("-s") or "").endswith("/32")
            ):
                left.append(rule.line)
    if left:
        return failed("left over:\n" + lines(left), expected, see)
    return passed("no floating IP addresses or NAT rules left", see, expected)
