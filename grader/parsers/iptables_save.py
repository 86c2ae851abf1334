"""`iptables-save` output -> tables, chains and rules.

    ruleset = parse_iptables_save(text)
    for rule in ruleset.rules("filter", "neutron-openvswi-ia1b2c3d4-e"):
        rule.target, rule.protocol, rule.dports, rule.states

Tolerant of every form Neutron and the iptables front ends print: `-m state --state` and
`-m conntrack --ctstate`, comments anywhere before `-j`, multiport, ipset, `--random-fully`,
negations (`! -o qg-...`), numeric protocols, and junk lines (ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from grader.parsers.iptables_words import port_ranges, split_words

PROTOCOL_NUMBERS = {"1": "icmp", "6": "tcp", "17": "udp", "58": "ipv6-icmp", "132": "sctp"}
# Options that take no value (everything else takes exactly one, or several for a few).
_FLAGS = {
    "--physdev-is-bridged",
    "--physdev-is-in",
    "--physdev-is-out",
    "--random",
    "--random-fully",
    "--persistent",
    "--rcheck",
    "--update",
    "--set",
    "--syn",
    "--fragment",
    "-f",
    "--log-uid",
    "--notrack",
}
# Options of the NAT targets by their full names: iptables takes any unique prefix, as
# Neutron wrote them before 11.0.0 (`-j DNAT --to X`, `-j SNAT --to F`, l3_agent.py
# floating_forward_rules; `-j REDIRECT --to-port 9697`, metadata_nat_rules), which
# iptables-save prints back in full.
_TARGET_OPTIONS = {
    "DNAT": ("--to-destination", "--random", "--persistent"),
    "SNAT": ("--to-source", "--random", "--random-fully", "--persistent"),
    "REDIRECT": ("--to-ports", "--random"),
    "MASQUERADE": ("--to-ports", "--random", "--random-fully"),
}
_TWO_VALUES = {"--match-set"}  # --match-set NAME src[,dst]
_ALIASES = {
    "--source": "-s",
    "--destination": "-d",
    "--protocol": "-p",
    "--in-interface": "-i",
    "--out-interface": "-o",
    "--jump": "-j",
    "--goto": "-g",
    "--match": "-m",
    "--source-port": "--sport",
    "--destination-port": "--dport",
    "--source-ports": "--sports",
    "--destination-ports": "--dports",
}


@dataclass(frozen=True)
class Option:
    name: str  # e.g. "-p", "--dport", "--ctstate"
    values: tuple[str, ...]
    negated: bool = False

    @property
    def value(self) -> str:
        return " ".join(self.values)


@dataclass(frozen=True)
class Rule:
    table: str
    chain: str
    line: str  # the exact line, as printed
    options: tuple[Option, ...]
    position: int = 0  # index among the chain's rules

    def get(self, name: str, negated: bool | None = False) -> Option | None:
        for option in self.options:
            if option.name == name and (negated is None or option.negated == negated):
                return option
        return None

    def value(self, name: str) -> str | None:
        option = self.get(name)
        return option.value if option else None

    def has(self, name: str) -> bool:
        return self.get(name, negated=None) is not None

    @property
    def target(self) -> str | None:
        return self.value("-j") or self.value("-g")

    @property
    def protocol(self) -> str | None:
        proto = self.value("-p")
        if proto is None:
            return None
        proto = proto.lower()
        return PROTOCOL_NUMBERS.get(proto, proto)

    @property
    def states(self) -> frozenset[str]:
        """Connection states matched (positively) by --state or --ctstate."""
        option = self.get("--ctstate") or self.get("--state")
        return frozenset(option.value.upper().split(",")) if option else frozenset()

    @property
    def comment(self) -> str | None:
        return self.value("--comment")

    @property
    def dports(self) -> tuple[tuple[int, int], ...] | None:
        """Destination port ranges (None: any port)."""
        return port_ranges(self.value("--dport") or self.value("--dports"))

    @property
    def sports(self) -> tuple[tuple[int, int], ...] | None:
        return port_ranges(self.value("--sport") or self.value("--sports"))

    def covers_dport(self, port: int) -> bool:
        ranges = self.dports
        return ranges is None or any(low <= port <= high for low, high in ranges)

    @property
    def match_sets(self) -> tuple[str, ...]:
        return tuple(o.values[0] for o in self.options if o.name == "--match-set" and o.values)

    @property
    def negations(self) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.negated)


@dataclass
class Table:
    name: str
    policies: dict[str, str] = field(default_factory=dict)  # chain -> policy ("-" for user chains)
    rules: list[Rule] = field(default_factory=list)
    by_chain: dict[str, list[Rule]] = field(default_factory=dict)  # the rules of each chain

    def add(self, rule: Rule) -> None:
        self.rules.append(rule)
        self.by_chain.setdefault(rule.chain, []).append(rule)


@dataclass
class Ruleset:
    tables: dict[str, Table] = field(default_factory=dict)
    # (table, length) -> chains by their last LENGTH characters, built on first use
    _endings: dict[tuple[str, int], dict[str, list[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def chains(self, table: str) -> list[str]:
        found = self.tables.get(table)
        if not found:
            return []
        names = dict.fromkeys(found.policies)
        names.update(dict.fromkeys(found.by_chain))
        return list(names)

    def chains_ending(self, table: str, suffix: str) -> list[str]:
        """The chains of TABLE whose names end with SUFFIX (an index: one pass per length)."""
        key = (table, len(suffix))
        if key not in self._endings:
            index: dict[str, list[str]] = {}
            for chain in self.chains(table):
                index.setdefault(chain[-len(suffix) :] if suffix else "", []).append(chain)
            self._endings[key] = index
        return list(self._endings[key].get(suffix, ()))

    def has_chain(self, table: str, chain: str) -> bool:
        found = self.tables.get(table)
        return found is not None and (chain in found.policies or chain in found.by_chain)

    def rules(self, table: str, chain: str | None = None) -> list[Rule]:
        found = self.tables.get(table)
        if not found:
            return []
        return list(found.rules if chain is None else found.by_chain.get(chain, ()))

    def all_rules(self) -> Iterator[Rule]:
        for table in self.tables.values():
            yield from table.rules

    def reachable(self, table: str, start: str) -> set[str]:
        """Chains that packets entering START can reach by -j / -g jumps (START included)."""
        seen, todo = {start}, [start]
        while todo:
            for rule in self.rules(table, todo.pop()):
                target = rule.target
                if target and target not in seen and self.has_chain(table, target):
                    seen.add(target)
                    todo.append(target)
        return seen

    def __len__(self) -> int:
        return sum(len(table.rules) for table in self.tables.values())


def parse_iptables_save(text: str) -> Ruleset:
    ruleset = Ruleset()
    table: Table | None = None
    counts: dict[tuple[str, str], int] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and "] -A " in line:  # `iptables-save -c`: [packets:bytes] first
            line = line.partition("] ")[2]
        if line.startswith("*"):
            name = line[1:].strip()
            table = ruleset.tables.setdefault(name, Table(name))
        elif line.startswith(":") and table is not None:
            parts = line[1:].split()
            if parts:
                table.policies[parts[0]] = parts[1] if len(parts) > 1 else "-"
        elif line.startswith("-A ") and table is not None:
            rule = parse_rule(line, table.name, counts)
            if rule is not None:
                table.add(rule)
    return ruleset


def parse_rule(line: str, table: str = "filter", counts: dict | None = None) -> Rule | None:
    """One `-A CHAIN ...` line; None if it is not one."""
    tokens = split_words(line)
    if len(tokens) < 2 or tokens[0] != "-A":
        return None
    chain = tokens[1]
    options: list[Option] = []
    negate = False
    target: str | None = None
    i = 2
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "!":
            negate = True
            continue
        if not token.startswith("-"):
            # "-s ! 1.2.3.4" (old style) or a stray value: attach to the previous option.
            if options:
                last = options[-1]
                options[-1] = Option(last.name, (*last.values, token), last.negated)
            continue
        name = _ALIASES.get(token, token)
        if target is not None and name.startswith("--"):
            name = _target_option(name, target)
        values: list[str] = []
        if name not in _FLAGS:
            wanted = 2 if name in _TWO_VALUES else 1
            while len(values) < wanted and i < len(tokens):
                if tokens[i] == "!":
                    negate = True
                    i += 1
                    continue
                if tokens[i].startswith("-") and not _is_value(tokens[i]):
                    break
                values.append(tokens[i])
                i += 1
        options.append(Option(name, tuple(values), negate))
        negate = False
        if name == "-j" and values:
            target = values[0]  # the options after it are the target's own
    if counts is not None:
        position = counts.get((table, chain), 0)
        counts[(table, chain)] = position + 1
    else:
        position = 0
    return Rule(table, chain, line, tuple(options), position)


def _target_option(name: str, target: str | None) -> str:
    """NAME (an option after `-j TARGET`) by its full name among TARGET's: `--to` of DNAT is
    `--to-destination`; an exact, unknown or ambiguous name stays as it is."""
    known = _TARGET_OPTIONS.get(target or "", ())
    if name in known:
        return name
    longer = [option for option in known if option.startswith(name)]
    return longer[0] if len(longer) == 1 else name


def _is_value(token: str) -> bool:
    """A token starting with '-' that is a value, e.g. a negative number (never an option)."""
    return len(token) > 1 and token[1] in "0123456789"
