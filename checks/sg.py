"""sg.*: the instance's inbound security-group chain, its rules, and its wiring to the tap.

A rule only counts in the chain that sg-chain sends the instance's tap traffic to
(`--physdev-out <tap>`), and only before the chain's unconditional end (the fallback jump).
"""

from __future__ import annotations

from checks._common import hybrid_only, instance_chain_see, no_instance, rule_lines, view_or_error
from checks._registry import check
from grader.facts import Facts, Instance
from grader.outcome import Outcome, failed, passed
from grader.parsers.iptables_save import Rule

ALLOW = {"RETURN", "ACCEPT"}
ECHO_REQUEST = {"8", "echo-request", "any", "8/0"}


def _instance(facts: Facts) -> Instance | None:
    hybrid_only(facts)
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


def _effective(rules: list[Rule]) -> list[Rule]:
    """The rules a packet can reach: up to the first one that ends the chain for everything."""
    effective = []
    for rule in rules:
        effective.append(rule)
        if rule.target and not _conditions(rule):
            break
    return effective


def _conditions(rule: Rule) -> list[str]:
    ignored = {"-j", "-g", "-m", "--comment"}
    return [o.name for o in rule.options if o.name not in ignored]


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
    effective = _effective(rules)
    allowing = [rule for rule in effective if _allows(rule, protocol.lower(), port)]
    if allowing:
        return passed(rule_lines(allowing), see=see, expected=expected)
    stray = _elsewhere(facts, instance, protocol.lower(), port)
    why = _unreached(rules, len(effective), protocol.lower(), port, what)
    why = why or f"no rule allowing {what} in {instance.chain_in}"
    evidence = f"{why}; its rules:\n" + rule_lines(rules)
    if stray:
        evidence += "\n(a matching rule in another chain does not apply to this instance:\n"
        evidence += rule_lines(stray) + ")"
    return failed(evidence, expected=expected, see=see)


def _unreached(
    rules: list[Rule], reached: int, protocol: str, port: int | None, what: str
) -> str | None:
    """Why an allowing rule placed after the chain's unconditional end (the first REACHED rules
    are the ones a packet can get to) does not count; None when there is none."""
    late = next(
        (n for n, rule in enumerate(rules[reached:], reached + 1) if _allows(rule, protocol, port)),
        None,
    )
    if late is None:
        return None
    end = rules[reached - 1].target or ""
    ending = end if end in ("DROP", "REJECT", *ALLOW) else f"jump to {end}"
    article = "an" if what[:1] in "aeio" else "a"
    return (
        f"{article} {what} {rules[late - 1].target} rule is at position {late}, after the "
        f"unconditional {ending} at position {reached}, so it is never reached"
    )


def _allows(rule: Rule, protocol: str, port: int | None) -> bool:
    if rule.target not in ALLOW or rule.negations or rule.match_sets:
        return False
    if rule.states and "NEW" not in rule.states:
        return False
    if rule.sports is not None:  # e.g. the DHCP reply rule (--sport 67)
        return False
    proto = rule.protocol
    if proto not in (None, "all", protocol):
        return False
    if proto in (None, "all") and rule.value("-s") not in (None, "0.0.0.0/0"):
        return False  # everything from some hosts only (pre-ipset remote-group members)
    if protocol == "icmp":
        icmp_type = rule.value("--icmp-type")
        return icmp_type is None or icmp_type in ECHO_REQUEST
    return port is None or rule.covers_dport(port)


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
    fallback = [r for r in rules if (r.target or "").endswith("-sg-fallback")]
    missing = [
        name
        for name, found in (
            ("INVALID DROP", invalid),
            ("RELATED,ESTABLISHED RETURN", related),
            ("jump to sg-fallback", fallback),
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
    return passed(rule_lines([*invalid, *related, *fallback]), see=see, expected=expected)


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
