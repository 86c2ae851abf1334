"""Which Neutron releases a host can be running, read from what its agents wrote (never from a
version string the student could not see either). Each sign is something one range of
releases writes and the others never do, found in Neutron's code at its release tags
(docs/releases.md lists them with the code they come from):

    era = release_era(facts)
    era.describe()   # "Kilo or later", "Havana to Juno", "unknown (no sign of the release)"
    era.evidence     # ("Kilo or later: -A neutron-openvswi-sg-chain ... --comment ...", ...)

With no sign, or with signs that contradict each other, the range is every release: the hints
then name the commands of every release (grader/hints.py). A sign is never guessed from what
is missing: a missing comment may be `comment_iptables_rules = False`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from grader.backends import NATIVE, OVN
from grader.facts.types import Facts
from grader.outcome import CannotGrade
from grader.parsers.iptables_save import Rule

# Release names, oldest first, with the openstack/neutron tag of each (docs/releases.md).
RELEASES = (
    ("havana", "2013.2"),
    ("icehouse", "2014.1"),
    ("juno", "2014.2"),
    ("kilo", "2015.1.0"),
    ("liberty", "7.0.0"),
    ("mitaka", "8.0.0"),
    ("newton", "9.0.0"),
    ("ocata", "10.0.0"),
    ("pike", "11.0.0"),
    ("queens", "12.0.0"),
    ("rocky", "13.0.0"),
    ("stein", "14.0.0"),
    ("train", "15.0.0"),
    ("ussuri", "16.0.0"),
    ("victoria", "17.0.0"),
    ("wallaby", "18.0.0"),
    ("xena", "19.0.0"),
    ("yoga", "20.0.0"),
    ("zed", "21.0.0"),
    ("2023.1", "22.0.0"),
    ("2023.2", "23.0.0"),
    ("2024.1", "24.0.0"),
    ("2024.2", "25.0.0"),
    ("2025.1", "26.0.0"),
    ("2025.2", "27.0.0"),
    ("2026.1", "28.0.0"),
)
NAMES = tuple(name for name, _ in RELEASES)
MAX_LINE = 300  # characters of a sign's line shown (a process's arguments can be long)
OLDEST, NEWEST = 0, len(NAMES) - 1

# neutron/agent/linux/iptables_comments.py, new in 2015.1.0 (Kilo); later releases keep them.
KILO_COMMENTS = frozenset(
    {
        "Perform source NAT on outgoing traffic.",
        "Default drop rule for unmatched traffic.",
        "Direct traffic from the VM interface to the security group chain.",
        "Jump to the VM specific chain.",
        "Direct incoming traffic from VM to the security group chain.",
        "Allow traffic from defined IP/MAC pairs.",
        "Drop traffic without an IP/MAC allow rule.",
        "Allow DHCP client traffic.",
        "Prevent DHCP Spoofing by VM.",
        "Send unmatched traffic to the fallback chain.",
        "Direct packets associated with a known session to the RETURN chain.",
        "Allow IPv6 ICMP traffic to allow RA packets.",
        "Accept all packets when port security is disabled.",
    }
)


def title(name: str) -> str:
    """ "kilo" -> "Kilo"; "2024.1" stays."""
    return name.capitalize()


@dataclass(frozen=True)
class Sign:
    """One thing on the host that only some releases write: releases FIRST..LAST (indexes
    into NAMES) can have written LINE."""

    first: int
    last: int
    line: str

    def describe(self) -> str:
        line = self.line if len(self.line) <= MAX_LINE else self.line[:MAX_LINE] + " ..."
        return f"{span(self.first, self.last)}: {line}"


def span(first: int, last: int) -> str:
    """ "Kilo or later", "before Kilo", "Liberty to Ocata", "Kilo"."""
    if first == OLDEST and last == NEWEST:
        return "any release"
    if first == OLDEST:
        return f"before {title(NAMES[last + 1])}"
    if last == NEWEST:
        return f"{title(NAMES[first])} or later"
    if first == last:
        return title(NAMES[first])
    return f"{title(NAMES[first])} to {title(NAMES[last])}"


@dataclass(frozen=True)
class ReleaseEra:
    """The releases the host's signs allow: NAMES[first..last]; every release when unknown."""

    first: int = OLDEST
    last: int = NEWEST
    signs: tuple[Sign, ...] = ()
    conflict: bool = False  # signs that no one release fits: the range is left open

    @property
    def known(self) -> bool:
        return (self.first, self.last) != (OLDEST, NEWEST)

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(sign.describe() for sign in self.signs)

    def describe(self) -> str:
        if self.conflict:
            return "unknown (signs of different releases: " + "; ".join(self.evidence) + ")"
        if not self.known:
            return "unknown (no sign of the release)"
        if self.first == OLDEST and NAMES[self.last] == "juno":
            return "before Kilo (Havana to Juno)"
        return span(self.first, self.last)


def release_era(facts: Facts) -> ReleaseEra:
    """The releases FACTS' host can be running, from every sign found (at most one per kind)."""
    signs = tuple(sign for find in FINDERS if (sign := _safely(find, facts)) is not None)
    first = max((s.first for s in signs), default=OLDEST)
    last = min((s.last for s in signs), default=NEWEST)
    if first > last:
        return ReleaseEra(signs=signs, conflict=True)
    return ReleaseEra(first, last, signs)


def _safely(find: Callable[[Facts], Sign | None], facts: Facts) -> Sign | None:
    """A record that could not be read shows no sign (reading it raises CannotGrade); nor does
    anything odd in what the host printed: the era only chooses the hints' commands."""
    try:
        return find(facts)
    except (CannotGrade, LookupError, TypeError, ValueError, AttributeError):
        return None


