"""A check's hint for one host: the command of the host's release, the host's own names.

In exercises.yaml a hint is a string, or a mapping whose `text` holds `{command}` and whose
`command` gives the command per release, each from the release it names until the next one
(the oldest also covers the releases before it); docs/exercises.md:

    hint:
      text: Add an ingress ICMP rule ({command}), then ...
      command:
        icehouse: "`neutron security-group-rule-create --protocol icmp default`"
        newton: "`openstack security group rule create --protocol icmp default`"

    render_hint(spec.hint, spec.hint_commands, release_era(facts), host_names(facts))

The host's release range (grader/facts/release_era.py) picks the commands: one when the range
falls within one variant's releases, else each with the releases it is for. Placeholders
`<instance>` (the id of the only instance qemu runs), `<router id>`, `<network id>`, `<floating
IP>`, `<fixed IP>` become the host's own values where they are known (and look like what they
are: host output is untrusted); any other `<...>` is the student's to fill in.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from grader.facts.release_era import NAMES, NEWEST, OLDEST, ReleaseEra, nova_instances, span
from grader.facts.types import Facts
from grader.yaml_fields import did_you_mean

SLOT = "{command}"
PLACEHOLDERS = ("<instance>", "<router id>", "<network id>", "<floating IP>", "<fixed IP>")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def parse_hint(
    value: Any, line: int, key_line: Callable[[str], int], error: Callable[..., Exception]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(text, ((release, command), ...) oldest first) of a `hint:` value; ERROR(line, key,
    problem) for what is wrong. KEY_LINE(key) is the line of a key of a mapping VALUE."""
    if isinstance(value, str):
        if SLOT in value:
            raise error(line, "hint", f"{SLOT} needs the mapping form (text: and command:)")
        return value.strip(), ()
    if not isinstance(value, Mapping):
        raise error(line, "hint", "must be a string or a mapping with text: and command:")
    for key in value:
        if key not in ("text", "command"):
            raise error(key_line(key), f"hint.{key}", "unknown key (hint takes text, command)")
    text, commands = value.get("text"), value.get("command")
    if not isinstance(text, str) or SLOT not in text:
        raise error(key_line("text") if "text" in value else line, "hint.text",
                    f"must be a string holding {SLOT}")  # fmt: skip
    if text.count(SLOT) != 1:
        raise error(key_line("text"), "hint.text", f"must hold {SLOT} once")
    where = key_line("command") if "command" in value else line
    if not isinstance(commands, Mapping) or not commands:
        raise error(where, "hint.command", "must be a mapping: release -> command")
    line_of = getattr(commands, "key_line", lambda _key: where)
    found: list[tuple[str, str]] = []
    for release, command in commands.items():
        if release not in NAMES:
            close = did_you_mean(str(release), list(NAMES))
            raise error(line_of(release), f"hint.command.{release}",
                        f"unknown release{close} (known: {', '.join(NAMES)})")  # fmt: skip
        if not isinstance(command, str) or not command.strip():
            raise error(line_of(release), f"hint.command.{release}", "must be a non-empty string")
        found.append((str(release), " ".join(command.split())))
    order = [release for release, _ in found]
    if order != sorted(order, key=NAMES.index):
        raise error(where, "hint.command", "releases must go oldest first")
    return text.strip(), tuple(found)


def render_hint(
    text: str,
    commands: Sequence[tuple[str, str]],
    era: ReleaseEra,
    names: Mapping[str, str] | None = None,
) -> str:
    """TEXT with {command} replaced by the commands of ERA's releases and the placeholders
    by NAMES (placeholder -> value)."""
    if commands:
        text = text.replace(SLOT, _commands(commands, era))
    for placeholder, value in (names or {}).items():
        text = text.replace(placeholder, value)
    return text


def _commands(commands: Sequence[tuple[str, str]], era: ReleaseEra) -> str:
    """The command of each variant whose releases meet ERA's, labelled with those releases
    when there are several."""
    starts = [OLDEST] + [NAMES.index(release) for release, _ in commands[1:]]
    ends = [start - 1 for start in starts[1:]] + [NEWEST]
    shown = [
        (max(start, era.first), min(end, era.last), command)
        for (_, command), start, end in zip(commands, starts, ends)
        if start <= era.last and end >= era.first
    ]
    if len(shown) == 1:
        return shown[0][2]
    return "; ".join(f"{span(first, last)}: {command}" for first, last, command in shown)


def host_names(facts: Any) -> dict[str, str]:
    """Placeholder -> the host's own value, for the names FACTS know for sure."""
    if not isinstance(facts, Facts):
        return {}
    found: dict[str, str | None] = {}
    try:
        found["<router id>"] = _router_id(facts)
        found["<network id>"] = facts.dhcp.ns.removeprefix("qdhcp-") if facts.dhcp else None
        instance = facts.instance
        fixed = instance.fixed_ips if instance else ()
        found["<fixed IP>"] = fixed[0] if len(fixed) == 1 else None
        found["<floating IP>"] = _floating_ip(facts)
        instances = {uuid for _, uuid in nova_instances(facts)}
        found["<instance>"] = instances.pop() if len(instances) == 1 else None
    except Exception:  # a fact refused (CannotGrade) or odd: keep what was found so far
        pass
    return {key: value for key, value in found.items() if value and _plausible(key, value)}


def _router_id(facts: Facts) -> str | None:
    if facts.router is not None:
        return facts.router.ns.removeprefix("qrouter-")
    routers = facts.northbound.routers if facts.northbound else []
    if len(routers) == 1 and routers[0].name.startswith("neutron-"):
        return routers[0].name.removeprefix("neutron-")
    return None


def _floating_ip(facts: Facts) -> str | None:
    """The instance's floating IP; without one, the only /32 left on the router's qg-."""
    if facts.instance is not None and facts.instance.floating_ip:
        return facts.instance.floating_ip
    floating = facts.router.floating if facts.router is not None else ()
    return floating[0].address if len(floating) == 1 else None


def _plausible(placeholder: str, value: str) -> bool:
    if placeholder.endswith("IP>"):
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return False
        return True
    return bool(_ID.match(value))
