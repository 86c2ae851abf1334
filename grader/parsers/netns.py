"""`ip netns list`, `ip netns pids NS` and `ip netns identify PID` outputs.

parse_netns_list("qrouter-9e5f (id: 1)\nqdhcp-4b52\n") -> ["qrouter-9e5f", "qdhcp-4b52"]
"""

from __future__ import annotations

from grader.parsers.numbers import ascii_int


def parse_netns_list(text: str) -> list[str]:
    names: dict[str, None] = {}
    for raw in text.splitlines():
        name = _without_id(raw.strip())
        if name:
            names.setdefault(name, None)
    return list(names)


def _without_id(line: str) -> str:
    """LINE without a trailing ` (id: N)` (no regex: linear whatever the host printed)."""
    head, sep, tail = line.rpartition("(id:")
    number = ascii_int(tail[:-1].strip()) if tail.endswith(")") else None
    if sep and head[-1:].isspace() and number is not None:
        return head.rstrip()
    return line


def parse_pids(text: str) -> list[int]:
    return [pid for pid in map(ascii_int, text.split()) if pid is not None]


def parse_identify(text: str) -> list[str]:
    """Names of the namespace(s) a pid lives in (empty: the root namespace)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
