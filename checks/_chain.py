"""What an iptables chain does with one new packet, as the kernel decides it: rules in order,
the first terminal verdict wins, jumps followed (a RETURN in a called chain goes back to the
caller).

    verdict = first_verdict(ruleset, "neutron-openvswi-ia1b2c3d4-e", "tcp", 22)
    verdict.allowed   # True (a RETURN/ACCEPT admits it), False (dropped first), None (no verdict)
    verdict.rule      # the rule of that chain that decided (or the jump that led to it)

The packet is a NEW connection of PROTOCOL (to PORT) from a host outside the instance's
security group. A rule whose match cannot be decided for such a packet (a source prefix, a
source port, a negation, a match this module does not know) never blocks it; whether it admits
it is `admits` (a rule for PROTOCOL/PORT from some prefix counts, a remote-group member does not).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from grader.parsers.iptables_save import Rule, Ruleset

ALLOW = {"RETURN", "ACCEPT"}
BLOCK = {"DROP", "REJECT"}
ECHO_REQUEST = {"8", "echo-request", "any", "8/0"}
# Targets that do something and let the packet go on to the next rule.
CONTINUE = {"LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TRACE", "AUDIT", "SET"}
CONTINUE |= {"CLASSIFY", "DSCP", "TOS", "TTL", "TCPMSS", "CHECKSUM", "TEE"}
# Options a packet of this kind is known to match or not (anything else: undecided).
KNOWN = {"-p", "-m", "--comment", "-j", "-g", "--dport", "--dports", "--state", "--ctstate"}
KNOWN |= {"--icmp-type", "-s", "--match-set", "--physdev-is-bridged", "--syn"}
MAX_DEPTH = 8


@dataclass(frozen=True)
class Verdict:
    allowed: bool | None  # None: the chain ends without a verdict for the packet
    rule: Rule | None = None  # the rule of the walked chain that decided


def admits(
    rule: Rule,
    protocol: str,
    port: int | None,
    to: tuple[str, ...] = (),
    members: tuple[str, ...] = (),
) -> bool:
    """RULE (a RETURN/ACCEPT) lets a new PROTOCOL (PORT) connection from outside through (to
    one of the addresses TO, the instance's fixed IPs, where they are known). A rule from one
    of MEMBERS (the other instances' fixed IPs) is a remote-group rule as 2014.1 wrote it
    (securitygroups_rpc_base._convert_remote_group_id_to_ip_prefix: `-s <member>/32`, where
    ipset came later): it admits group members only, like an ipset match."""
    if rule.target not in ALLOW or rule.negations or rule.match_sets:
        return False
    if to and _to_instance(rule, to) is False:
        return False  # a rule for packets to some other address
    if members and _host(rule.value("-s")) in members:
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


def matches(rule: Rule, protocol: str, port: int | None, to: tuple[str, ...] = ()) -> bool | None:
    """Does RULE's match hold for the packet (to one of the addresses TO, when known)? True,
    False, or None (cannot be told)."""
    if rule.states and "NEW" not in rule.states:
        return False
    destination = _to_instance(rule, to)
    if destination is False:
        return False
    if rule.match_sets and not rule.get("--match-set", negated=True):
        return False  # an ipset of group members: a host from outside is none of them
    if rule.protocol not in (None, "all", protocol):
        return False
    if protocol == "icmp":
        icmp_type = rule.value("--icmp-type")
        if icmp_type is not None and icmp_type not in ECHO_REQUEST:
            return False
    elif port is not None and rule.dports is not None and not rule.covers_dport(port):
        return False
    if [o for o in rule.negations if o.name != "-d" or destination is None]:
        return None
    if rule.sports is not None or rule.value("-s") not in (None, "0.0.0.0/0"):
        return None
    known = KNOWN | {"-d"} if destination else KNOWN
    if any(option.name not in known for option in _match_options(rule)):
        return None
    return True


def _host(value: str | None) -> str | None:
    """`10.0.0.7/32` or `10.0.0.7` -> `10.0.0.7`; anything else None."""
    address, _, prefix = (value or "").partition("/")
    return address if address and prefix in ("", "32") else None


def _to_instance(rule: Rule, to: tuple[str, ...]) -> bool | None:
    """Whether RULE's `-d` holds for a packet to the instance (its fixed IPs TO): True also
    when the rule has no `-d`; None when TO is unknown or the value is not an IPv4 network."""
    option = rule.get("-d", negated=None)
    if option is None:
        return True
    if not to:
        return None
    try:
        network = ipaddress.IPv4Network(option.value, strict=False)
        hit = any(ipaddress.IPv4Address(address) in network for address in to)
    except ValueError:
        return None
    return hit != option.negated


def _match_options(rule: Rule) -> list:
    """RULE's options before its target (`-j REJECT --reject-with ...`: the latter are the
    target's own)."""
    found = []
    for option in rule.options:
        if option.name in ("-j", "-g"):
            break
        found.append(option)
    return found


def first_verdict(
    rules: Ruleset,
    chain: str,
    protocol: str,
    port: int | None,
    table: str = "filter",
    to: tuple[str, ...] = (),
    members: tuple[str, ...] = (),
) -> Verdict:
    """The verdict of CHAIN (the instance's inbound chain: a RETURN there admits) for a packet
    to one of the addresses TO (the instance's fixed IPs; empty: unknown) from outside the
    instance's group (MEMBERS: the other instances' fixed IPs, see `admits`)."""
    packet = _Packet(protocol, port, to, members)
    return _walk(rules, table, chain, packet, top=True, seen=(chain,))


@dataclass(frozen=True)
class _Packet:
    protocol: str
    port: int | None
    to: tuple[str, ...]
    members: tuple[str, ...]


def _walk(
    rules: Ruleset,
    table: str,
    chain: str,
    packet: _Packet,
    top: bool,
    seen: tuple[str, ...],
) -> Verdict:
    chains = set(rules.chains(table))
    for rule in rules.rules(table, chain):
        target = rule.target
        if target is None or target in CONTINUE:
            continue
        if target in ALLOW:
            if (target == "ACCEPT" or top) and admits(
                rule, packet.protocol, packet.port, packet.to, packet.members
            ):
                return Verdict(True, rule)
            if (
                target == "RETURN"
                and matches(rule, packet.protocol, packet.port, packet.to) is True
            ):
                return Verdict(None, rule)  # back to the caller, no verdict here
            continue
        hit = matches(rule, packet.protocol, packet.port, packet.to)
        if target in BLOCK or target not in chains:
            if hit is True:  # DROP/REJECT, or a target whose effect is unknown: it ends here
                return Verdict(False, rule)
            continue
        if hit is not True or target in seen or len(seen) >= MAX_DEPTH:
            continue
        inner = _walk(rules, table, target, packet, top=False, seen=(*seen, target))
        if inner.allowed is not None:
            return Verdict(inner.allowed, rule)
        if rule.value("-g") is not None:  # a goto: the called chain's end ends this one too
            return Verdict(None, rule)
    return Verdict(None)
