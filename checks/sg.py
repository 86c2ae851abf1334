"""sg.*: the instance's inbound security-group chain, its rules, and its wiring to the tap.

A rule only counts in the chain that sg-chain sends the instance's tap traffic to
(`--physdev-out <tap>`), and only when a packet reaches it: the chain is read in order as the
kernel does, and the first rule that decides (a RETURN, a DROP for the same traffic, the
fallback jump) wins (checks._chain).
"""

from __future__ import annotations

from checks._chain import ALLOW, Verdict, admits, first_verdict
from checks._common import instance_chain_see, no_instance, rule_lines, view_or_error
from checks._registry import check
from checks.listing import list_view
from grader.facts import Facts, Instance
from grader.outcome import Outcome, failed, passed
from grader.parsers.iptables_save import Rule


def _instance(facts: Facts) -> Instance | None:
    view_or_error(facts.root, "rules")
    return facts.instance


def _not_applied(facts: Facts, instance: Instance) -> str | None:
    """Why the rules of the instance's inbound chain do not apply to it (None: they do). The
    chain counts only when a chain that filter FORWARD reaches jumps to it for the tap
    (`--physdev-out <tap>`): a chain wired from a chain nothing jumps to filters no packet."""
    rule = instance.wiring_rule
    if (
        not instance.chain_in_wired
        or rule is None
        or rule.target != instance.chain_in
        or rule.value("--physdev-out") != instance.tap
    ):
        return (
            f"{instance.chain_in} is not the chain sg-chain sends {instance.tap}'s traffic "
            "to, so no rule in it applies"
        )
    if rule.chain not in facts.root.rules.reachable("filter", "FORWARD"):
        return f"{rule.line}\nbut FORWARD never reaches {rule.chain}, so no rule in it applies"
    return None


def _wired_rules(facts: Facts, expected: str) -> Outcome | tuple[Instance, list[Rule], str]:
    """(instance, its inbound chain's rules, see) when that chain applies to the instance's
    tap; otherwise the fail that says why (no instance, or the chain is not wired)."""
    instance = _instance(facts)
    if instance is None:
        return failed(no_instance(facts), expected=expected)
    see = instance_chain_see(facts, instance)
    problem = _not_applied(facts, instance)
    if problem:
        return failed(problem, expected=expected, see=see)
    return instance, facts.root.rules.rules("filter", instance.chain_in), see


@check("sg_chain")
def sg_chain(facts: Facts) -> Outcome:
    """The inbound chain of the instance's port exists (neutron-openvswi-i + 10 chars of port)."""
    instance = _instance(facts)
    expected = "a chain neutron-openvswi-i<first 10 characters of the port id>"
    if instance is None:
        return failed(
            no_instance(facts), expected=expected, see=facts.root.iptables("-S | grep -- -i")
        )
    see = instance_chain_see(facts, instance)
    if not facts.root.rules.has_chain("filter", instance.chain_in):
        return failed(
            f"no chain {instance.chain_in} in the filter table", expected=expected, see=see
        )
    rules = facts.root.rules.rules("filter", instance.chain_in)
    return passed(f"chain {instance.chain_in}, {len(rules)} rules:\n" + rule_lines(rules), see=see)


