"""The rule, for every check at once: a check whose input record is missing, failed, refused,
timed out, truncated or never gathered is `error` (or `skip` behind a failed prerequisite),
never `fail`. Each record of a host where every check passes is spoiled in turn; no check may
then fail. Then the cases the issue saw: one namespace refused, a gather cut short."""

from __future__ import annotations

from typing import Any

import pytest
from grading import edited, exercises, grade, snapshot, statuses

from checks import load_all
from grader.engine import grade as engine_grade
from grader.facts import build_facts
from grader.grading import grade_snapshot
from grader.report.text import render_text
from grader.snapshot import Snapshot

REFUSED = 'setting the network namespace "{ns}" failed: Operation not permitted'


def spoil(mode: str, record: dict[str, Any]) -> None:
    if mode == "refused":
        record.update(rc=1, out="", err="Permission denied (you must be root)")
    elif mode == "timed out":
        record.update(rc=124, timed_out=True, out=record["out"][: len(record["out"]) // 2])
    elif mode == "truncated":
        record.update(truncated=True, out=record["out"][: len(record["out"]) // 2])
    elif mode == "missing":
        record.clear()


def graded_with(name: str, index: int, mode: str) -> dict[str, str]:
    doc = snapshot(name).to_dict()
    spoil(mode, doc["records"][index])
    doc["records"] = [r for r in doc["records"] if r]
    return statuses(build_facts(Snapshot.from_dict(doc)))


def records_of(name: str) -> list[str]:
    return [f"{r.key}@{r.ns or 'root'}:{r.arg}" for r in snapshot(name).records]


@pytest.mark.parametrize("mode", ["refused", "timed out", "truncated", "missing"])
@pytest.mark.parametrize("name", ["complete", "native-firewall", "ovn"])
def test_no_spoiled_record_ever_makes_a_check_fail(name: str, mode: str) -> None:
    assert "fail" not in statuses(name).values()
    failing = {}
    for index, label in enumerate(records_of(name)):
        failed = [c for c, status in graded_with(name, index, mode).items() if status == "fail"]
        if failed:
            failing[label] = failed
    assert failing == {}


@pytest.mark.parametrize("name", ["complete", "native-firewall", "icehouse", "ovn"])
def test_a_gather_cut_anywhere_fails_no_check(name: str) -> None:
    doc = snapshot(name).to_dict()
    failing = {}
    for end in range(len(doc["records"])):
        cut = {**doc, "records": doc["records"][:end], "complete": False}
        found = statuses(build_facts(Snapshot.from_dict(cut)))
        failed = sorted(c for c, status in found.items() if status == "fail")
        if failed:
            failing[end] = failed
    assert failing == {}


def refuse_namespace(prefix: str):
    """An edit: every command in the namespace PREFIX* refused, as `ip netns exec` is when it
    may not enter it (and `ip netns pids` of it)."""

    def edit(record: dict[str, Any]) -> None:
        ns = record["ns"] or (record["arg"] if record["key"] == "netns_pids" else None) or ""
        if ns.startswith(prefix):
            record.update(rc=1, out="", err=REFUSED.format(ns=ns))

    return edit


def test_one_refused_namespace_errors_exactly_the_checks_that_read_it() -> None:
    results = grade(edited("complete", refuse_namespace("qrouter-")))
    # devices.ovs-ports reads the router's qr-/qg- device names in it
    router_checks = {c for c in results if c.startswith(("routing.", "nat."))}
    router_checks.add("devices.ovs-ports")
    for check_id in router_checks:
        assert results[check_id].status in ("error", "skip"), check_id
        assert "Operation not permitted" in results[check_id].evidence, check_id
    assert results["nat.metadata-proxy"].status == "error"  # was FAIL "no listener list"
    others = {c: r.status for c, r in results.items() if c not in router_checks}
    assert set(others.values()) == {"pass"}, others


def test_a_cut_gather_says_where_and_never_blames_a_missing_tool() -> None:
    doc = snapshot("complete").to_dict()
    end = next(i for i, r in enumerate(doc["records"]) if r["key"] == "netns_list") + 1
    cut = {**doc, "records": doc["records"][:end], "complete": False}
    facts = build_facts(Snapshot.from_dict(cut))
    results = grade(facts)
    result = engine_grade(exercises(), facts, checks=load_all())
    header = render_text(result).splitlines()[1]
    assert header.startswith("! the gather was cut after `ip netns list` (record")
    assert result.to_dict()["gather_cut"].startswith("the gather was cut after `ip netns list`")
    for check_id in ("dhcp.tap", "dhcp.dnsmasq", "nat.dnat", "routing.floating-ip"):
        assert results[check_id].status == "error", check_id
        assert "never gathered" in results[check_id].evidence, check_id
    assert results["namespaces.qdhcp"].status == "pass"  # `ip netns list` was gathered
    assert results["sg.ssh"].status == "pass"  # the root namespace's rules were gathered
    assert not any("not installed" in r.evidence for r in results.values())


def unprivileged(uid: str = "1000") -> Snapshot:
    """complete.json as a login without root gathers it: `iptables-save`, `ip netns exec` and
    ovs-vsctl refused."""
    doc = snapshot("complete").to_dict()
    for record in doc["records"]:
        if record["key"] == "id_u":
            record["out"] = f"{uid}\n"
        elif record["key"] in ("iptables_save", "ovs_list_br") or record["ns"]:
            record.update(rc=1, out="", err="Permission denied (you must be root)")
    return Snapshot.from_dict(doc)


@pytest.mark.parametrize(
    ("target", "remedy"),
    [
        ("local://", "run `sudo labgrade check`"),
        ("ssh://ada@lab-1", "pass --sudo (the login needs passwordless sudo: the sudoers line"),
        ("host.json", "gather it again as root (`sudo sh labgrade-collect.sh > FILE`)"),
    ],
)
def test_a_refused_non_root_gather_is_the_hosts_error_with_its_remedy(target, remedy) -> None:
    result = grade_snapshot(unprivileged(), exercises(), None, target)
    assert (result.status, result.score, result.exercises) == ("error", 0, ())
    assert result.error.startswith("gathered as uid 1000, not root: `iptables-save`")
    assert remedy in result.error and "\n" not in result.error


def test_a_non_root_gather_that_was_refused_nothing_is_graded() -> None:
    """A login with the capabilities it needs (nothing refused) is graded as it is."""
    doc = snapshot("complete").to_dict()
    for record in doc["records"]:
        if record["key"] == "id_u":
            record["out"] = "1000\n"
    result = grade_snapshot(Snapshot.from_dict(doc), exercises(), None, "local://")
    assert result.status == "graded" and result.score == result.max_score
