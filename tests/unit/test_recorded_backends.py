"""The recorded snapshots of each backend grade as the lab's hosts do (finding 5): a complete
host passes every check selected for its backend, and each failing variant fails exactly the
checks of what it lacks. The OVN and native-firewall parts of these snapshots are the lab's own
text (tests/data/lab_records.py), so the grader and the simulated lab cannot drift apart here."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import backends
from grader.grading import grade_snapshot
from grader.model import load_exercises
from grader.result import HostResult
from grader.snapshot import Snapshot

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "snapshots"


def graded(name: str) -> HostResult:
    path = SNAPSHOTS / f"{name}.json"
    snapshot = Snapshot.from_json(path.read_bytes(), source=str(path))
    return grade_snapshot(snapshot, load_exercises(), None, name)


def not_passing(result: HostResult) -> dict[str, str]:
    return {c.id: c.status for c in result.checks() if c.status != "pass"}


@pytest.mark.parametrize(
    ("name", "backend", "count"),
    [
        ("complete", backends.HYBRID, 21),
        ("native-firewall", backends.NATIVE, 20),
        ("ovn", backends.OVN, 14),
    ],
)
def test_a_complete_host_of_each_backend_passes_every_selected_check(
    name: str, backend: str, count: int
) -> None:
    result = graded(name)
    assert result.backend == backend
    assert not_passing(result) == {}
    assert len(list(result.checks())) == count
    assert result.score == result.max_score == 100


@pytest.mark.parametrize(
    ("name", "failing"),
    [
        ("no-ssh-rule", {"sg.ssh"}),
        ("no-icmp-rule", {"sg.icmp"}),
        ("native-firewall-no-ssh-rule", {"ovsfw.sg-ssh"}),
        ("native-firewall-no-icmp-rule", {"ovsfw.sg-icmp"}),
        ("ovn-no-ssh-rule", {"ovn.sg-ssh"}),
        ("ovn-no-icmp-rule", {"ovn.sg-icmp"}),
        ("ovn-no-floating-ip", {"ovn.floating-ip"}),
    ],
)
def test_a_failing_variant_fails_exactly_what_it_lacks(name: str, failing: set[str]) -> None:
    assert not_passing(graded(name)) == dict.fromkeys(failing, "fail")


def test_the_native_firewall_checks_read_the_labs_flows_for_the_instances_own_port() -> None:
    checks = {c.id: c for c in graded("native-firewall").checks()}
    assert "reg5=0xa" in checks["ovsfw.sg-ssh"].evidence  # the lab's ofport_request, 10
    assert "tp_dst=22" in checks["ovsfw.sg-ssh"].evidence
