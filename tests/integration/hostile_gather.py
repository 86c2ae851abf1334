"""Hostile simulated hosts: what a student who is root could make the gather print, for the
batch tests and bench/hostile_batch_bench.py.

labgrade's remote command starts with `command -v timeout` and runs the gather under it; a
`timeout` wrapper on the host's own /usr/local/bin (a tmpfs in its private mount namespace:
nothing outside the host changes) replaces or alters the document:

    make_hostile(host, "stream")     # 1 GiB of output
    HOSTILE                          # the kinds: surrogate, namespaces, stream, escapes
    make_hostile(host, "slow")       # a document within every cap, slow to grade
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

NAMESPACES = 12_000
STREAM_BYTES = 1024 * 1024 * 1024
DOC = "/run/lab/hostile.json"  # the host's own /run/lab (private to it)
HOSTILE = ("surrogate", "namespaces", "stream", "escapes")
SLOW_RULES = 600_000
REPO = Path(__file__).resolve().parents[2]

_MOUNT = "mount -t tmpfs tmpfs /usr/local/bin"
_WRAPPERS = {
    # the real gather, a lone surrogate escape added to the hostname record's output
    "surrogate": '/usr/bin/timeout "$@" | sed \'s/"key": "hostname", \\(.*\\)"out": "/'
    '"key": "hostname", \\1"out": "\\\\ud800/\'',
    "namespaces": f"exec cat {DOC}",
    "stream": f'yes \'{{"format": "labgrade-snapshot/1", "records": [\' | head -c {STREAM_BYTES}',
    "escapes": f"exec cat {DOC}",
    "slow": f"exec cat {DOC}",
}


def namespaces_document(count: int = NAMESPACES) -> bytes:
    """A gather document with COUNT router namespaces (about 9 MB for 12,000)."""
    records: list[dict[str, Any]] = [{"key": "hostname", "out": "lab\n"}]
    for index in range(count):
        ns = f"qrouter-{index:08d}-1111-4222-8333-444444444444"
        link = (
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT "
            "group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        )
        addr = f"1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n{index}: qr-x\n"
        records += [
            {"key": "link", "ns": ns, "out": link},
            {"key": "addr", "ns": ns, "out": addr},
            {"key": "route", "ns": ns, "out": "10.0.0.0/24 dev qr-x proto kernel scope link\n"},
        ]
    return _document(records)


def slow_document(rules: int = SLOW_RULES) -> bytes:
    """The recorded complete host with RULES more iptables rules (about 36 MB for 600,000):
    within every reading cap, and slower to grade than a --timeout of 15 s."""
    doc = json.loads((REPO / "tests" / "data" / "snapshots" / "complete.json").read_text())
    rule = "-A neutron-openvswi-sg-chain -s 10.{}.{}.{}/32 -j RETURN\n"
    extra = "".join(rule.format(i >> 16 & 255, i >> 8 & 255, i & 255) for i in range(rules))
    for record in doc["records"]:
        if record["key"] == "iptables_save" and record["ns"] is None:
            record["out"] = record["out"].replace("COMMIT\n", extra + "COMMIT\n", 1)
    doc.pop("complete", None)
    return json.dumps({**doc, "complete": True}).encode()


def escapes_document() -> bytes:
    """A document whose texts hold terminal escapes: OSC 52 (set the clipboard), clear the
    screen, a bidi override, a newline that would start a line about another student."""
    evil = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u202eevil\n  bob: sx-2: host key changed"
    return json.dumps(
        {"format": "labgrade-snapshot/1", "error": evil, "records": [], "complete": True}
    ).encode()


def _document(records: list[dict[str, Any]]) -> bytes:
    full = [
        {"ns": None, "arg": None, "rc": 0, "truncated": False, "err": "", **record}
        for record in records
    ]
    doc = {"format": "labgrade-snapshot/1", "gatherer": "gather.sh/1", "records": full}
    return json.dumps({**doc, "total_bytes": 0, "complete": True}).encode()


def make_hostile(host: Any, kind: str) -> None:
    """Turn HOST (a LabHost) into a hostile one of KIND (one of HOSTILE)."""
    documents = {
        "namespaces": namespaces_document,
        "escapes": escapes_document,
        "slow": slow_document,
    }
    if kind in documents:
        _on_host(host, f"cat > {DOC}", documents[kind]())
    body = _WRAPPERS[kind]
    script = f"{_MOUNT}\ncat > /usr/local/bin/timeout <<'EOF'\n#!/bin/sh\n{body}\nEOF\n"
    _on_host(host, script + "chmod 755 /usr/local/bin/timeout")


def make_replay(host: Any, classmate: Any) -> None:
    """HOST prints CLASSMATE's gather output as its own (a replayed gather)."""
    gather = REPO / "grader" / "gather.sh"
    document = _on_host(classmate, "sh -s", gather.read_bytes())
    _on_host(host, f"cat > {DOC}", document)
    script = f"{_MOUNT}\ncat > /usr/local/bin/timeout <<'EOF'\n#!/bin/sh\nexec cat {DOC}\nEOF\n"
    _on_host(host, script + "chmod 755 /usr/local/bin/timeout")


def make_wrapped(host: Any) -> None:
    """HOST runs iptables-save through a wrapper in /usr/local/sbin (first on root's PATH)."""
    body = 'exec /usr/sbin/iptables-save "$@"'
    script = "mount -t tmpfs tmpfs /usr/local/sbin\ncat > /usr/local/sbin/iptables-save <<'EOF'\n"
    _on_host(host, f"{script}#!/bin/sh\n{body}\nEOF\nchmod 755 /usr/local/sbin/iptables-save")


def _on_host(host: Any, script: str, data: bytes = b"") -> bytes:
    done = subprocess.run(
        ["nsenter", "--target", str(host.init_pid), "--all", "--", "sh", "-ec", script],
        input=data,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