def at(name: str) -> int:
    return NAMES.index(name)


def _rules(facts: Facts) -> Iterator[Rule]:
    """Every iptables rule of the root namespace and of the qrouter namespaces."""
    for view in [facts.root] + [r.view for r in facts.routers]:
        yield from view.rules.all_rules()


def _comment(facts: Facts) -> Sign | None:
    """Kilo+: a rule carrying one of iptables_comments.py's texts (2015.1.0)."""
    rule = next((r for r in _rules(facts) if r.comment in KILO_COMMENTS), None)
    return Sign(at("kilo"), NEWEST, rule.line) if rule else None


def _router_snat(facts: Facts) -> Sign | None:
    """The router's own SNAT in neutron-l3-agent-snat: before Kilo one `-s <subnet> -j SNAT`
    per internal subnet (l3_agent.py internal_network_nat_rules, 2014.1/2014.2); from Kilo on
    `-o qg-... -j SNAT` and a `-m mark` rule (l3/router_info.py external_gateway_nat_rules)."""
    for router in facts.routers:
        for rule in router.view.rules.rules("nat"):
            chain = rule.chain
            if rule.target != "SNAT" or not chain.endswith("-snat") or "float-snat" in chain:
                continue
            source = rule.value("-s") or ""
            if rule.has("-o") or rule.has("--mark"):
                return Sign(at("kilo"), NEWEST, rule.line)
            if source and not source.endswith("/32"):
                return Sign(OLDEST, at("juno"), rule.line)
    return None


def _inbound_order(facts: Facts) -> Sign | None:
    """The instance's inbound chain: INVALID DROP first up to Kilo; from Liberty (7.0.0) the
    RELATED,ESTABLISHED RETURN comes first and INVALID DROP after the rules
    (iptables_firewall.py _convert_sgr_to_iptables_rules)."""
    instance = facts.instance
    if instance is None or not instance.chain_in.startswith("neutron-"):
        return None
    rules = facts.root.rules.rules("filter", instance.chain_in)
    if not rules:
        return None
    first = rules[0]
    if first.target == "DROP" and first.states == {"INVALID"}:
        return Sign(OLDEST, at("kilo"), first.line)
    if first.target == "RETURN" and first.states == {"RELATED", "ESTABLISHED"}:
        return Sign(at("liberty"), NEWEST, first.line)
    return None


def _metadata_proxy(facts: Facts) -> Sign | None:
    """neutron-ns-metadata-proxy up to Ocata (10.0.0); haproxy in the qrouter namespace from
    Pike (11.0.0, neutron/agent/metadata/driver.py)."""
    routers = {r.ns for r in facts.routers}
    for process in facts.processes:
        if process.program == "neutron-ns-metadata-proxy":
            return Sign(OLDEST, at("ocata"), f"{process.pid} {process.args}")
        if process.program == "haproxy" and facts.pid_netns.get(process.pid) in routers:
            return Sign(at("pike"), NEWEST, f"{process.pid} {process.args}")
    return None


# An instance's qemu, as Nova's libvirt driver starts it: `-smbios type=1,manufacturer=OpenStack
# Foundation,product=OpenStack Nova,version=<Nova's version>,...,uuid=<instance id>`.
NOVA_SMBIOS = re.compile(r"product=\"?OpenStack Nova\"?,version=([0-9][0-9.]*)")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NOVA_UUID = re.compile(rf"(?:^|\s)-uuid\s+({UUID})(?:\s|$)")
# Nova's versions: the date-based ones of Havana..Kilo, then Liberty's 12 = Neutron's 7 + 5.
NOVA_DATED = {"2013.2": "havana", "2014.1": "icehouse", "2014.2": "juno", "2015.1": "kilo"}


def nova_instances(facts: Facts) -> list[tuple[str, str]]:
    """(Nova's version, instance id) of each instance qemu runs on this host."""
    found = []
    for process in facts.processes:
        version, uuid = NOVA_SMBIOS.search(process.args), NOVA_UUID.search(process.args)
        if version and uuid:
            found.append((version.group(1), uuid.group(1)))
    return found


def _nova_version(facts: Facts) -> Sign | None:
    """Nova's version in an instance's SMBIOS (libvirt driver `_get_guest_config_sysinfo`):
    2014.1.x is Icehouse, 20.x Train (Neutron's 15.0.0)."""
    for version, _ in nova_instances(facts):
        words = version.split(".")
        name = NOVA_DATED.get(".".join(words[:2]))
        if name is None and words[0].isdigit() and int(words[0]) >= 12:
            tag = f"{int(words[0]) - 5}.0.0"
            name = next((n for n, at in RELEASES if at == tag), None)
        if name is not None:
            return Sign(at(name), at(name), f"Nova {version} (the instance's qemu -smbios)")
    return None


def _backend(facts: Facts) -> Sign | None:
    """The native OVS firewall first shipped in Mitaka (8.0.0, openvswitch_firewall/);
    ML2/OVN's first release was networking-ovn 1.0.0 for Newton."""
    if not facts.backend_recognised:
        return None
    if facts.backend == NATIVE:
        return Sign(at("mitaka"), NEWEST, "the native OVS firewall (security groups as flows)")
    if facts.backend == OVN:
        return Sign(at("newton"), NEWEST, "ML2/OVN (no L3/DHCP agent namespaces)")
    return None


FINDERS: tuple[Callable[[Facts], Sign | None], ...] = (
    _comment,
    _router_snat,
    _inbound_order,
    _metadata_proxy,
    _backend,
    _nova_version,
)
