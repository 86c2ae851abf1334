"""`ip -o link` output -> links.

7: qvb5e2060e-02@qvo5e2060e-02: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue
   master qbr5e2060e-02 state UP mode DEFAULT group default qlen 1000\\    link/ether ...
parse_ip_link(text) -> [Link(name="qvb5e2060e-02", peer="qvo5e2060e-02",
                             master="qbr5e2060e-02", kind="ether", ...)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.parsers.numbers import ascii_int

_LINE = re.compile(r"\s*([0-9]+):\s+([^:@\s]+)(?:@([^:\s]+))?:\s+<([^>]*)>(.*)", re.ASCII)


@dataclass(frozen=True)
class Link:
    index: int
    name: str
    peer: str | None  # after "@": the veth peer's name, "ifNN", or "NONE"
    flags: frozenset[str]
    master: str | None
    state: str | None
    kind: str | None  # link/ether, link/loopback ... without "link/"
    mac: str | None
    line: str

    @property
    def up(self) -> bool:
        return "UP" in self.flags


def parse_ip_link(text: str) -> list[Link]:
    found: list[Link] = []
    for raw in text.splitlines():
        match = _LINE.match(raw)
        if not match:
            continue
        index, name, peer, flags, rest = match.groups()
        number = ascii_int(index)
        if number is None:
            continue
        words = rest.replace("\\", " ").split()
        kind = mac = None
        for i, word in enumerate(words):
            if word.startswith("link/"):
                kind = word[5:]
                mac = words[i + 1] if i + 1 < len(words) else None
                break
        found.append(
            Link(
                index=number,
                name=name,
                peer=peer,
                flags=frozenset(flags.split(",")) if flags else frozenset(),
                master=_after(words, "master"),
                state=_after(words, "state"),
                kind=kind,
                mac=mac,
                line=raw.split("\\")[0].strip(),
            )
        )
    return found


def _after(words: list[str], key: str) -> str | None:
    try:
        return words[words.index(key) + 1]
    except (ValueError, IndexError):
        return None


def parse_peer_ifindex(text: str) -> int | None:
    """`ethtool -S <veth>` -> its peer's ifindex (`     peer_ifindex: 7`), None if absent."""
    for raw in text.splitlines():
        name, _, value = raw.partition(":")
        if name.strip() == "peer_ifindex":
            return ascii_int(value.strip())
    return None
