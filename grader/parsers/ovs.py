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
            )
        )
    return flows


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
