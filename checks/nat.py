"""nat.*: the floating IP's DNAT/SNAT pair and the metadata redirect/proxy in the qrouter.

Rules count only in chains reached from the built-in hook (PREROUTING, OUTPUT, POSTROUTING).
"""

from __future__ import annotations

from checks._common import (
    for_instance,
    lines,
    no_instance,
    no_router,
    router_or_error,
    rule_lines,
)
from checks._registry import check
from grader.facts import HYBRID, Facts, NatRule, Router
from grader.facts.router import reach
from grader.outcome import Outcome, failed, passed

METADATA_IP = "169.254.169.254"
NAT = ("addr", "rules")  # the floating IPs on qg- and the nat table


def _see(router: Router) -> str:
    return router.view.iptables("-t nat -S")


def _floating_candidates(facts: Facts, router: Router) -> list[str]:
    if facts.instance and facts.instance.floating_ip:
        return [facts.instance.floating_ip]
    found = [a.address for a in router.floating] + [n.floating for n in router.dnat]
    return list(dict.fromkeys(found))


def _dnat_pairs(facts: Facts, router: Router, floating: str) -> tuple[list[NatRule], list[NatRule]]:
    pre, out = reach(router.view.rules, "PREROUTING"), reach(router.view.rules, "OUTPUT")
    mine = [n for n in for_instance(facts, router.dnat) if n.floating == floating]
    return [n for n in mine if n.rule.chain in pre], [n for n in mine if n.rule.chain in out]


def _no_instance(facts: Facts, router: Router, kind: str, expected: str) -> Outcome:
    """No instance: a floating IP's NAT cannot lead to it (a leftover floating IP's rules)."""
    return failed(
        f"{no_instance(facts)}, so no {kind} rule can be the instance's; {kind} rules:\n"
        + _nat_listing(router, kind),
        expected=expected,
        see=_see(router),
    )


def _nat_listing(router: Router, kind: str) -> str:
    rules = [r for r in router.view.rules.rules("nat") if r.target == kind]
    return rule_lines(rules, f"(no {kind} rules)")


@check("nat_dnat")
def nat_dnat(facts: Facts) -> Outcome:
    """DNAT floating IP -> fixed IP in chains reached from both PREROUTING and OUTPUT."""
    expected = (
        "-A neutron-l3-agent-PREROUTING -d <floating>/32 -j DNAT --to-destination <fixed> "
        "and the same in neutron-l3-agent-OUTPUT"
    )
    router = router_or_error(facts, needs=NAT)
    if router is None:
        return no_router(expected)
    if facts.instance is None:
        return _no_instance(facts, router, "DNAT", expected)
    for floating in _floating_candidates(facts, router):
        pre, out = _dnat_pairs(facts, router, floating)
        if pre and router.dvr:  # dvr_local_router.floating_forward_rules: `-i rfp-`, no OUTPUT
            return passed(
                pre[0].rule.line + "\n(a distributed router (DVR): no OUTPUT DNAT is written)",
                see=_see(router),
                expected=expected,
            )
        if pre and out:
            return passed(
                rule_lines([pre[0].rule, out[0].rule]), see=_see(router), expected=expected
            )
    return failed(
        "no floating IP has DNAT rules reached from both PREROUTING and OUTPUT; DNAT rules:\n"
        + _nat_listing(router, "DNAT"),
        expected=expected,
        see=_see(router),
    )


@check("nat_snat")
def nat_snat(facts: Facts) -> Outcome:
    """SNAT fixed IP -> floating IP (float-snat) in a chain reached from POSTROUTING."""
    expected = "-A neutron-l3-agent-float-snat -s <fixed>/32 -j SNAT --to-source <floating>"
    router = router_or_error(facts, needs=NAT)
    if router is None:
        return no_router(expected)
    if facts.instance is None:
        return _no_instance(facts, router, "SNAT", expected)
    candidates = set(_floating_candidates(facts, router))
    snat = for_instance(facts, router.snat)
    found = [n for n in snat if n.floating in candidates] or (snat if not candidates else [])
    if found:
        return passed(rule_lines(n.rule for n in found[:1]), see=_see(router), expected=expected)
    return failed(
        "no one-to-one SNAT to a floating IP reached from POSTROUTING; SNAT rules:\n"
        + _nat_listing(router, "SNAT"),
        expected=expected,
        see=_see(router),
    )


