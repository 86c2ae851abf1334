"""Open vSwitch / OVN outputs: `ovs-vsctl list-br|list-ports`, `ovs-ofctl dump-flows`,
`ovs-vsctl get Open_vSwitch . external_ids`, `ovn-nbctl list NAT`.

    parse_names("br-ex\nbr-int\n") -> ["br-ex", "br-int"]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.parsers.numbers import ascii_int

_TABLE = re.compile(r"\btable=([0-9]+)")
_PRIORITY = re.compile(r"\bpriority=([0-9]+)")


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
        flows.append(
            Flow(
                _field(_TABLE, raw, 0),
                _field(_PRIORITY, raw, 32768),
                raw.strip(),
                _match(raw),
                raw.split("actions=", 1)[1].strip(),
            )
        )
    return flows


def _field(pattern: re.Pattern[str], raw: str, default: int) -> int:
    match = pattern.search(raw)
    number = ascii_int(match.group(1)) if match else None
    return default if number is None else number


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
    return {key: value.strip('"') for key, value in ovsdb_pairs(text.strip().strip("{}"))}


# One token at a time, each kind told apart by its first character, and nothing after a loop
# can fail (the closing quote is optional), so nothing is given back and a scan is linear on any
# text: a quoted string (unclosed: to the end), a run of anything else but quotes and commas,
# or a comma.
_TOKEN = re.compile(r'"(?:[^"\\]+|\\.?)*"?|[^",]+|,', re.DOTALL)


def ovsdb_items(body: str) -> list[str]:
    """BODY split at the commas outside double quotes: `a, "b,c"` -> ['a', '"b,c"']."""
    items: list[str] = []
    current: list[str] = []
    for match in _TOKEN.finditer(body):
        if match.group() == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(match.group())
    items.append("".join(current).strip())
    return [item for item in items if item]


def ovsdb_pairs(body: str) -> list[tuple[str, str]]:
    """`k=v, "k:2"="v"` -> [('k', 'v'), ('"k:2"', '"v"')]: keys and values as printed."""
    pairs = []
    for item in ovsdb_items(body):
        if item.startswith('"'):
            quoted = _TOKEN.match(item)
            key = quoted.group() if quoted else item
            sep, value = item[len(key) : len(key) + 1], item[len(key) + 1 :]
        else:
            key, sep, value = item.partition("=")
        if sep == "=" and key.strip():
            pairs.append((key.strip(), value.strip()))
    return pairs


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
