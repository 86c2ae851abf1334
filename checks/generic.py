"""Generic checks, so a course author can add an exercise in exercises.yaml alone.

    - id: extra.hostname
      check: command
      params: {command: "cat /etc/hostname", pattern: "^devstack", exit_code: 0}
    - id: extra.ssh-rule-anywhere
      check: iptables_rule
      params: {table: filter, chain: "neutron-openvswi-i.*", rule: "--dport 22 .*-j RETURN"}

Patterns are Python regular expressions: `pattern`/`rule`/`argument` are searched, name
patterns (`chain`, `namespace`, `interface`, `program`) must match the whole name.
"""

from __future__ import annotations

import re
from typing import Any

from checks._common import lines
from checks._registry import check
from grader.facts import Facts, NamespaceView
from grader.outcome import CannotGrade, Outcome, failed, passed
from grader.paramtypes import Regex


def _regex(pattern: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise CannotGrade(f"bad regular expression in {what}: {pattern!r} ({error})") from None


def _views(facts: Facts, namespace: str | None) -> list[NamespaceView]:
    if namespace is None:
        return [facts.root]
    wanted = _regex(namespace, "namespace")
    return [view for name, view in sorted(facts.namespaces.items()) if wanted.fullmatch(name)]


def _command_gathers(params: dict[str, Any]) -> list[str]:
    command = params.get("command")
    return [command] if isinstance(command, str) and command.strip() else []


@check("command", gathers=_command_gathers)
def command(
    facts: Facts,
    *,
    command: str,
    pattern: Regex | None = None,
    exit_code: int | None = 0,
    absent: bool = False,
) -> Outcome:
    """Run COMMAND (in the gather, as root) and look for PATTERN in its output (ABSENT: must not
    appear) and/or EXIT_CODE (null: any)."""
    rc, out = facts.command_output(command)
    expected = " and ".join(
        part
        for part in (
            f"exit code {exit_code}" if exit_code is not None else "",
            (f"no line matching /{pattern}/" if absent else f"a line matching /{pattern}/")
            if pattern
            else "",
        )
        if part
    )
    problems = []
    if exit_code is not None and rc != exit_code:
        problems.append(f"exit code {rc}")
    evidence = f"exit code {rc}"
    if pattern:
        regex = _regex(pattern, "pattern")
        matching = [line for line in out.splitlines() if regex.search(line)]
        if matching and absent:
            problems.append("found: " + lines(matching))
        elif not matching and not absent:
            problems.append("no line matches; output:\n" + lines(out.splitlines(), "(no output)"))
        elif matching:
            evidence = lines(matching)
    if problems:
        return failed("; ".join(problems), expected=expected, see=command)
    return passed(evidence, see=command, expected=expected)


@check("iptables_rule")
def iptables_rule(
    facts: Facts,
    *,
    rule: Regex,
    table: str = "filter",
    chain: Regex = ".*",
    namespace: Regex | None = None,
    reachable_from: str | None = None,
) -> Outcome:
    """A rule line (as `iptables -S` prints it) matching RULE in TABLE, in a chain matching
    CHAIN, in the root namespace or the namespaces matching NAMESPACE; with REACHABLE_FROM
    (e.g. FORWARD) only chains that built-in chain reaches count."""
    rule_re, chain_re = _regex(rule, "rule"), _regex(chain, "chain")
    views = _views(facts, namespace)
    expected = f"-t {table}: -A <{chain}> ... matching /{rule}/"
    if not views:
        return failed(
            f"no namespace matches /{namespace}/", expected=expected, see="sudo ip netns list"
        )
    errors = []
    looked: list[str] = []  # the rules of the chains CHAIN (and REACHABLE_FROM) selects
    unreached: dict[str, None] = {}
    for view in views:
        if view.rules_tool is None:
            errors.append(f"{view.name or 'root'}: {view.rules_error}")
            continue
        allowed = view.rules.reachable(table, reachable_from) if reachable_from else None
        where = f" (in {view.name})" if view.name else ""
        for found in view.rules.rules(table):
            if not chain_re.fullmatch(found.chain):
                continue
            if allowed is not None and found.chain not in allowed:
                unreached.setdefault(found.chain + where, None)
                continue
            if rule_re.search(found.line):
                return passed(
                    found.line + where, see=view.iptables(f"-t {table} -S"), expected=expected
                )
            looked.append(found.line + where)
    if errors and len(errors) == len(views):
        raise CannotGrade("could not read iptables rules: " + "; ".join(errors))
    evidence = (
        f"no rule matches in {len(views)} namespace(s); rules of the chains matching /{chain}/"
    )
    evidence += f" (reached from {reachable_from})" if reachable_from else ""
    evidence += ":\n" + lines(looked, "(no rules in such chains)")
    if unreached:
        evidence += f"\n(not reached from {reachable_from}: " + ", ".join(unreached) + ")"
    return failed(evidence, expected=expected, see=views[0].iptables(f"-t {table} -S"))


@check("namespace_exists")
def namespace_exists(facts: Facts, *, pattern: Regex) -> Outcome:
    """A network namespace whose whole name matches PATTERN."""
    regex = _regex(pattern, "pattern")
    found = [name for name in facts.namespace_names if regex.fullmatch(name)]
    expected = f"a namespace matching /{pattern}/"
    if found:
        return passed(lines(found), see="sudo ip netns list", expected=expected)
    listed = lines(facts.namespace_names, "(no namespaces)")
    return failed(
        f"no namespace matches; `ip netns list`:\n{listed}",
        expected=expected,
        see="sudo ip netns list",
    )


@check("interface_address")
def interface_address(
    facts: Facts,
    *,
    interface: Regex,
    address: Regex | None = None,
    namespace: Regex | None = None,
    prefixlen: int | None = None,
) -> Outcome:
    """A device whose name matches INTERFACE has an address (matching ADDRESS, a regex on
    `a.b.c.d/len`; with PREFIXLEN that length), in the root namespace or NAMESPACE."""
    if_re = _regex(interface, "interface")
    addr_re = _regex(address, "address") if address else None
    expected = f"an address{f' matching /{address}/' if address else ''} on /{interface}/"
    views = _views(facts, namespace)
    seen = []
    for view in views:
        for item in view.addresses:
            if not if_re.fullmatch(item.ifname):
                continue
            seen.append(item.line)
            if addr_re and not addr_re.search(item.cidr):
                continue
            if prefixlen is not None and item.prefixlen != prefixlen:
                continue
            return passed(item.line, see=view.run("ip a"), expected=expected)
    evidence = "no such address" + (
        "; addresses on matching devices:\n" + lines(seen) if seen else ""
    )
    return failed(evidence, expected=expected, see=(views[0].run("ip a") if views else "ip a"))


@check("process_arguments")
def process_arguments(
    facts: Facts, *, program: Regex, argument: Regex | None = None, namespace: Regex | None = None
) -> Outcome:
    """A process whose program name matches PROGRAM, with a command line matching ARGUMENT,
    running (with NAMESPACE) in a namespace matching that pattern."""
    program_re = _regex(program, "program")
    arg_re = _regex(argument, "argument") if argument else None
    ns_re = _regex(namespace, "namespace") if namespace else None
    expected = f"a {program} process" + (f" with /{argument}/" if argument else "")
    see = f"ps ww `pgrep {program}`" if re.fullmatch(r"[\w.-]+", program) else "ps -eo pid,args"
    candidates = [p for p in facts.processes if program_re.fullmatch(p.program)]
    for process in candidates:
        if arg_re and not arg_re.search(process.args):
            continue
        if ns_re and not ns_re.fullmatch(facts.pid_netns.get(process.pid) or ""):
            continue
        return passed(f"{process.pid} {process.args}", see=see, expected=expected)
    shown = lines(f"{p.pid} {p.args}" for p in candidates)
    return failed(f"no matching process; {program} processes:\n{shown}", expected=expected, see=see)
