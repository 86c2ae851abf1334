"""Students from an Ansible inventory: every host is a student, named by its inventory name.

With ansible-core installed, `ansible-inventory --list` resolves the inventory (a file or a
directory, group_vars/, host_vars/, plugins: grader/ansible_inventory.py). Without it, the
built-in parser reads one INI or YAML file: variables come from `all`, then the host's groups
(parents first), then the host itself, and it says what it ignored (group_vars/ and host_vars/
beside the file, variables it does not use). Either way:

    ansible_host, ansible_user, ansible_port   -> target ssh://USER@HOST:PORT
    ansible_ssh_private_key_file               -> identity_file
    ansible_ssh_common_args, _extra_args       -> more ssh options (-o, -J, -F ...)
    ansible_become                             -> sudo
    ansible_connection: local | docker | ...   -> local:// | docker://HOST | ...
    student_name, student_email                -> name, email
    student_answers, student_answers_path      -> answers (a file here), answers_path (on the host)

    [class]
    devstack-07 ansible_host=10.0.0.7 student_name="Ada L." student_email=ada@example.edu
    [class:vars]
    ansible_user=stack
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader import ansible_inventory
from grader.ansible_inventory import connection_fields, hostvars, inventory_hosts, ssh_args
from grader.errors import InputFileError
from grader.inventory import INSTALL, Fields, Student, check_unique, read_text
from grader.yamlfile import MappingNode, parse_yaml

RANGE = re.compile(r"\[(\d+):(\d+)\]")
USED = {  # the variables labgrade reads (ansible_inventory.connection_fields, ssh_args)
    "ansible_host",
    "ansible_connection",
    "ansible_user",
    "ansible_ssh_user",
    "ansible_port",
    "ansible_ssh_port",
    "ansible_ssh_private_key_file",
    "ansible_private_key_file",
    "ansible_become",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
    "student_name",
    "student_email",
    "student_answers",
    "student_answers_path",
}
ANSWERS = {"answers": "student_answers", "answers_path": "student_answers_path"}
LABELS = {  # student field -> the variable named in errors
    "id": "host name",
    "target": "ansible_host",
    "user": "ansible_user",
    "port": "ansible_port",
    "identity_file": "ansible_ssh_private_key_file",
    "sudo": "ansible_become",
    "name": "student_name",
    "email": "student_email",
    **ANSWERS,
}
MAX_HOSTS = 5000


@dataclass
class Group:
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass
class Inventory:
    groups: dict[str, Group] = field(default_factory=lambda: {"all": Group()})
    host_vars: dict[str, dict[str, Any]] = field(default_factory=dict)
    host_lines: dict[str, int] = field(default_factory=dict)

    def group(self, name: str) -> Group:
        return self.groups.setdefault(name, Group())

    def add_host(self, name: str, group: str, line: int, variables: Mapping[str, Any]) -> None:
        self.host_lines.setdefault(name, line)
        self.host_vars.setdefault(name, {}).update(variables)
        if name not in self.group(group).hosts:
            self.group(group).hosts.append(name)

    def parents(self, group: str, seen: frozenset[str] = frozenset()) -> list[str]:
        """Groups that contain GROUP, farthest first ("all" always first)."""
        found: list[str] = []
        for name, candidate in self.groups.items():
            if group in candidate.children and name not in seen:
                found = [*self.parents(name, seen | {group}), name, *found]
        return list(dict.fromkeys(["all", *found]))

    def variables(self, host: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        direct = [name for name, group in self.groups.items() if host in group.hosts]
        for name in direct:
            for group in [*self.parents(name), name]:
                merged.update(self.groups[group].vars)
        return merged | self.host_vars[host]


def expand(pattern: str) -> list[str]:
    """web[01:03] -> web01, web02, web03 (numeric ranges only)."""
    match = RANGE.search(pattern)
    if not match:
        return [pattern]
    first, last = match.group(1), match.group(2)
    width = len(first) if first.startswith("0") else 0
    names = [
        pattern[: match.start()] + str(n).zfill(width) + pattern[match.end() :]
        for n in range(int(first), int(last) + 1)
    ]
    if len(names) > MAX_HOSTS:
        return names[: MAX_HOSTS + 1]
    return [name for item in names for name in expand(item)]


def key_values(words: list[str], path: str, line: int) -> dict[str, str]:
    pairs = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise InputFileError(path, line, word, "expected key=value")
        pairs[key] = value
    return pairs


def parse_ini(path: str, text: str) -> Inventory:
    inventory = Inventory()
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise InputFileError(path, number, None, f"bad section header {line!r}")
            section, _, kind = line[1:-1].partition(":")
            kind = kind or "hosts"
            if kind not in ("hosts", "vars", "children"):
                raise InputFileError(path, number, None, f"unknown section kind {kind!r}")
            inventory.group(section)
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            raise InputFileError(path, number, None, f"cannot split the line: {error}") from None
        if kind == "vars":
            inventory.group(section).vars.update(key_values(words, path, number))
        elif kind == "children":
            inventory.group(section).children.append(words[0])
            inventory.group(words[0])
        else:
            variables = key_values(words[1:], path, number)
            for host in expand(words[0]):
                inventory.add_host(host, section, number, variables)
    return inventory


def yaml_group(inventory: Inventory, name: str, node: Any, path: str, line: int) -> None:
    if node is None:
        inventory.group(name)
        return
    if not isinstance(node, MappingNode):
        raise InputFileError(path, line, name, "a group is a mapping (hosts, vars, children)")
    group = inventory.group(name)
    for key in node:
        if key not in ("hosts", "vars", "children"):
            raise InputFileError(path, node.key_line(key), key, "unknown key in a group")
    hosts = node.get("hosts") or MappingNode()
    for host, variables in _mapping(hosts, path, node.key_line("hosts"), "hosts"):
        for each in expand(host):
            inventory.add_host(each, name, hosts.key_line(host), variables or {})
    group.vars.update(dict(node.get("vars") or {}))
    children = node.get("children") or MappingNode()
    for child, child_node in _mapping(children, path, node.key_line("children"), "children"):
        group.children.append(child)
        yaml_group(inventory, child, child_node, path, children.key_line(child))


def _mapping(node: Any, path: str, line: int, key: str) -> Iterator[tuple[str, Any]]:
    if not isinstance(node, MappingNode):
        raise InputFileError(path, line, key, "must be a mapping")
    for name, value in node.items():
        if value is not None and not isinstance(value, MappingNode) and key == "hosts":
            raise InputFileError(path, node.key_line(name), name, "host variables: a mapping")
        yield name, value


def parse_yaml_inventory(path: str, text: str) -> Inventory:
    doc = parse_yaml(path, text)
    if not isinstance(doc, MappingNode):
        raise InputFileError(path, None, None, "an Ansible YAML inventory is a mapping of groups")
    inventory = Inventory()
    for name, node in doc.items():
        yaml_group(inventory, name, node, path, doc.key_line(name))
    return inventory


def is_yaml(text: str) -> bool:
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and ln[0] != "#"), "")
    return first == "---" or (first.endswith(":") and not first.startswith("["))


def make_student(
    path: str, line: int | None, host: str, variables: Mapping[str, Any], base_dir: Path
) -> Student:
    """HOST as a student; InputFileError naming PATH (LINE) and the variable."""
    try:
        raw = connection_fields(host, variables)
        raw |= {key: variables[name] for key, name in ANSWERS.items() if name in variables}
        extra = ssh_args(variables)
    except ValueError as error:
        variable, _, problem = str(error).partition(": ")
        raise InputFileError(path, line, variable, f"host {host}: {problem}") from None
    try:
        student = Fields(path, base_dir, line, {}, LABELS).student(raw)  # type: ignore[arg-type]
    except InputFileError as error:
        if line is not None:
            raise
        raise InputFileError(path, None, error.key, f"host {host}: {error.problem}") from None
    return replace(student, ssh_args=extra)


def resolved_students(path: str, listing: Mapping[str, Any]) -> list[Student]:
    """Students from what `ansible-inventory -i PATH --list` printed."""
    hosts = inventory_hosts(listing)
    if len(hosts) > MAX_HOSTS:
        raise InputFileError(path, None, None, f"more than {MAX_HOSTS} hosts")
    students = [make_student(path, None, h, hostvars(listing, h), Path.cwd()) for h in hosts]
    return check_unique(students, [0] * len(students), path)


def ignored(path: str, inventory: Inventory) -> list[str]:
    """One line for each directory beside PATH and each variable the built-in parser ignores."""
    notes = []
    for directory in ("group_vars", "host_vars"):
        if (Path(path).resolve().parent / directory).is_dir():
            notes.append(
                f"{path}: {directory}/ beside it ignored: without ansible-inventory only the "
                f"file is read ({INSTALL})"
            )
    names = {name for host in inventory.host_lines for name in inventory.variables(host)}
    for name in sorted(names - USED):
        if name.startswith("ansible_"):
            notes.append(f"{path}: variable {name} ignored (labgrade does not use it)")
    return notes


def ansible_students(path: str, text: str, notes: list[str]) -> list[Student]:
    """Students from one INI or YAML inventory file (the built-in parser); what it ignored
    is added to NOTES."""
    inventory = parse_yaml_inventory(path, text) if is_yaml(text) else parse_ini(path, text)
    hosts = list(inventory.host_lines)
    if len(hosts) > MAX_HOSTS:
        raise InputFileError(path, None, None, f"more than {MAX_HOSTS} hosts")
    base_dir = Path(path).resolve().parent
    students, lines = [], []
    for host in hosts:
        line = inventory.host_lines[host]
        students.append(make_student(path, line, host, inventory.variables(host), base_dir))
        lines.append(line)
    notes += ignored(path, inventory)
    return check_unique(students, lines, path)


def load_ansible_inventory(path: str | Path, notes: list[str] | None = None) -> list[Student]:
    """Students from an Ansible inventory: each host is a student. Resolved by
    `ansible-inventory` when installed; else by the built-in parser (an INI or YAML file),
    which adds to NOTES one line for each variable and directory it ignored."""
    name = str(path)
    if ansible_inventory.program() is not None:
        return resolved_students(name, ansible_inventory.list_inventory(name))
    if Path(name).is_dir():
        raise InputFileError(
            name, None, None, f"an inventory directory needs ansible-inventory ({INSTALL})"
        )
    return ansible_students(name, read_text(name), notes if notes is not None else [])
