"""One network namespace's parsed state (links, addresses, routes, rules, listeners).

view = namespace_view(snapshot, "qrouter-9e5f...")   # None = the root namespace
view.addresses_of("qg-9a8b7c6d-5e"), view.rules.rules("nat", "neutron-l3-agent-PREROUTING")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from shlex import quote
from typing import TypeVar

from grader.facts.sourced import Sourced, command_text, unusable_reason
from grader.parsers.ip_addr import Address, parse_ip_addr
from grader.parsers.ip_link import Link, parse_ip_link
from grader.parsers.ip_route import Route, parse_ip_route
from grader.parsers.iptables_save import Ruleset, parse_iptables_save
from grader.parsers.listeners import Listener, parse_listeners
from grader.snapshot import Record, Snapshot

T = TypeVar("T")

# gather key -> the command a student types to list the same rules
RULE_SOURCES = {
    "iptables_save": "iptables",
    "iptables_legacy_save": "iptables-legacy",
    "iptables_nft_save": "iptables-nft",
}


@dataclass(eq=False)
class NamespaceView(Sourced):
    """Reading links, addresses, routes, rules or listeners whose record is unusable raises
    CannotGrade (grader/facts/sourced.py)."""

    name: str | None  # None: the root namespace
    links: list[Link] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    rules: Ruleset = field(default_factory=Ruleset)
    rules_tool: str | None = None  # "iptables", "iptables-legacy" or "iptables-nft"
    # The other of iptables-legacy/-nft when it too holds Neutron rules that differ: a packet
    # crosses both tables, so a rule counts only where both let it through.
    other_rules: Ruleset | None = None
    other_tool: str | None = None
    see_tool: str | None = None  # what `see` commands use: plain `iptables` (the lab's) when it
    # shows the graded rules, even where it is an alias of iptables-legacy or -nft
    rules_error: str | None = None  # why no rules could be read
    rules_note: str | None = None  # e.g. "iptables-save shows none; they are in iptables-legacy"
    listeners: list[Listener] | None = None  # None: could not be listed
    errors: dict[str, str] = field(default_factory=dict)  # gather key -> what went wrong
    _unusable: dict[str, str] = field(default_factory=dict, repr=False)

    def link(self, name: str) -> Link | None:
        return next((link for link in self.links if link.name == name), None)

    def links_named(self, prefix: str) -> list[Link]:
        return [link for link in self.links if link.name.startswith(prefix)]

    def addresses_of(self, ifname: str, family: str | None = "inet") -> list[Address]:
        return [
            a
            for a in self.addresses
            if a.ifname == ifname and (family is None or a.family == family)
        ]

    def iptables(self, args: str) -> str:
        """The command to list rules the way this namespace's rules were read (ARGS: the
        caller quotes any host-derived word in it)."""
        return self.run(f"{self.see_tool or self.rules_tool or 'iptables'} {args}")

    def run(self, command: str) -> str:
        """COMMAND as root in this namespace; the namespace name (host output) is quoted."""
        return (
            f"sudo ip netns exec {quote(self.name)} {command}" if self.name else f"sudo {command}"
        )


ATTRIBUTES = {"link": "links", "addr": "addresses", "route": "routes"}


def namespace_view(snapshot: Snapshot, name: str | None) -> NamespaceView:
    def record(key: str) -> Record | None:
        return snapshot.find(key, name)

    view = NamespaceView(name)
    parsers = {"link": parse_ip_link, "addr": parse_ip_addr, "route": parse_ip_route}
    for key, parse in parsers.items():
        found = record(key)
        problem = unusable_reason(snapshot, found, key, name)
        if found is None:
            view.errors[key] = "not gathered"
        elif not found.ok:
            view.errors[key] = record_problem(found)
        if found is not None and found.ok:
            value, parse_problem = parse_safely(parse, found)
            if parse_problem is None:
                setattr(view, ATTRIBUTES[key], value)
            else:
                view.errors[key] = parse_problem
                problem = problem or f"{command_text(key, name)}: {parse_problem}"
        view.refuse(ATTRIBUTES[key], problem)
    listeners = record("listeners")
    if listeners is not None and listeners.ok:
        view.listeners, problem = parse_safely(parse_listeners, listeners)
        if problem is not None:
            view.errors["listeners"] = problem
            view.refuse("listeners", f"{command_text('listeners', name)}: {problem}")
    elif listeners is not None:
        view.errors["listeners"] = record_problem(listeners)
    view.refuse("listeners", unusable_reason(snapshot, listeners, "listeners", name))
    _pick_rules(view, {key: record(key) for key in RULE_SOURCES}, snapshot)
    return view


def parse_safely(parse: Callable[[str], T], found: Record) -> tuple[T | None, str | None]:
    """(PARSE(found.out), None), or (None, why) when the parser raised: a record no parser can
    read costs the checks that need it (an `error` naming it), not the whole host."""
    try:
        return parse(found.out), None
    except Exception as error:
        return None, f"its output could not be read ({type(error).__name__}: {error})"[:300]


def _pick_rules(view: NamespaceView, records: dict[str, Record | None], snapshot: Snapshot) -> None:
    """Use whichever of iptables / iptables-legacy / iptables-nft holds the Neutron rules; the
    rules are unreadable when none of them could be read, or the one used was truncated."""
    parsed: dict[str, Ruleset] = {}
    problems: list[str] = []
    for key, found in records.items():
        if found is None:
            continue
        rules, problem = parse_safely(parse_iptables_save, found) if found.ok else (None, None)
        if rules is not None:
            parsed[key] = rules
        elif problem is not None:
            problems.append(f"{RULE_SOURCES[key]}-save: {problem}")
        elif found.rc != 127:
            problems.append(f"{RULE_SOURCES[key]}-save: {record_problem(found)}")
    if not parsed:
        never = unusable_reason(snapshot, None, "iptables_save", view.name)
        if all(found is None for found in records.values()):
            view.rules_error = never  # not gathered (or cut before): not "not installed"
        else:
            view.rules_error = "; ".join(problems) or "iptables-save is not installed"
        where = f" in {view.name}" if view.name else " in the root namespace"
        view.refuse("rules", f"could not read the iptables rules{where}: {view.rules_error}")
        return

    def score(key: str) -> tuple[int, int, int]:
        rules = parsed[key]
        neutron = sum(1 for rule in rules.all_rules() if "neutron" in rule.line)
        return neutron, len(rules), key == "iptables_save"

    best = max(parsed, key=score)
    view.rules = parsed[best]
    view.rules_tool = RULE_SOURCES[best]
    for key in ("iptables_legacy_save", "iptables_nft_save"):
        other = records.get(key)
        if key == best or key not in parsed or other is None or score(key)[0] == 0:
            continue
        if records[best] is None or other.out != records[best].out:
            view.other_rules, view.other_tool = parsed[key], RULE_SOURCES[key]
    view.refuse("rules", unusable_reason(snapshot, records[best], best, view.name))
    for key, found in records.items():  # a cut gather may not have reached the right one
        if found is None and not snapshot.complete:
            view.refuse("rules", unusable_reason(snapshot, None, key, view.name))
    default = records.get("iptables_save")
    if best == "iptables_save":
        view.see_tool = "iptables"  # the lab's own command shows them
        # name the real back end when iptables-save is an alias of one of them
        for key in ("iptables_legacy_save", "iptables_nft_save"):
            other = records.get(key)
            if other is not None and other.ok and default is not None and other.out == default.out:
                if len(parsed[best]):
                    view.rules_tool = RULE_SOURCES[key]
                break
    elif "iptables_save" in parsed and score("iptables_save")[:2] < score(best)[:2]:
        view.rules_note = (
            f"`iptables-save` shows {len(parsed['iptables_save'])} rules; "
            f"the Neutron rules are in `{RULE_SOURCES[best]}-save`"
        )


def record_problem(found: Record | None) -> str:
    """Why a gathered command gave nothing to read: not gathered, not installed, or its exit
    code and first line of output."""
    if found is None:
        return "not gathered"
    if found.timed_out:
        return "timed out (stopped by the gather's limit on each command)"
    if found.refused is not None:
        return f"not read: {found.refused}"
    text = (found.err or found.out).strip().splitlines()
    detail = text[0][:200] if text else "no output"
    if found.rc == 127:
        return f"command not installed ({detail})"
    return f"exit {found.rc}: {detail}"
