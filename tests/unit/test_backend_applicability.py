"""Which backends a check applies to is said in exercises.yaml `backends:` alone, and the engine
decides from it (grader/backends.py): the host's backend picks the set; a check that is not
made for the host's backend (in the lab's own set on a backend without a variant, or named
with --only) is `error` with the reason, never called; a host with no Neutron found is graded;
a gather that hid what tells the backends apart makes a restricted check `error`.

The checks here are fakes that always pass, on recorded hosts of each backend: whatever is not
`pass` was decided by the engine from `backends:`, not by the check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from grading import RULES, edited, facts_of, snapshot
from grading_fakes import write_exercises

from checks import CHECKS
from grader import backends, engine
from grader.cli import main
from grader.errors import EXIT_USAGE
from grader.facts import Facts, build_facts
from grader.model import Exercises, default_exercises_path, load_exercises
from grader.snapshot import Snapshot

FAKES = {name: fn for name, fn in CHECKS.items() if name.startswith("fake_")}
PASSING = "check: fake_outcome\n        params: {status: pass}"
RUBRIC = f"""\
version: 1
exercises:
  - id: net
    title: Networking
    checks:
      - id: net.everywhere
        title: Graded on every backend
        points: 10
        {PASSING}
      - id: net.hybrid
        title: Made for the iptables_hybrid firewall
        points: 10
        {PASSING}
        backends: [ml2-ovs-iptables-hybrid]
      - id: net.agents
        title: Made for the L3/DHCP agents
        points: 10
        {PASSING}
        backends: [ml2-ovs-iptables-hybrid, ml2-linuxbridge]
      - id: net.ovn
        title: ML2/OVN's variant of net.hybrid
        points: 10
        {PASSING}
        backends: [ml2-ovn]
"""
CANNOT = "cannot apply to this host's backend"
NOTE = "; see the note on the backend at the top of the report"


def rubric(tmp_path: Path) -> Exercises:
    return load_exercises(write_exercises(tmp_path, RUBRIC), checks=FAKES)


def linux_bridge(record: dict[str, Any]) -> None:
    """The complete hybrid host as the Linux bridge agent names its chains and bridges."""
    if record["ns"] is None and record["key"] in {"link", "addr", *RULES}:
        out = record["out"].replace("neutron-openvswi-", "neutron-linuxbri-")
        record["out"] = out.replace("qbr", "brq")


def before_stack_sh(record: dict[str, Any]) -> None:
    """The fresh host's own devices and nothing else: no Neutron at all."""
    if record["ns"] is not None or record["key"] not in {"link", "addr", *RULES}:
        record.clear()
    elif record["key"] in RULES:
        record["out"] = ""


def graded(exercises: Exercises, facts: Facts, *only: str) -> dict[str, tuple[str, str]]:
    result = engine.grade(exercises, facts, list(only) or None)
    return {c.id: (c.status, c.evidence) for c in result.checks()}


def test_the_hosts_backend_picks_the_set_and_a_check_without_a_list_is_graded_everywhere(
    tmp_path: Path,
) -> None:
    exercises = rubric(tmp_path)
    passing = ("pass", "decided pass")
    assert graded(exercises, facts_of("complete")) == {
        "net.everywhere": passing,
        "net.hybrid": passing,
        "net.agents": passing,
    }
    assert graded(exercises, facts_of("ovn")) == {"net.everywhere": passing, "net.ovn": passing}


def test_a_check_not_made_for_the_hosts_backend_is_an_error_with_the_reason(
    tmp_path: Path,
) -> None:
    """The native firewall has no variant here: it is graded with the lab's own set, and what
    is made for other backends is `error` (its problem text is in the report's header)."""
    results = graded(rubric(tmp_path), facts_of("native-firewall"))
    assert results["net.everywhere"][0] == "pass"
    assert results["net.hybrid"] == (
        "error",
        f"{CANNOT} (ml2-ovs-native-firewall), only to ml2-ovs-iptables-hybrid{NOTE}",
    )
    assert results["net.agents"] == (
        "error",
        f"{CANNOT} (ml2-ovs-native-firewall), only to ml2-ovs-iptables-hybrid / ml2-linuxbridge"
        + NOTE,
    )