@check("nat_pair")
def nat_pair(facts: Facts) -> Outcome:
    """DNAT and SNAT name the same pair; the floating IP sits on qg-; the fixed IP is the
    graded instance's."""
    expected = (
        "DNAT <floating> -> <fixed> and SNAT <fixed> -> <floating>, "
        "<floating>/32 on qg-, <fixed> = the instance's IP"
    )
    router = router_or_error(facts, needs=NAT)
    if router is None:
        return no_router(expected)
    instance = facts.instance
    on_qg = {a.address for a in router.floating}
    snat = {(n.fixed, n.floating): n for n in router.snat}
    tried = []
    for dnat in router.dnat:
        pair = snat.get((dnat.fixed, dnat.floating))
        problems = []
        if pair is None:
            problems.append(f"no SNAT {dnat.fixed} -> {dnat.floating}")
        if dnat.floating not in on_qg:
            problems.append(f"{dnat.floating}/32 is not on qg-")
        if instance is None:
            problems.append("no instance found")
        elif instance.fixed_ips and dnat.fixed not in instance.fixed_ips:
            problems.append(
                f"{dnat.fixed} is not the instance's IP ({', '.join(instance.fixed_ips)})"
            )
        elif not instance.fixed_ips and facts.backend == HYBRID:
            problems.append("the instance's fixed IP is unknown (no anti-spoofing rules)")
        if not problems and pair is not None:
            qg = next(a for a in router.floating if a.address == dnat.floating)
            evidence = rule_lines([dnat.rule, pair.rule]) + "\n" + qg.line
            if instance and not instance.fixed_ips:
                evidence += "\n(the instance's fixed IP cannot be read from iptables here)"
            return passed(evidence, see=_see(router), expected=expected)
        tried.append(f"{dnat.rule.line}\n  -> " + "; ".join(problems))
    if not tried:
        unreached = [n.rule for n in router.nat_anywhere if n.kind == "DNAT"]
        evidence = (
            "no DNAT floating -> fixed rule reached from PREROUTING or OUTPUT in " + router.ns
        )
        if unreached:
            evidence += "\n(DNAT in chains nothing jumps to does not count:\n"
            evidence += rule_lines(unreached) + ")"
        return failed(evidence, expected=expected, see=_see(router))
    return failed(lines(tried), expected=expected, see=_see(router))


@check("metadata_redirect")
def metadata_redirect(facts: Facts, *, port: int = 9697) -> Outcome:
    """169.254.169.254 tcp/80 is REDIRECTed to PORT in a chain reached from PREROUTING."""
    expected = (
        f"-A neutron-l3-agent-PREROUTING -d {METADATA_IP}/32 -i qr-+ -p tcp -m tcp --dport 80 "
        f"-j REDIRECT --to-ports {port}"
    )
    router = router_or_error(facts, needs=("rules",))
    if router is None:
        return no_router(expected)
    pre = reach(router.view.rules, "PREROUTING")
    candidates = [
        r
        for r in router.view.rules.rules("nat")
        if r.value("-d") in (METADATA_IP, f"{METADATA_IP}/32") and r.target == "REDIRECT"
    ]
    good = [
        r
        for r in candidates
        if r.protocol == "tcp"
        and r.dports is not None
        and r.covers_dport(80)
        and r.value("--to-ports") == str(port)
        and r.chain in pre
    ]
    if good:
        return passed(good[0].line, see=_see(router), expected=expected)
    evidence = "no metadata REDIRECT reached from PREROUTING"
    if candidates:
        evidence += "; found:\n" + rule_lines(candidates)
    return failed(evidence, expected=expected, see=_see(router))


@check("metadata_proxy")
def metadata_proxy(facts: Facts, *, port: int = 9697) -> Outcome:
    """Something listens on tcp PORT inside the qrouter namespace (haproxy from Pike on,
    neutron-ns-metadata-proxy before)."""
    expected = f"a process listening on 0.0.0.0:{port} in the qrouter namespace"
    router = router_or_error(facts)
    if router is None:
        return no_router(expected)
    see = router.view.run("ss -ltnp")
    if router.view.problem("listeners"):
        return _from_processes(facts, router, port, expected, see)
    listening = [item for item in router.view.listeners if item.port == port]
    if listening:
        return passed(listening[0].line, see=see, expected=expected)
    shown = lines((item.line for item in router.view.listeners), "(nothing listens)")
    return failed(
        f"nothing listens on port {port} in {router.ns}; listeners:\n{shown}",
        expected=expected,
        see=see,
    )


def _from_processes(facts: Facts, router: Router, port: int, expected: str, see: str) -> Outcome:
    """Without a listener list: a metadata proxy process in the namespace is the best evidence
    (reading the process list or the processes' namespaces, when those could not be gathered
    either, makes this an `error`)."""
    why = router.view.problem("listeners")
    proxies = [
        p
        for p in facts.processes
        if facts.pid_netns.get(p.pid) == router.ns
        and ("haproxy" in p.program or "metadata-proxy" in p.program)
    ]
    if proxies:
        return passed(
            f"{proxies[0].pid} {proxies[0].args}\n(listening sockets could not be listed: {why})",
            see=see,
            expected=expected,
        )
    return failed(
        f"no metadata proxy process runs in {router.ns} (and the listening sockets could not be "
        f"listed: {why})",
        expected=expected,
        see=see,
    )
