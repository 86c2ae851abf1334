"""`ip netns list`, `ip netns pids NS` and `ip netns identify PID` outputs.

parse_netns_list("qrouter-9e5f (id: 1)\nqdhcp-4b52\n") -> ["qrouter-9e5f", "qdhcp-4b52"]
"""

from __future__ import annotations

import re

_ID = re.compile(r"\s+\(id:\s*\d+\)\s*$")


def parse_netns_list(text: str) -> list[str]:
    names: list[str] = []
    for raw in text.splitlines():
        name = _ID.sub("", raw.strip())
        if name and name not in names:
            names.append(name)
    return names


def parse_pids(text: str) -> list[int]:
    return [int(word) for word in text.split() if word.isdigit()]


def parse_identify(text: str) -> list[str]:
    """Names of the namespace(s) a pid lives in (empty: the root namespace)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
