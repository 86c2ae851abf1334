"""Listening TCP sockets from `ss -ltnp` or `netstat -ltnp`.

LISTEN 0 128 0.0.0.0:9697 0.0.0.0:* users:(("haproxy",pid=4711,fd=6))
parse_listeners(text) -> [Listener(address="0.0.0.0", port=9697, process="haproxy", pid=4711)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SS_USER = re.compile(r'\(\("([^"]*)",pid=(\d+)')
_NETSTAT_USER = re.compile(r"^(\d+)/(.*)$")


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    process: str | None
    pid: int | None
    line: str


def parse_listeners(text: str) -> list[Listener]:
    found: list[Listener] = []
    for raw in text.splitlines():
        words = raw.split()
        if not words:
            continue
        if words[0] == "LISTEN" and len(words) >= 4:  # ss
            endpoint = words[3]
            user = _SS_USER.search(raw)
            process, pid = (user.group(1), int(user.group(2))) if user else (None, None)
        elif words[0].startswith("tcp") and "LISTEN" in words and len(words) >= 4:  # netstat
            endpoint = words[3]
            process = pid = None
            user = _NETSTAT_USER.match(" ".join(words[words.index("LISTEN") + 1 :]))
            if user:
                pid, process = int(user.group(1)), user.group(2)
        else:
            continue
        address, _, port = endpoint.rpartition(":")
        if not port.isdigit():
            continue
        found.append(Listener(address.strip("[]") or "*", int(port), process, pid, raw.strip()))
    return found
