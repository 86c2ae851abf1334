"""A chain as `iptables -L CHAIN` lists it (the lab's own command, and what its listing
shows), with the rules that do not count for the student annotated:

    Chain neutron-openvswi-ia1b2c3d4-e
    target     prot opt source               destination
    RETURN     tcp  --  anywhere             anywhere             tcp dpt:ssh

Shown beside the `-S` lines so a student recognises what the lab printed (`tcp dpt:ssh` is
`-p tcp -m tcp --dport 22`); the columns are narrower than iptables' own, to fit a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.parsers.iptables_save import Rule

SERVICES = {"22": "ssh", "80": "http", "443": "https", "67": "bootps", "68": "bootpc"}
NOT_COUNTED = {
    "remote": "remote-group rule: admits members of a security group only, does not count",
    "dhcp": "DHCP replies to the instance: Neutron's own rule, not yours",
}


def _address(value: str | None) -> str:
    if not value:
        return "anywhere"
    return value.removesuffix("/32") if value != "0.0.0.0/0" else "anywhere"


def _port(value: str) -> str:
    return SERVICES.get(value, value)


def _matches(rule: Rule) -> str:
    """The matches column of `iptables -L`, as far as Neutron's rules use them."""
    words = []
    if rule.states:
        words.append("state " + ",".join(sorted(rule.states)))
    if rule.has("--match-set"):
        words.append("match-set " + (rule.value("--match-set") or ""))
    protocol = rule.protocol or ""
    ports = []
    if rule.value("--sport"):
        ports.append("spt:" + _port(rule.value("--sport") or ""))
    if rule.value("--dport"):
        ports.append("dpt:" + _port(rule.value("--dport") or ""))
    if rule.value("--dports"):
        ports.append("multiport dports " + (rule.value("--dports") or ""))
    if ports:
        words.append(" ".join([protocol, *ports]))
    if rule.value("--icmp-type"):
        words.append("icmp type " + (rule.value("--icmp-type") or ""))
    return " ".join(words)  # (comments left out: the -S lines above show them)


def not_counted(rule: Rule) -> str | None:
    """Why RULE is no rule of the student's, or None."""
    if rule.has("--match-set"):
        return NOT_COUNTED["remote"]
    if rule.value("--sport") == "67" and rule.value("--dport") == "68":
        return NOT_COUNTED["dhcp"]
    return None


def list_view(chain: str, rules: Iterable[Rule]) -> str:
    lines = [f"Chain {chain}", f"{'target':<8} prot opt {'source':<9} {'destination':<9}"]
    for rule in rules:
        target = rule.target or ""
        protocol = rule.protocol or "all"
        source, destination = _address(rule.value("-s")), _address(rule.value("-d"))
        line = f"{target:<8} {protocol:<4} --  {source:<9} {destination:<9} {_matches(rule)}"
        why = not_counted(rule)
        lines.append(line.rstrip() + (f"   <- {why}" if why else ""))
    return "\n".join(lines)
