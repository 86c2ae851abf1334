"""The one place that enforces the `error`-never-`fail` rule: a fact read from a record that is
missing, failed, refused, timed out, truncated or never gathered cannot be graded.

Every fact object (NamespaceView, Router, Dhcp, Instance, Facts) is `Sourced`: it keeps, per
attribute, why the records that attribute was read from are unusable. Reading such an attribute
raises CannotGrade with that reason, which the engine turns into the check's `error` (and its
dependants' `error`). Checks therefore never see an empty listing that only looks like a wrong
host. While the facts are being built (`building()`), reads are lenient, so discovery can use
whatever was gathered.

    problem = unusable_reason(snapshot, snapshot.ns("qrouter-x", "addr"), "addr", "qrouter-x")
    view.refuse("addresses", problem)   # view.addresses now raises CannotGrade(problem)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from grader.outcome import CannotGrade
from grader.snapshot import Record, Snapshot

_lenient: ContextVar[bool] = ContextVar("labgrade_facts_lenient", default=False)

# gather key -> the command as a student would type it (docs/snapshot.md)
COMMANDS = {
    "hostname": "hostname",
    "id_u": "id -u",
    "link": "ip -o link",
    "addr": "ip -o addr",
    "route": "ip route",
    "iptables_save": "iptables-save",
    "iptables_legacy_save": "iptables-legacy-save",
    "iptables_nft_save": "iptables-nft-save",
    "processes": "ps -eww -o pid,args",
    "ovs_list_br": "ovs-vsctl list-br",
    "ovs_list_ports": "ovs-vsctl list-ports",
    "ovs_external_ids": "ovs-vsctl get Open_vSwitch . external_ids",
    "ovs_flows_br_int": "ovs-ofctl dump-flows br-int",
    "ovs_ofctl_show_br_int": "ovs-ofctl show br-int",
    "netns_list": "ip netns list",
    "netns_skipped": "ip netns list",
    "netns_pids": "ip netns pids",
    "netns_identify": "ip netns identify",
    "listeners": "ss -ltnp",
    "ovn_nb_show": "ovn-nbctl show",
}


@contextlib.contextmanager
def building() -> Iterator[None]:
    """Lenient reads while facts are built from a snapshot (discovery reads what it can)."""
    token = _lenient.set(True)
    try:
        yield
    finally:
        _lenient.reset(token)


class Sourced:
    """A fact object whose attributes named in `_unusable` raise CannotGrade when read."""

    _unusable: dict[str, str]

    def __getattribute__(self, name: str) -> Any:
        if name[0] != "_":
            unusable = object.__getattribute__(self, "_unusable")
            if name in unusable and not _lenient.get():
                raise CannotGrade(unusable[name])
        return object.__getattribute__(self, name)

    def refuse(self, attribute: str, reason: str | None) -> None:
        """Make ATTRIBUTE unreadable (CannotGrade(REASON)); None: leave it readable."""
        if reason and attribute not in self._unusable:
            self._unusable[attribute] = reason

    def problem(self, attribute: str) -> str | None:
        """Why ATTRIBUTE cannot be read (None: it can), for checks with a fallback."""
        return self._unusable.get(attribute)


def command_text(key: str, ns: str | None = None, arg: str | None = None) -> str:
    """`ip -o addr` in qrouter-x: how to name a record in a message."""
    command = COMMANDS.get(key) or (
        f"ovn-nbctl list {key.removeprefix('ovn_nb_')}" if key.startswith("ovn_nb_") else key
    )
    text = f"`{command}{' ' + arg if arg else ''}`"
    return f"{text} in {ns}" if ns else text


def describe(record: Record) -> str:
    """Why RECORD gave nothing to read: its exit code and first line, or a timeout."""
    if record.timed_out:
        return "timed out (stopped by the gather's limit on each command)"
    if record.refused is not None:
        return f"not read: {record.refused}"
    text = (record.err or record.out).strip().splitlines()
    detail = text[0][:200] if text else "no output"
    if record.rc == 127:
        return f"command not installed ({detail})"
    return f"exit {record.rc}: {detail}"


def cut_point(snapshot: Snapshot) -> str | None:
    """Where an incomplete gather stopped ("after `iptables-save` in qrouter-x, record 12"),
    None for a complete one."""
    if snapshot.complete:
        return None
    if not snapshot.records:
        return "before the first record"
    last = snapshot.records[-1]
    return f"after {command_text(last.key, last.ns, last.arg)} (record {len(snapshot.records)})"


def unusable_reason(
    snapshot: Snapshot,
    record: Record | None,
    key: str,
    ns: str | None = None,
    arg: str | None = None,
) -> str | None:
    """Why the record KEY (in NS, for ARG) cannot be used, None when it can: never gathered
    (the gather was cut first), not gathered, timed out, failed or refused, or truncated."""
    what = command_text(key, ns, arg)
    if record is None:
        cut = cut_point(snapshot)
        if cut:
            return f"{what} was never gathered: the gather was cut {cut}"
        return f"{what} was not gathered"
    if record.timed_out or not record.ok:
        return f"could not run {what}: {describe(record)}"
    if record.truncated:
        return f"the output of {what} was cut at the gather's size cap"
    return None
