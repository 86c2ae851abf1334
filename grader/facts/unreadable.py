"""Which facts cannot be trusted, and why: a fact read from an unusable record (refused,
cut, never gathered) is refused (grader/facts/sourced.py), so reading it in a check is an
`error` with the record's reason, never a `fail` on an empty listing; and the gather's own
problems (not root, cut, output capped, namespaces skipped) for the report.
"""

from __future__ import annotations

from grader.backends import NATIVE, OVN
from grader.facts.backend import RECOGNITION_RECORDS, by_its_own_marks
from grader.facts.sourced import command_text, cut_point, unusable_reason
from grader.facts.types import Facts
from grader.snapshot import Snapshot


def refuse_unreadable(facts: Facts) -> None:
    """Mark every fact read from an unusable record (grader/facts/sourced.py): reading it in a
    check is then an `error` with the record's reason, never a `fail` on an empty listing."""
    snapshot = facts.snapshot
    listed = unusable_reason(snapshot, snapshot.root("netns_list"), "netns_list")
    for name in ("namespace_names", "namespaces", "routers", "router", "dhcp"):
        facts.refuse(name, listed)
    processes = unusable_reason(snapshot, snapshot.root("processes"), "processes")
    pids = None
    for ns in facts.namespaces:
        found = snapshot.find("netns_pids", None, ns)
        pids = pids or unusable_reason(snapshot, found, "netns_pids", None, ns)
    facts.refuse("processes", processes)
    facts.refuse("pid_netns", processes or pids)
    facts.refuse("dnsmasq", processes)
    if pids and any(server.netns is None for server in facts.dnsmasq):
        facts.refuse("dnsmasq", f"the namespace of a dnsmasq is unknown: {pids}")
    ovs = unusable_reason(snapshot, snapshot.root("ovs_list_br"), "ovs_list_br")
    facts.refuse("ovs_bridges", ovs)
    for bridge in facts.ovs_bridges or {}:
        found = snapshot.root("ovs_list_ports", bridge)
        problem = unusable_reason(snapshot, found, "ovs_list_ports", None, bridge)
        facts.refuse("ovs_bridges", problem)
    for attribute, key in (("flows", "ovs_flows_br_int"), ("ofports", "ovs_ofctl_show_br_int")):
        facts.refuse(attribute, unusable_reason(snapshot, snapshot.root(key), key))
    missing = [k for k in RECOGNITION_RECORDS if snapshot.root(k) is None]
    if missing and not snapshot.complete and not by_its_own_marks(facts):
        facts.refuse("backend_recognised", unusable_reason(snapshot, None, missing[0]))
    links = facts.root.problem("links")
    if facts.backend == OVN and not links:  # ovnmeta- names tell metadata veths from taps
        links = listed
    for name in ("instance", "other_instances", "stale_ports"):
        facts.refuse(name, links)
    rules = facts.root.problem("rules")
    if facts.backend not in (NATIVE, OVN):  # the hybrid's chains name the port's addresses
        facts.refuse("stale_ports", rules)
        for instance in [facts.instance, *facts.other_instances]:
            for name in ("chain_in", "chain_in_wired", "wiring_rule", "fixed_ips"):
                if instance is not None:
                    instance.refuse(name, rules)


def gather_problems(facts: Facts) -> None:
    uid = facts.snapshot.root("id_u")
    if uid is not None and uid.ok and uid.out.strip() not in ("", "0"):
        facts.unprivileged = _refused(facts.snapshot, uid.out.strip())
        facts.problems.append(
            f"gathered as uid {uid.out.strip()}, not root: namespaces and iptables may be hidden"
            " (run labgrade as root, or pass --sudo)"
        )
    cut = cut_point(facts.snapshot)
    if cut:
        facts.gather_cut = (
            f"the gather was cut {cut}: what came after was never gathered, and the checks "
            "that read it are `error`"
        )
    if facts.snapshot.truncated:
        facts.problems.append("some command output was cut at the size cap")
    skipped = facts.snapshot.skipped_namespaces()
    if skipped:
        facts.problems.append(
            f"namespaces not looked into (unexpected names): {', '.join(skipped)[:300]}"
        )


def _refused(snapshot: Snapshot, uid: str) -> str | None:
    """What a gather as non-root UID could not read (None: nothing was refused, e.g. the user
    has the capabilities it needs)."""
    refused = [r for r in snapshot.records if r.rc not in (0, 127) and r.key != "extra"]
    if not refused:
        return None
    commands = list(dict.fromkeys(command_text(r.key) for r in refused))
    more = f" and {len(commands) - 3} more" if len(commands) > 3 else ""
    named = ", ".join(commands[:3]) + more
    first = " ".join((refused[0].err or refused[0].out).split())[:160] or f"exit {refused[0].rc}"
    return f"gathered as uid {uid}, not root: {named} failed ({first})"
