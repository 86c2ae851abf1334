"""Listening TCP sockets from `ss -ltnp` or `netstat -ltnp`.

LISTEN 0 128 0.0.0.0:9697 0.0.0.0:* users:(("haproxy",pid=4711,fd=6))
parse_listeners(text) -> [Listener(address="0.0.0.0", port=9697, process="haproxy", pid=4711)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.parsers.numbers import ascii_int

_SS_USER = re.compile(r'\(\("([^"]*)",pid=([0-9]+)')


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
            process, pid = (user.group(1), ascii_int(user.group(2))) if user else (None, None)
        elif words[0].startswith("tcp") and "LISTEN" in words and len(words) >= 4:  # netstat
            endpoint = words[3]
            pid_text, slash, name = " ".join(words[words.index("LISTEN") + 1 :]).partition("/")
            pid = ascii_int(pid_text) if slash else None
            process = name if pid is not None else None
        else:
            continue
        address, _, port_text = endpoint.rpartition(":")
        port = ascii_int(port_text)
        if port is None:
            continue
        found.append(Listener(address.strip("[]") or "*", port, process, pid, raw.strip()))
    return found