@check("sg_rule")
def sg_rule(facts: Facts, *, protocol: str, port: int | None = None) -> Outcome:
    """A RETURN rule for PROTOCOL (and destination PORT) in the instance's wired inbound chain."""
    what = f"{protocol}" + (f" port {port}" if port is not None else "")
    expected = (
        f"-A <inbound chain> -p {protocol}"
        + (f" -m {protocol} --dport {port}" if port is not None else "")
        + " -j RETURN"
    )
    wired = _wired_rules(facts, expected)
    if isinstance(wired, Outcome):
        return wired
    instance, rules, see = wired
    to, members = instance.fixed_ips, _members(facts)
    verdict = first_verdict(
        facts.root.rules, instance.chain_in, protocol.lower(), port, to=to, members=members
    )
    if verdict.allowed and verdict.rule is not None:
        refused = _refused_by_other_table(facts, instance, protocol.lower(), port)
        if refused is not None:
            return failed(
                f"{refused}; allowed by:\n{verdict.rule.line}", expected=expected, see=see
            )
        return passed(verdict.rule.line, see=see, expected=expected)
    stray = _elsewhere(facts, instance, protocol.lower(), port)
    why = _blocked(rules, verdict, protocol.lower(), port, what)
    why = why or f"no rule allowing {what} in {instance.chain_in}"
    evidence = f"{why}; its rules:\n" + rule_lines(rules)
    evidence += (
        f"\nas `iptables -L` lists them (as in the lab):\n{list_view(instance.chain_in, rules)}"
    )
    if stray:
        evidence += "\n(a matching rule in another chain does not apply to this instance:\n"
        evidence += rule_lines(stray) + ")"
    return failed(evidence, expected=expected, see=see)


def _members(facts: Facts) -> tuple[str, ...]:
    """The fixed IPs of the host's other instances: a `-s <one of them>/32` rule is how 2014.1
    wrote a remote-group rule (one per member), which admits the group only."""
    return tuple(ip for other in facts.other_instances for ip in other.fixed_ips)


def _refused_by_other_table(
    facts: Facts, instance: Instance, protocol: str, port: int | None
) -> str | None:
    """Why the other of iptables-legacy/-nft drops what the graded one admits, or None: a
    packet crosses both, and a DROP in either is final."""
    other, tool, chain = facts.root.other_rules, facts.root.other_tool, instance.chain_in
    if other is None or not other.has_chain("filter", chain):
        return None
    verdict = first_verdict(
        other, chain, protocol, port, to=instance.fixed_ips, members=_members(facts)
    )
    if verdict.allowed:
        return None
    return (
        f"{tool} also holds Neutron's rules for this instance and does not let it through"
        f" ({tool} -S {chain}): a packet crosses both tables, so a drop in either is final"
    )


def _blocked(
    rules: list[Rule], verdict: Verdict, protocol: str, port: int | None, what: str
) -> str | None:
    """Why the packet is refused although an allowing rule exists in the chain: a rule before
    it (the fallback jump, a DROP for the same traffic) decides first. None: no such rule."""
    stop = verdict.rule
    if verdict.allowed is not False or stop is None:
        return None
    late = next((r for r in rules[stop.position + 1 :] if _allows(r, protocol, port)), None)
    if late is None:
        return None
    end = stop.target or ""
    ending = end if end in ("DROP", "REJECT", *ALLOW) else f"jump to {end}"
    kind = "unconditional" if not _conditions(stop) else f"{what}"
    article = "an" if what[:1] in "aeio" else "a"
    return (
        f"{article} {what} {late.target} rule is at position {late.position + 1}, after the "
        f"{kind} {ending} at position {stop.position + 1}, so it is never reached"
    )


def _conditions(rule: Rule) -> list[str]:
    ignored = {"-j", "-g", "-m", "--comment"}
    return [o.name for o in rule.options if o.name not in ignored]


def _allows(rule: Rule, protocol: str, port: int | None) -> bool:
    return admits(rule, protocol, port)


def _elsewhere(facts: Facts, instance: Instance, protocol: str, port: int | None) -> list[Rule]:
    return [
        rule
        for rule in facts.root.rules.rules("filter")
        if rule.chain != instance.chain_in
        and rule.protocol == protocol
        and _allows(rule, protocol, port)
    ]