def test_linux_bridge_named_beside_the_labs_own_backend_keeps_the_labs_set(
    tmp_path: Path,
) -> None:
    exercises = rubric(tmp_path)
    facts = edited("complete", linux_bridge)
    assert facts.backend == backends.LINUXBRIDGE
    assert exercises.grading_backend(backends.LINUXBRIDGE) == backends.HYBRID
    results = graded(exercises, facts)
    assert {k: v[0] for k, v in results.items()} == {
        "net.everywhere": "pass",
        "net.hybrid": "error",
        "net.agents": "pass",
    }


@pytest.mark.parametrize(
    ("host", "only", "evidence"),
    [
        ("complete", "net.ovn", f"{CANNOT} (ml2-ovs-iptables-hybrid), only to ml2-ovn"),
        ("ovn", "net.hybrid", f"{CANNOT} (ml2-ovn), only to ml2-ovs-iptables-hybrid{NOTE}"),
        (
            "native-firewall",
            "net.ovn",
            f"{CANNOT} (ml2-ovs-native-firewall), only to ml2-ovn{NOTE}",
        ),
    ],
)
def test_another_backends_check_named_with_only_is_an_error(
    tmp_path: Path, host: str, only: str, evidence: str
) -> None:
    results = graded(rubric(tmp_path), facts_of(host), only)
    named = "net.hybrid" if host == "ovn" else "net.ovn"
    assert results[named] == ("error", evidence)


def test_a_host_without_neutron_is_graded_by_every_check(tmp_path: Path) -> None:
    facts = edited("fresh", before_stack_sh)
    assert facts.backend == backends.UNKNOWN
    results = graded(
        rubric(tmp_path), facts, "net.everywhere", "net.hybrid", "net.agents", "net.ovn"
    )
    assert {k: v[0] for k, v in results.items()} == dict.fromkeys(results, "pass")
    assert set(results) == {"net.everywhere", "net.hybrid", "net.agents", "net.ovn"}


def test_a_gather_cut_before_the_backend_could_be_told_makes_restricted_checks_errors(
    tmp_path: Path,
) -> None:
    doc = snapshot("complete").to_dict()
    doc["records"] = [r for r in doc["records"] if r["key"] in ("hostname", "id_u")]
    doc["complete"] = False
    facts = build_facts(Snapshot.from_dict(doc))
    results = graded(rubric(tmp_path), facts)
    assert results["net.everywhere"][0] == "pass"
    reason = "`ip -o link` was never gathered: the gather was cut after `id -u` (record 2)"
    assert results["net.hybrid"] == ("error", reason)
    assert results["net.agents"] == ("error", reason)


def test_the_shipped_rubric_grades_linux_bridge_with_the_labs_set() -> None:
    """Linux bridge is named (the agents' namespaces are graded there) yet has no variant."""
    exercises = load_exercises(default_exercises_path())
    linux_bridge_set = exercises.select(None, backend=backends.LINUXBRIDGE).selected_ids
    assert linux_bridge_set == exercises.select(None, backend=backends.HYBRID).selected_ids
    assert exercises.check("namespaces.qdhcp").applies_to(backends.LINUXBRIDGE)
    assert not exercises.check("devices.ovs-bridges").applies_to(backends.LINUXBRIDGE)


def test_no_check_tests_the_backend_itself() -> None:
    """The gates are gone: applicability lives in exercises.yaml alone."""
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (Path(__file__).resolve().parents[2] / "checks").glob("*.py")
    )
    for gate in ("hybrid_only", "only_on(", "not_on(", "agents_only"):
        assert gate not in source, gate


def test_validate_names_file_line_and_key_of_an_unknown_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = default_exercises_path().read_text(encoding="utf-8")
    text = text.replace("backends: [ml2-ovn]", "backends: [ml2-ovn, linuxbridge]", 1)
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index("ml2-ovn, linuxbridge]")].count("\n") + 1
    assert main(["validate", str(path)]) == EXIT_USAGE
    assert capsys.readouterr().err.startswith(
        f"labgrade: error: {path}:{line}: key 'backends': unknown backend 'linuxbridge' "
        "(did you mean 'ml2-linuxbridge'?)"
    )
