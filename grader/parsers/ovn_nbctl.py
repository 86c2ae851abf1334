"""OVN northbound outputs (`ovn-nbctl list TABLE`) and `ovs-ofctl show`.

records = parse_ovn_records(text)           # [{"_uuid": "...", "match": "outport == ..."}]
ovn_list('["fa:16:3e:58:2d:f5 10.0.0.190"]')  -> ["fa:16:3e:58:2d:f5 10.0.0.190"]
ovn_map('{router="10.0.0.1", mtu="1442"}')    -> {"router": "10.0.0.1", "mtu": "1442"}
parse_ofports(" 10(tap4e56410c-a3): addr:0e:..")  -> {"tap4e56410c-a3": 10}
"""

from __future__ import annotations

import re

from grader.parsers.numbers import ascii_int
from grader.parsers.ovs import ovsdb_items, ovsdb_pairs, parse_ovn_records

_OFPORT = re.compile(r"\s*([0-9]+)\(([^)]+)\):", re.ASCII)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def ovn_list(value: str | None) -> list[str]:
    """A set column (`[a, b]`, a bare scalar, or `[]`) as a list of strings."""
    if value is None:
        return []
    body = value.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    return [_unquote(item) for item in ovsdb_items(body)]


def ovn_map(value: str | None) -> dict[str, str]:
    """A map column (`{k=v, "k:2"="v"}`) as a dict."""
    body = (value or "").strip().removeprefix("{").removesuffix("}")
    return {_unquote(key): _unquote(value) for key, value in ovsdb_pairs(body)}


def parse_ofports(text: str) -> dict[str, int]:
    """`ovs-ofctl show BRIDGE`: port name -> OpenFlow port number (LOCAL left out)."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        match = _OFPORT.match(line)
        number = ascii_int(match.group(1)) if match else None
        if match and number is not None:
            found[match.group(2)] = number
    return found


__all__ = ["ovn_list", "ovn_map", "parse_ofports", "parse_ovn_records"]