@check("sg_stateful")
def sg_stateful(facts: Facts) -> Outcome:
    """INVALID DROP, RELATED,ESTABLISHED RETURN and the jump to sg-fallback in the wired chain."""
    expected = (
        "-m state --state INVALID -j DROP; -m state --state RELATED,ESTABLISHED -j RETURN; "
        "-j neutron-openvswi-sg-fallback (conntrack --ctstate accepted too)"
    )
    wired = _wired_rules(facts, expected)
    if isinstance(wired, Outcome):
        return wired
    instance, rules, see = wired
    invalid = [r for r in rules if r.target == "DROP" and r.states == {"INVALID"}]
    related = [r for r in rules if r.target in ALLOW and {"RELATED", "ESTABLISHED"} <= r.states]
    fallback = [
        r
        for r in rules
        if (r.target or "").endswith("-sg-fallback") and _drops_all(facts, r.target or "")
    ]
    missing = [
        name
        for name, found in (
            ("INVALID DROP", invalid),
            ("RELATED,ESTABLISHED RETURN", related),
            ("jump to an sg-fallback chain that drops", fallback),
        )
        if not found
    ]
    if missing:
        return failed(
            f"missing in {instance.chain_in}: {', '.join(missing)}; its rules:\n"
            + rule_lines(rules),
            expected=expected,
            see=see,
        )
    untracked = _untracked(facts, instance)
    if untracked:
        return failed(
            f"{rule_lines(untracked)}\nconntrack is off for {instance.tap} (a stateless "
            "security group): its packets are untracked, so the RELATED,ESTABLISHED and INVALID "
            "rules of the chain match none of them",
            expected=expected,
            see=facts.root.iptables("-t raw -S"),
        )
    return passed(rule_lines([*invalid, *related, *fallback]), see=see, expected=expected)


def _drops_all(facts: Facts, chain: str) -> bool:
    """CHAIN (sg-fallback) drops what reaches it: its first rule with no match is a DROP or
    REJECT, before any rule lets a packet go (iptables_firewall.py _add_fallback_chain_v4v6:
    `-j DROP`, at every tag)."""
    for rule in facts.root.rules.rules("filter", chain):
        if rule.target in ALLOW:
            return False
        if rule.target in ("DROP", "REJECT") and not _conditions(rule):
            return True
    return False


def _untracked(facts: Facts, instance: Instance) -> list[Rule]:
    """The raw-table rules reached from PREROUTING that turn conntrack off for the instance's
    port (16.0.0+ iptables_firewall.py _get_jump_rules: `-m physdev --physdev-in <qvb|tap>` or
    `-i <qvb>` `-j CT --notrack` for a group with stateful=False; `-j NOTRACK` of old)."""
    rules = facts.root.rules
    devices = {instance.tap, "qvb" + (instance.tap or "")[3:]}
    reached = rules.reachable("raw", "PREROUTING")
    return [
        rule
        for rule in rules.rules("raw")
        if rule.chain in reached
        and (rule.target == "NOTRACK" or (rule.target == "CT" and rule.has("--notrack")))
        and not rule.negations
        and (rule.value("--physdev-in") in devices or rule.value("-i") in devices)
    ]


@check("sg_wiring")
def sg_wiring(facts: Facts) -> Outcome:
    """sg-chain jumps to the inbound chain for the instance's tap (--physdev-out), and FORWARD
    reaches sg-chain, so the rules really apply to the instance."""
    instance = _instance(facts)
    expected = (
        "-A neutron-openvswi-sg-chain -m physdev --physdev-out <tap> --physdev-is-bridged "
        "-j <inbound chain>, reached from FORWARD"
    )
    see = facts.root.iptables("-S neutron-openvswi-sg-chain")
    if instance is None:
        return failed(no_instance(facts), expected=expected, see=see)
    rule = instance.wiring_rule
    if rule is not None and _not_applied(facts, instance) is None:
        return passed(rule.line, see=see, expected=expected)
    jumps = [r for r in facts.root.rules.rules("filter") if r.chain.endswith("-sg-chain")]
    stray = [r for r in jumps if r.value("--physdev-out") == instance.tap]
    evidence = (
        f"no rule in an sg-chain reached from FORWARD sends {instance.tap}'s traffic "
        "(--physdev-out) to a chain; sg-chains hold:\n" + rule_lines(jumps)
    )
    if stray:
        evidence += "\n(FORWARD never reaches: " + ", ".join({r.chain: 0 for r in stray}) + ")"
        see += "; " + facts.root.iptables("-S FORWARD")
    return failed(evidence, expected=expected, see=see)
