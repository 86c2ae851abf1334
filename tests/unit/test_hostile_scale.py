"""Grading time a host cannot blow up (issue 10, item 2): linear parsers on adversarial lines,
records looked up through an index, and caps on namespaces, records and line length, each an
`error` naming its cap. The figures are printed by bench/hostile_snapshot_bench.py; here a
watchdog only catches a parser that would take hours (what the old ones did on these lines)."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from grading import exercises, statuses

from grader.errors import HostError, InputFileError
from grader.facts import build_facts
from grader.gather import parse_gather_output
from grader.grading import grade_snapshot
from grader.parsers.ip_addr import parse_ip_addr
from grader.parsers.ip_link import parse_ip_link
from grader.parsers.iptables_save import parse_iptables_save
from grader.parsers.listeners import parse_listeners
from grader.parsers.netns import parse_netns_list
from grader.parsers.ovn_nbctl import ovn_list, ovn_map, parse_ofports
from grader.parsers.ovs import parse_external_ids, parse_flows
from grader.parsers.processes import parse_processes
from grader.snapshot import Snapshot
from grader.snapshot_schema import MAX_LINE, MAX_NAMESPACES, MAX_RECORDS

REPO = Path(__file__).resolve().parents[2]
COMPLETE = REPO / "tests" / "data" / "snapshots" / "complete.json"
MIB = 1024 * 1024


@contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    """TimeoutError after SECONDS (the regex engine checks for signals while it matches)."""

    def fire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s: superlinear on this input")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


ADVERSARIAL: dict[str, tuple[Callable[[str], Any], str]] = {
    "ip addr: 1: @@@@": (parse_ip_addr, "1: " + "@" * MIB),
    "ip link: 1: a@bbbb": (parse_ip_link, "1: a@" + "b" * MIB),
    "netns list: spaces inside": (parse_netns_list, "x" + " " * MIB + "x"),
    "ovn map: aaaa": (ovn_map, "a" * MIB),
    "ovn map: quotes": (ovn_map, '"' * MIB),
    "ovn list: escaped quotes": (ovn_list, '"\\",' * (MIB // 4)),
    "external ids: aaaa": (parse_external_ids, "a" * MIB),
    "flows: a million-digit table": (parse_flows, "table=" + "9" * MIB + " actions=drop"),
    "ofports: digits": (parse_ofports, " " * MIB + "1"),
    'ss: (("': (parse_listeners, 'LISTEN 0 1 a:1 b users:(("' + "a" * MIB),
    "ps: a header of many words": (parse_processes, "PID " + "x " * MIB + "\n1 " + "y " * MIB),
    "iptables: quotes": (parse_iptables_save, '*filter\n-A X -m comment --comment "' + "\\" * MIB),
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_parsers_are_linear_on_adversarial_lines(name: str) -> None:
    parse, text = ADVERSARIAL[name]
    with watchdog(20):  # linear: well under a second; quadratic: hours
        parse(text)


def test_many_namespaces_are_looked_up_through_an_index() -> None:
    """build_facts reads the records a bounded number of times, not once per namespace."""

    class Counted(tuple):
        passes = 0

        def __iter__(self) -> Iterator[Any]:
            Counted.passes += 1
            return super().__iter__()

    base = Snapshot.from_json(COMPLETE.read_bytes())
    extra = with_namespaces(MAX_NAMESPACES - 2)
    records = Counted(base.records + Snapshot.from_dict(extra).records[len(base.records) :])
    snap = Snapshot(records, base.meta)
    Counted.passes = 0
    facts = build_facts(snap)
    assert len(facts.namespaces) == MAX_NAMESPACES
    assert Counted.passes < 10


def with_namespaces(count: int) -> dict[str, Any]:
    doc = json.loads(COMPLETE.read_text())
    names = [f"qrouter-{i:06d}-x" for i in range(count)]
    for name in names:
        doc["records"] += [
            {"key": key, "ns": name, "rc": 0, "out": ""} for key in ("link", "addr", "route")
        ]
    for record in doc["records"]:
        if record["key"] == "netns_list":
            record["out"] += "".join(f"{name}\n" for name in names)
    return doc


def test_more_namespaces_than_the_cap_is_an_error_naming_it() -> None:
    Snapshot.from_dict(with_namespaces(MAX_NAMESPACES - 2))  # the lab's 2 + these: at the cap
    text = json.dumps(with_namespaces(MAX_NAMESPACES - 1))
    with pytest.raises(HostError, match=f"the cap is {MAX_NAMESPACES} namespaces"):
        parse_gather_output(text, "lab-1")


def test_a_listed_namespace_count_over_the_cap_is_refused_too() -> None:
    doc = json.loads(COMPLETE.read_text())
    for record in doc["records"]:
        if record["key"] == "netns_list":
            record["out"] = "".join(f"qdhcp-{i}\n" for i in range(MAX_NAMESPACES + 1))
    with pytest.raises(InputFileError, match="namespaces"):
        Snapshot.from_dict(doc, "s.json")


def test_more_records_than_the_cap_is_an_error_naming_it() -> None:
    doc = json.loads(COMPLETE.read_text())
    doc["records"] += [{"key": "extra", "command": f"true {i}"} for i in range(MAX_RECORDS)]
    with pytest.raises(InputFileError, match=f"the cap is {MAX_RECORDS} records"):
        Snapshot.from_dict(doc, "s.json")


def test_a_line_over_the_cap_makes_only_the_checks_reading_it_error() -> None:
    doc = json.loads(COMPLETE.read_text())
    for record in doc["records"]:
        if record["key"] == "route" and (record["ns"] or "").startswith("qrouter-"):
            record["out"] += "x" * (MAX_LINE + 1) + "\n"
    snap = Snapshot.from_dict(doc)
    assert snap.root("route").ok and "".join(r.out for r in snap.records).count("x" * 100) == 0
    assert any(r.refused and "line-length cap" in r.refused for r in snap.records)
    result = grade_snapshot(snap, exercises(), None, "lab-1")
    graded = {check.id: check for check in result.checks()}
    assert graded["routing.default-route"].status == "error"
    assert "line-length cap" in graded["routing.default-route"].evidence
    expected = {**statuses("complete"), "routing.default-route": "error"}
    assert {key: check.status for key, check in graded.items()} == expected
    again = Snapshot.from_json(snap.to_json())  # the saved snapshot keeps why
    assert [r.refused for r in again.records] == [r.refused for r in snap.records]
