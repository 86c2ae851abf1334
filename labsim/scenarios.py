"""Load and validate the lab's scenarios file (labsim/scenarios.yaml by default).

A scenario is plain data: which parts of the exercise a simulated host holds. Errors name the
file, the line and the key (`InputFileError`, exit code 2).

    >>> scenarios = load_scenarios()
    >>> scenarios["complete"].floating_ip
    True
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.errors import InputFileError, LabError
from labsim.extras import parse_extras

DEFAULT_FILE = Path(__file__).with_name("scenarios.yaml")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
PROTOCOLS = ("tcp", "udp", "icmp", "any")
BOOL_KEYS = ("instance", "floating_ip", "dhcp", "metadata")
SCENARIO_KEYS = ("description", *BOOL_KEYS, "security_group_rules", "extras")
RULE_KEYS = ("protocol", "port", "icmp_type", "remote_ip_prefix", "remote_group")


@dataclass(frozen=True)
class Rule:
    """One ingress security-group rule, as the Neutron server hands it to the agent."""

    protocol: str = "any"
    port_min: int | None = None
    port_max: int | None = None
    icmp_type: int | None = None
    remote_ip_prefix: str | None = None
    remote_group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    instance: bool = True
    floating_ip: bool = True
    dhcp: bool = True
    metadata: bool = True
    security_group_rules: tuple[Rule, ...] = field(default_factory=tuple)
    extras: tuple[dict[str, Any], ...] = ()  # labsim/extras.py steps


def scenarios_file() -> Path:
    """The scenarios file in use: $LABGRADE_LAB_SCENARIOS, else the packaged one."""
    return Path(os.environ.get("LABGRADE_LAB_SCENARIOS") or DEFAULT_FILE)


def load_scenarios(path: Path | str | None = None) -> dict[str, Scenario]:
    """Parse and validate a scenarios file; raise InputFileError naming file, line and key."""
    path = Path(path) if path is not None else scenarios_file()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputFileError(str(path), None, None, f"cannot read: {error.strerror}") from None
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise InputFileError(str(path), line, None, f"not valid YAML: {problem}") from None
    return _Validator(str(path)).document(root)


def get_scenario(name: str, path: Path | str | None = None) -> Scenario:
    return pick(load_scenarios(path), name)


def pick(scenarios: dict[str, Scenario], name: str) -> Scenario:
    if name not in scenarios:
        known = ", ".join(sorted(scenarios))
        raise LabError(f"unknown scenario '{name}' (known: {known})")
    return scenarios[name]


class _Validator:
    def __init__(self, path: str):
        self.path = path

    def fail(self, node: yaml.Node | None, key: str | None, problem: str) -> InputFileError:
        line = node.start_mark.line + 1 if node is not None else None
        return InputFileError(self.path, line, key, problem)

    def mapping(self, node: yaml.Node | None, key: str | None) -> list[tuple[str, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key, "expected a mapping")
        pairs: list[tuple[str, yaml.Node]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(name, str):
                raise self.fail(key_node, key, "keys must be strings")
            if name in seen:
                raise self.fail(key_node, name, "duplicate key")
            seen.add(name)
            pairs.append((name, value_node))
        return pairs

    def scalar(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, key, "expected a single value")
        return yaml.safe_load(yaml.serialize(node))

    def document(self, root: yaml.Node | None) -> dict[str, Scenario]:
        if root is None:
            raise self.fail(None, None, "empty file")
        top = dict(self.mapping(root, None))
        for name in top:
            if name != "scenarios":
                raise self.fail(root, name, "unknown top-level key (expected 'scenarios')")
        if "scenarios" not in top:
            raise self.fail(root, "scenarios", "missing")
        result: dict[str, Scenario] = {}
        for name, node in self.mapping(top["scenarios"], "scenarios"):
            if not NAME_RE.match(name):
                raise self.fail(node, name, "scenario names are lowercase letters, digits, '-'")
            result[name] = self.scenario(name, node)
        if not result:
            raise self.fail(top["scenarios"], "scenarios", "no scenario defined")
        return result

    def scenario(self, name: str, node: yaml.Node) -> Scenario:
        values: dict[str, Any] = {}
        for key, value_node in self.mapping(node, name):
            if key not in SCENARIO_KEYS:
                raise self.fail(value_node, key, f"unknown key in scenario '{name}'")
            if key == "security_group_rules":
                values[key] = self.rules(value_node)
                continue
            if key == "extras":
                raw = yaml.safe_load(yaml.serialize(value_node))
                values[key] = parse_extras(raw, functools.partial(self.fail, value_node))
                continue
            value = self.scalar(value_node, key)
            if key == "description":
                if not isinstance(value, str) or not value.strip():
                    raise self.fail(value_node, key, "expected a non-empty string")
            elif not isinstance(value, bool):
                raise self.fail(value_node, key, "expected true or false")
            values[key] = value
        if "description" not in values:
            raise self.fail(node, "description", f"missing in scenario '{name}'")
        if values.get("instance") is False:
            if values.get("floating_ip") is True:
                raise self.fail(node, "floating_ip", "a floating IP needs instance: true")
            values["floating_ip"] = False  # no instance: no floating IP either (the default)
        return Scenario(name=name, **values)

    def rules(self, node: yaml.Node) -> tuple[Rule, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, "security_group_rules", "expected a list")
        return tuple(self.rule(item) for item in node.value)

    def rule(self, node: yaml.Node) -> Rule:
        raw: dict[str, tuple[Any, yaml.Node]] = {}
        for key, value_node in self.mapping(node, "security_group_rules"):
            if key not in RULE_KEYS:
                raise self.fail(value_node, key, "unknown key in a security group rule")
            raw[key] = (self.scalar(value_node, key), value_node)
        if "remote_group" in raw:
            value, where = raw.pop("remote_group")
            if raw or value != "default":
                raise self.fail(where, "remote_group", "only {remote_group: default} is supported")
            return Rule(remote_group="default")
        protocol, where = raw.get("protocol", ("any", node))
        if protocol not in PROTOCOLS:
            raise self.fail(where, "protocol", f"expected one of {', '.join(PROTOCOLS)}")
        port_min = port_max = icmp_type = None
        if "port" in raw:
            value, where = raw["port"]
            if protocol not in ("tcp", "udp"):
                raise self.fail(where, "port", "a port needs protocol tcp or udp")
            port_min, port_max = self.port_range(value, where)
        if "icmp_type" in raw:
            value, where = raw["icmp_type"]
            if protocol != "icmp" or not isinstance(value, int) or not 0 <= value <= 255:
                raise self.fail(where, "icmp_type", "expected 0-255 with protocol icmp")
            icmp_type = value
        prefix = None
        if "remote_ip_prefix" in raw:
            value, where = raw["remote_ip_prefix"]
            try:
                prefix = str(ipaddress.IPv4Network(str(value)))
            except ValueError:
                raise self.fail(where, "remote_ip_prefix", "expected an IPv4 CIDR") from None
        return Rule(protocol, port_min, port_max, icmp_type, prefix)

    def port_range(self, value: Any, where: yaml.Node) -> tuple[int, int]:
        text = str(value)
        low, _, high = text.partition(":")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise self.fail(where, "port", "expected a port or 'low:high'") from None
        if not 1 <= first <= last <= 65535:
            raise self.fail(where, "port", "ports are 1-65535, low <= high")
        return first, last
