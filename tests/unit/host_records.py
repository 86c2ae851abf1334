"""A recorded host as a snapshot's records, edited one variation at a time (the hosts of
tests/unit/neutron_host.py and neutron_host_backends.py are built with it).

    host = Host().put("iptables_save", text)
    host.edit("iptables_save", None, drop="--dport 22").facts()
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from grader.facts import Facts, build_facts
from grader.snapshot import Snapshot


@dataclass
class Host:
    """A snapshot's records: (key, ns, arg) -> {rc, out, err}, edited one variation at a time."""

    records: dict[tuple[str, str | None, str | None], dict[str, Any]] = field(default_factory=dict)

    def put(self, key: str, out: str = "", ns: str | None = None, arg: str | None = None,
            rc: int = 0, err: str = "") -> Host:  # fmt: skip
        self.records[(key, ns, arg)] = {"rc": rc, "out": out, "err": err}
        return self

    def edit(self, key: str, ns: str | None = None, arg: str | None = None, *,
             drop: str | None = None, add: str | None = None, after: str | None = None,
             replace: tuple[str, str] | None = None) -> Host:  # fmt: skip
        """Lines containing DROP removed; ADD inserted after the first line containing AFTER
        (else appended before a final COMMIT); REPLACE (old, new) on the whole text."""
        record = self.records[(key, ns, arg)]
        lines = record["out"].splitlines()
        if drop is not None:
            lines = [line for line in lines if drop not in line]
        if add is not None:
            at = next((n + 1 for n, line in enumerate(lines) if after and after in line), None)
            if at is None:
                at = len(lines) - 1 if lines and lines[-1] == "COMMIT" else len(lines)
            lines.insert(at, add)
        text = "".join(f"{line}\n" for line in lines)
        if replace is not None:
            assert replace[0] in text, f"{replace[0]!r} not in {key} {ns}"
            text = text.replace(*replace)
        record["out"] = text
        return self

    def fail(self, key: str, ns: str | None = None, arg: str | None = None,
             err: str = "Operation not permitted", rc: int = 1) -> Host:  # fmt: skip
        """The command ran and failed (refused: no root, `ip netns exec` denied, ...)."""
        self.records[(key, ns, arg)] = {"rc": rc, "out": "", "err": err}
        return self

    def without(self, key: str, ns: str | None = None, arg: str | None = None) -> Host:
        del self.records[(key, ns, arg)]
        return self

    def copy(self) -> Host:
        return Host(copy.deepcopy(self.records))

    def snapshot(self) -> Snapshot:
        records = [
            {"key": k, "ns": ns, "arg": arg, "truncated": False, **value}
            for (k, ns, arg), value in self.records.items()
        ]
        doc = {"format": "labgrade-snapshot/1", "complete": True, "records": records}
        return Snapshot.from_dict(doc, "neutron_host")

    def facts(self) -> Facts:
        return build_facts(self.snapshot())


def lines_of(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)
