"""Open vSwitch / OVN outputs: `ovs-vsctl list-br|list-ports`, `ovs-ofctl dump-flows`,
`ovs-vsctl get Open_vSwitch . external_ids`, `ovn-nbctl list NAT`.

    parse_names("br-ex\nbr-int\n") -> ["br-ex", "br-int"]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TABLE = re.compile(r"\btable=(\d+)")
_PRIORITY = re.compile(r"\bpriority=(\d+)")


@dataclass(frozen=True)
class Flow:
    table: int
    priority: int
    line: str
    match: tuple[tuple[str, str], ...] = ()  # ("tcp", ""), ("reg5", "0xa"), ("tp_dst", "22")
    actions: str = ""

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.match if key == name), None)

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.match)


def parse_names(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_flows(text: str) -> list[Flow]:
    flows: list[Flow] = []
    for raw in text.splitlines():
        if "actions=" not in raw:
            continue
        table = _TABLE.search(raw)
        priority = _PRIORITY.search(raw)
        flows.append(
            Flow(
                int(table.group(1)) if table else 0,
                int(priority.group(1)) if priority else 32768,
                raw.strip(),
                _match(raw),
                raw.split("actions=", 1)[1].strip(),
            )
        )
    return flows


_STATS = {"cookie", "duration", "table", "n_packets", "n_bytes", "idle_age", "hard_age"}
_STATS |= {"idle_timeout", "hard_timeout", "priority", "importance", "send_flow_rem"}


def _match(raw: str) -> tuple[tuple[str, str], ...]:
    """The match fields of a dump-flows line (statistics and priority left out)."""
    head = raw.split("actions=", 1)[0].replace(", ", ",").strip().rstrip(",")
    fields: list[tuple[str, str]] = []
    for part in head.replace(" ", ",").split(","):
        name, _, value = part.strip().partition("=")
        if name and name not in _STATS:
            fields.append((name, value))
    return tuple(fields)


def parse_external_ids(text: str) -> dict[str, str]:
    """`{hostname=devstack, ovn-remote="tcp:10.0.0.5:6642"}` -> dict."""
    body = text.strip().strip("{}")
    found: dict[str, str] = {}
    for match in re.finditer(r'([\w.-]+)=("(?:[^"\\]|\\.)*"|[^,]*)', body):
        found[match.group(1)] = match.group(2).strip().strip('"')
    return found


def parse_ovn_records(text: str) -> list[dict[str, str]]:
    """`ovn-nbctl list TABLE` (blank-line separated `column : value` records)."""
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for raw in text.splitlines():
        if not raw.strip():
            if current:
                records.append(current)
            current = {}
            continue
        column, sep, value = raw.partition(":")
        if sep:
            current[column.strip()] = value.strip().strip('"')
    if current:
        records.append(current)
    return records
