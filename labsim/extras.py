"""Extra steps a scenario adds to a simulated host (`extras:` in scenarios.yaml): what a student
can do by hand to look done without doing the exercise.

    extras:
      - iptables: {ns: root, table: filter, lines: ["-N stray", "-A stray -p icmp -j RETURN"]}
      - process: {ns: root, argv: [dnsmasq, "--interface={dhcp_tap}"]}   # only looks like it
      - address: {ns: qrouter, dev: "{qg_dev}", cidr: "{spare_public_ip}/32"}

`ns` is root, qrouter or qdhcp (the host's own namespaces). Text may name the plan's values as
{placeholders} (PLACEHOLDERS). A process is `perl` sleeping forever with its command line
rewritten to ARGV, so `ps` shows exactly ARGV. The steps run after the host is built, before sshd.

    steps = parse_extras(raw, fail)     # validated at scenario load (fail -> InputFileError)
    lines = extras_script(plan)         # shell lines for labsim/script.py
"""

from __future__ import annotations

import ipaddress
import shlex
import string
from collections.abc import Callable, Mapping
from typing import Any

from grader.errors import LabError

Plan = dict[str, Any]
Fail = Callable[[str, str], Exception]  # (key, problem) -> the error to raise

NAMESPACES = ("root", "qrouter", "qdhcp")
TABLES = ("filter", "nat", "mangle", "raw")
STEP_KEYS = {
    "iptables": {"ns": False, "table": False, "lines": True},
    "process": {"ns": False, "argv": True},
    "address": {"ns": False, "dev": True, "cidr": True},
}
PLAN_PLACEHOLDERS = (
    "tap", "chain_in", "port_id", "fixed_ip", "floating_ip", "qg_dev", "qr_dev", "dhcp_tap",
    "dhcp_ip", "network_id", "router_id", "qrouter_ns", "qdhcp_ns", "qg_ip",
)  # fmt: skip
PLACEHOLDERS = (*PLAN_PLACEHOLDERS, "spare_public_ip", "spare_private_ip")
PROCESS_CODE = '$0 = join(" ", @ARGV); sleep'  # perl: show ARGV in ps, then sleep forever


def parse_extras(raw: Any, fail: Fail) -> tuple[dict[str, Any], ...]:
    """The validated steps of an `extras:` value (plain Python data from YAML)."""
    if not isinstance(raw, list):
        raise fail("extras", "expected a list of steps")
    return tuple(_step(item, fail) for item in raw)


def _step(item: Any, fail: Fail) -> dict[str, Any]:
    if not isinstance(item, dict) or len(item) != 1:
        raise fail("extras", f"each step is one of {', '.join(STEP_KEYS)}: {{...}}")
    kind, body = next(iter(item.items()))
    if kind not in STEP_KEYS:
        raise fail(str(kind), f"unknown extras step (one of {', '.join(STEP_KEYS)})")
    if not isinstance(body, dict):
        raise fail(kind, "expected a mapping")
    for key, required in STEP_KEYS[kind].items():
        if required and key not in body:
            raise fail(f"{kind}.{key}", "missing")
    for key, value in body.items():
        if key not in STEP_KEYS[kind]:
            raise fail(f"{kind}.{key}", "unknown key")
        _check_value(kind, key, value, fail)
    return {kind: dict(body)}


def _check_value(kind: str, key: str, value: Any, fail: Fail) -> None:
    where = f"{kind}.{key}"
    if key == "ns" and value not in NAMESPACES:
        raise fail(where, f"expected one of {', '.join(NAMESPACES)}")
    if key == "table" and value not in TABLES:
        raise fail(where, f"expected one of {', '.join(TABLES)}")
    texts = value if key in ("lines", "argv") else [value]
    if key in ("lines", "argv") and (not isinstance(value, list) or not value):
        raise fail(where, "expected a non-empty list of strings")
    for text in texts:
        if not isinstance(text, str) or not text or "\n" in text or "\0" in text:
            raise fail(where, "expected one-line strings")
        for _, name, _, _ in string.Formatter().parse(text):
            if name is not None and name not in PLACEHOLDERS:
                raise fail(
                    where, f"unknown placeholder {{{name}}} (known: {', '.join(PLACEHOLDERS)})"
                )


def _spare(cidr: str, taken: set[str | None], start: int) -> str:
    network = ipaddress.IPv4Network(cidr)
    for offset in range(start, network.num_addresses - 1):
        address = str(network[offset])
        if address not in taken:
            return address
    raise LabError(f"no spare address in {cidr}")


def placeholders(plan: Plan) -> dict[str, str]:
    """Placeholder -> value for PLAN (spare addresses: free ones, the same for one plan)."""
    values = {name: str(plan.get(name) or "") for name in PLAN_PLACEHOLDERS}
    public = {plan["qg_ip"], plan["floating_ip"], plan["public_gateway"]}
    private = {plan["fixed_ip"], plan["dhcp_ip"], plan["private_gateway"]}
    values["spare_public_ip"] = _spare(plan["public_cidr"], public, 200)
    values["spare_private_ip"] = _spare(plan["private_cidr"], private, 200)
    return values


def _fill(text: str, values: Mapping[str, str]) -> str:
    return text.format_map(values)


def _in_ns(plan: Plan, ns: str) -> str:
    """The prefix that runs a command in the host namespace NS."""
    return "" if ns == "root" else f"ip netns exec {shlex.quote(plan[f'{ns}_ns'])} "


def _step_lines(plan: Plan, step: Mapping[str, Any], values: Mapping[str, str]) -> list[str]:
    kind, body = next(iter(step.items()))
    prefix = _in_ns(plan, body.get("ns", "root"))
    if kind == "iptables":
        table = shlex.quote(body.get("table", "filter"))
        return [
            prefix + f"iptables -t {table} " + shlex.join(shlex.split(_fill(line, values)))
            for line in body["lines"]
        ]
    if kind == "process":
        argv = shlex.join(_fill(word, values) for word in body["argv"])
        code = shlex.quote(PROCESS_CODE)
        return [f"{prefix}perl -e {code} -- {argv} </dev/null >/dev/null 2>&1 &"]
    cidr, dev = (shlex.quote(_fill(body[k], values)) for k in ("cidr", "dev"))
    return [f"{prefix}ip addr add {cidr} dev {dev}"]


def extras_script(plan: Plan) -> list[str]:
    """Shell lines carrying out the plan's extras steps (none: [])."""
    steps = plan.get("extras") or []
    if not steps:
        return []
    values = placeholders(plan)
    return [line for step in steps for line in _step_lines(plan, step, values)]
