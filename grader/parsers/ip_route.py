"""`ip route` output -> routes.

default via 172.24.4.1 dev qg-9a8b7c6d-5e proto static
parse_ip_route(text) -> [Route(dest="default", via="172.24.4.1", dev="qg-9a8b7c6d-5e", ...)]
"""

from __future__ import annotations

from dataclasses import dataclass

_TYPES = {
    "unicast",
    "local",
    "broadcast",
    "multicast",
    "throw",
    "unreachable",
    "prohibit",
    "blackhole",
    "nat",
    "anycast",
}


@dataclass(frozen=True)
class Route:
    dest: str  # "default" or a CIDR / address
    via: str | None
    dev: str | None
    proto: str | None
    src: str | None
    line: str

    @property
    def is_default(self) -> bool:
        return self.dest in ("default", "0.0.0.0/0", "::/0")


def parse_ip_route(text: str) -> list[Route]:
    found: list[Route] = []
    for raw in text.splitlines():
        words = raw.split()
        if not words or raw[:1].isspace():  # nexthop continuation lines and blanks
            continue
        if words[0] in _TYPES and len(words) > 1:
            words = words[1:]
        found.append(
            Route(
                dest=words[0],
                via=_after(words, "via"),
                dev=_after(words, "dev"),
                proto=_after(words, "proto"),
                src=_after(words, "src"),
                line=raw.strip(),
            )
        )
    return found


def _after(words: list[str], key: str) -> str | None:
    try:
        return words[words.index(key, 1) + 1]
    except (ValueError, IndexError):
        return None
