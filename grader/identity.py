"""What makes one host's state its own, for a class-level cross-check; and which tools the
gather ran from outside the distribution's paths.

Every DevStack host has its own Neutron port UUIDs (the 11 characters in tap/qvo/qr-/qg-
device names), their MAC addresses, and its own /etc/machine-id and boot_id. Two students
whose snapshots share any of them handed in one host's state twice (a replayed gather, a
copied snapshot); batch and regrade flag them to the instructor without changing a score.

    identity = host_identity(snapshot)        # {"ports": (...), "macs": (...), ...}
    flags = class_flags({"ada": identity_a, "bob": identity_b})  # {"ada": ("shares ...",)}
    foreign_tools(snapshot)                   # ["iptables-save: /usr/local/sbin/iptables-save"]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from grader.result import FOREIGN_TOOLS
from grader.snapshot import Snapshot

__all__ = ["FOREIGN_TOOLS", "class_flags", "foreign_tools", "host_identity"]

# tap1a2b3c4d-5e, qvo..., qr-..., qg-...: the prefix Neutron gives a port's devices
_PORT_DEVICE = re.compile(r"(?:tap|qvo|qvb|qbr|qr-|qg-|qr|qg|ha-|sg-|ns-)([0-9a-f]{8}-[0-9a-f]{2})")
_LINK_LINE = re.compile(r"^\d+: ([^:@\s]{1,64})[:@].*?link/ether ([0-9a-f]{2}(?::[0-9a-f]{2}){5})")
_HEX_ID = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})$")
# where Debian, Ubuntu, RHEL... install the tools the gather runs
SYSTEM_DIRS = ("/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/")
KINDS = {
    "ports": "Neutron port UUIDs",
    "macs": "port MAC addresses",
    "machine_id": "machine-id",
    "boot_id": "boot_id",
}
MAX_VALUES = 256  # of each kind kept from one host


def host_identity(snapshot: Snapshot) -> dict[str, tuple[str, ...]]:
    """The port UUID prefixes, port MACs, machine-id and boot_id found in SNAPSHOT."""
    ports: dict[str, None] = {}
    macs: dict[str, None] = {}
    for record in snapshot.by_key("link"):
        for line in record.out.splitlines()[:4096]:
            match = _LINK_LINE.match(line[:2048])
            device = _PORT_DEVICE.match(match.group(1)) if match else None
            if match and device:
                ports.setdefault(device.group(1), None)
                macs.setdefault(match.group(2), None)
    identity = {
        "ports": tuple(sorted(ports)[:MAX_VALUES]),
        "macs": tuple(sorted(macs)[:MAX_VALUES]),
    }
    for key in ("machine_id", "boot_id"):
        record = snapshot.root(key)
        value = record.out.strip().lower() if record is not None and record.ok else ""
        identity[key] = (value,) if _HEX_ID.match(value) else ()
    return identity


def class_flags(identities: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """For each student whose identity shares a value with another's: one line per kind,
    e.g. "shares machine-id with bob". Students with nothing shared are left out."""
    owners: dict[tuple[str, str], list[str]] = {}
    for student, identity in identities.items():
        for kind in KINDS:
            for value in identity.get(kind, ()):
                owners.setdefault((kind, str(value)), []).append(student)
    shared: dict[str, dict[str, set[str]]] = {}
    for (kind, _), students in owners.items():
        if len(set(students)) > 1:
            for student in students:
                others = set(students) - {student}
                shared.setdefault(student, {}).setdefault(kind, set()).update(others)
    return {
        student: tuple(
            f"shares {KINDS[kind]} with {', '.join(sorted(others))}"
            for kind, others in sorted(kinds.items(), key=lambda item: list(KINDS).index(item[0]))
        )
        for student, kinds in shared.items()
    }


def foreign_tools(snapshot: Snapshot) -> list[str]:
    """The tools the gather ran that resolve outside the distribution's directories
    ("iptables-save: /usr/local/sbin/iptables-save"), from the `tools` record."""
    record = snapshot.root("tools")
    found = []
    for line in (record.out if record is not None else "").splitlines()[:64]:
        name, _, rest = line.partition(" ")
        path, _, real = rest.partition(" ")
        if not path or path == "-":
            continue
        real = real or path
        inside = path.startswith(SYSTEM_DIRS) and real.startswith(("/usr/", "/bin/", "/sbin/"))
        if not inside or real.startswith("/usr/local/"):
            shown = path if real == path else f"{path} -> {real}"
            found.append(f"{name[:64]}: {shown[:300]}")
    return found
