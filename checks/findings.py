"""findings.*: the lab's exploration, graded against the student's own host.

The lab asks students to look things up ("Try to identify the name of the chain for your
instance", "Look for the --interface argument", "Look at how the routing is configured").
Each finding is a question whose right answer is computed from this host's facts; the student
writes answers into a file (`labgrade answers > answers.yaml`, then `check --answers`). Answers
differ per host (UUIDs, addresses), so copied answers fail. A failed finding tells how to find
the answer, never the answer itself.

    - id: findings.inbound-chain
      check: finding
      params: {answer: inbound-chain, question: "The name of your instance's inbound chain?"}
"""

from __future__ import annotations

from collections.abc import Callable
from shlex import quote

from checks._registry import check
from grader.backends import OVN
from grader.facts import Facts
from grader.outcome import CannotGrade, Outcome, failed, passed

METADATA_IP = "169.254.169.254"


def normalize(text: object) -> str:
    """An answer as compared: case, surrounding space, quotes and backticks do not matter,
    nor a host prefix length (/32) on an address."""
    word = str(text).strip().strip("`'\"").strip().casefold()
    return word.split("/", 1)[0] if word[:1].isdigit() else word


def _inbound_chain(facts: Facts) -> tuple[set[str], str]:
    instance = facts.instance
    see = "sudo iptables -S | grep -- '-A neutron-openvswi-i'"
    return ({instance.chain_in} if instance else set()), see


def _dhcp_interface(facts: Facts) -> tuple[set[str], str]:
    dhcp = facts.dhcp
    if dhcp is None:
        return set(), "sudo ip netns list"
    listening = {name for d in facts.dnsmasq for name in d.interfaces if name in dhcp.taps}
    return listening or set(dhcp.taps), "ps ww $(pgrep dnsmasq)"


def _router_namespace(facts: Facts) -> tuple[set[str], str]:
    return ({facts.router.ns} if facts.router else set()), "sudo ip netns list"


def _fixed_ip(facts: Facts) -> tuple[set[str], str]:
    instance = facts.instance
    if facts.backend == OVN:
        nb = facts.northbound
        fixed = set(instance.fixed_ips) if instance else set()
        rows = [n for r in (nb.routers if nb else []) for n in r.nat if n.type == "dnat_and_snat"]
        return {n.logical_ip for n in rows if n.logical_ip in fixed}, "sudo ovn-nbctl lr-nat-list"
    see = "sudo ip netns exec <the qrouter namespace> iptables -t nat -S | grep DNAT"
    if facts.router is not None:
        see = f"sudo ip netns exec {quote(facts.router.ns)} iptables -t nat -S | grep DNAT"
    if instance is None or instance.floating_ip is None:
        return set(), see
    return set(instance.fixed_ips), see


def _metadata_port(facts: Facts) -> tuple[set[str], str]:
    router = facts.router
    if router is None:
        return set(), "sudo ip netns list"
    ports = {
        str(rule.value("--to-ports"))
        for rule in router.view.rules.rules("nat")
        if rule.target == "REDIRECT" and (rule.value("-d") or "").startswith(METADATA_IP)
    }
    return ports, f"sudo ip netns exec {quote(router.ns)} iptables -t nat -S | grep REDIRECT"


def _default_gateway(facts: Facts) -> tuple[set[str], str]:
    if facts.backend == OVN:
        nb = facts.northbound
        hops = {
            hop
            for r in (nb.routers if nb else [])
            for prefix, hop in r.routes
            if prefix in ("0.0.0.0/0", "0.0.0.0")
        }
        return hops, "sudo ovn-nbctl lr-route-list <router>"
    router = facts.router
    if router is None:
        return set(), "sudo ip netns list"
    via = router.default_route.via if router.default_route else None
    return ({via} if via else set()), f"sudo ip netns exec {quote(router.ns)} ip route show"


# answer name (the key in the answers file) -> (acceptable answers on this host, command)
ANSWERS: dict[str, Callable[[Facts], tuple[set[str], str]]] = {
    "inbound-chain": _inbound_chain,
    "dhcp-interface": _dhcp_interface,
    "router-namespace": _router_namespace,
    "fixed-ip": _fixed_ip,
    "metadata-port": _metadata_port,
    "default-gateway": _default_gateway,
}


@check("finding")
def finding(facts: Facts, *, answer: str, question: str = "", given: str | None = None) -> Outcome:
    """GIVEN, the student's answer to QUESTION (the answers file's key ANSWER), is what this
    host shows. GIVEN comes from `--answers` (grader.answers_file.with_answers); None: no file."""
    if answer not in ANSWERS:
        raise CannotGrade(f"no such finding {answer!r} (known: {', '.join(ANSWERS)})")
    truth, see = ANSWERS[answer](facts)
    expected = f"the answer this host shows ({see})"
    if given is None:
        return failed(
            "no answers given: `labgrade answers > answers.yaml`, fill it in, then"
            " `labgrade check --answers answers.yaml`",
            expected=expected,
            see=see,
        )
    if not str(given).strip():
        return failed(f"not answered yet: {answer}", expected=expected, see=see)
    if not truth:
        return failed(
            f"your answer {given!r}: this host shows nothing to find for it yet",
            expected=expected,
            see=see,
        )
    if normalize(given) in {normalize(t) for t in truth}:
        return passed(f"{answer}: {given}", see=see, expected=expected)
    return failed(f"your answer {given!r} is not what this host shows", expected=expected, see=see)
