"""The grader on every lab profile (issue 5): each Neutron release x both iptables back ends,
and the native-firewall and OVN backends x four scenarios, graded over SSH with `labgrade check`.

`complete` must score 100/100 everywhere; a scenario with one thing missing must show exactly
its failures and nothing else. All hosts come up at once (one module fixture, per-host options
through api.HostSpec) and are graded in parallel.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from labsim import api, releases

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab

RELEASES = sorted(releases.RELEASES)
IPTABLES = releases.IPTABLES
BACKEND_SCENARIOS = ("complete", "no-ssh-rule", "no-icmp-rule", "no-floating-ip")
MAYBE_SKIPPED = {"fail", "skip"}
# (backend, scenario) -> checks that must not pass, with the statuses allowed; the rest pass.
EXPECTED: dict[tuple[str, str], dict[str, set[str]]] = {
    ("hybrid", "complete"): {},
    ("hybrid", "no-ssh-rule"): {"sg.ssh": {"fail"}},
    ("hybrid", "no-floating-ip"): {
        "routing.floating-ip": {"fail"},
        "nat.dnat": MAYBE_SKIPPED,
        "nat.snat": MAYBE_SKIPPED,
        "nat.pair": MAYBE_SKIPPED,
    },
    ("hybrid", "no-dnat"): {"nat.dnat": {"fail"}, "nat.pair": {"skip"}},
    ("ovs-firewall", "no-dnat"): {"nat.dnat": {"fail"}, "nat.pair": {"skip"}},
    ("ovn", "complete"): {},
    ("ovn", "no-ssh-rule"): {"ovn.sg-ssh": {"fail"}},
    ("ovn", "no-icmp-rule"): {"ovn.sg-icmp": {"fail"}},
    ("ovn", "no-floating-ip"): {"ovn.floating-ip": {"fail"}},
    ("ovs-firewall", "complete"): {},
    ("ovs-firewall", "no-ssh-rule"): {"ovsfw.sg-ssh": {"fail"}},
    ("ovs-firewall", "no-icmp-rule"): {"ovsfw.sg-icmp": {"fail"}},
    ("ovs-firewall", "no-floating-ip"): {
        "routing.floating-ip": {"fail"},
        "nat.dnat": MAYBE_SKIPPED,
        "nat.snat": MAYBE_SKIPPED,
        "nat.pair": MAYBE_SKIPPED,
    },
}
# The same mistake costs the same on every backend (issue 9 item 9, docs/checks.md).
COST_SCENARIOS = [("hybrid", "no-floating-ip"), ("hybrid", "no-dnat"), ("ovs-firewall", "no-dnat")]
# A fresh DevStack (nothing done) scores at most 20 on every backend (docs/checks.md).
COST_SCENARIOS += [(backend, "fresh") for backend in ("hybrid", "ovs-firewall", "ovn")]
FRESH_MAX = 20
COSTS = {
    # the points of routing.floating-ip, nat.dnat, nat.snat and nat.pair (ovn.floating-ip)
    "no-floating-ip": (["hybrid", "ovs-firewall", "ovn"], 25),
    "no-dnat": (["hybrid", "ovs-firewall"], 12),  # nat.dnat and nat.pair
}
REPORTED_BACKEND = {"hybrid": "ml2-ovs-iptables-hybrid", "ovn": "ml2-ovn"}
REPORTED_BACKEND["ovs-firewall"] = "ml2-ovs-native-firewall"


def host_name(release: str, backend: str, iptables: str, scenario: str) -> str:
    return "-".join(["mx", release.replace(".", "-"), backend, iptables, scenario])


def matrix() -> dict[str, api.HostSpec]:
    hosts: dict[str, api.HostSpec] = {}
    for release in RELEASES:
        for iptables in IPTABLES:
            for scenario in ("complete", "no-ssh-rule"):
                name = host_name(release, "hybrid", iptables, scenario)
                hosts[name] = api.HostSpec(scenario, release, "hybrid", iptables)
    for backend in ("ovn", "ovs-firewall"):
        for scenario in BACKEND_SCENARIOS:
            name = host_name("2024.1", backend, "nft", scenario)
            hosts[name] = api.HostSpec(scenario, "2024.1", backend, "nft")
    for backend, scenario in COST_SCENARIOS:
        name = host_name("2024.1", backend, "nft", scenario)
        hosts[name] = api.HostSpec(scenario, "2024.1", backend, "nft")
    return hosts


def grade(name: str, ssh_config: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "labgrade", "check", f"ssh://{name}"]
    completed = subprocess.run(
        [*command, "--ssh-config", str(ssh_config), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=REPO,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    base = tmp_path_factory.mktemp("matrix")
    specs = matrix()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LABGRADE_LAB_DIR", str(base / "state"))
        try:
            api.up_scenarios(specs, jobs=8)
            ssh_config = base / "ssh_config"
            api.write_ssh_config(ssh_config)
            with ThreadPoolExecutor(max_workers=4) as pool:
                results = dict(
                    zip(specs, pool.map(lambda n: grade(n, ssh_config), specs), strict=True)
                )
            yield results
        finally:
            api.down(all_hosts=True)


def statuses(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for e in result["exercises"] for c in e["checks"]}


def assert_expected(result: dict[str, Any], backend: str, scenario: str) -> None:
    assert result["status"] == "graded", result.get("error")
    assert result["backend"] == REPORTED_BACKEND[backend]
    assert result["max_score"] == 100
    allowed = EXPECTED[(backend, scenario)]
    found = statuses(result)
    wrong = {c: s for c, s in found.items() if s not in allowed.get(c, {"pass"})}
    assert not wrong, f"{backend}/{scenario}: unexpected statuses {wrong}"
    assert {c for c in allowed if found.get(c) == "fail"}, "the scenario's failure is missing"
    if not allowed:
        assert result["score"] == 100


@pytest.mark.parametrize("iptables", IPTABLES)
@pytest.mark.parametrize("release", RELEASES)
def test_every_release_and_iptables_backend(
    graded: dict[str, dict[str, Any]], release: str, iptables: str
) -> None:
    complete = graded[host_name(release, "hybrid", iptables, "complete")]
    assert (complete["score"], complete["max_score"]) == (100, 100), statuses(complete)
    source = complete["discovered"]["rules_source"]
    assert ("legacy" in source) == (iptables == "legacy"), source
    failing = graded[host_name(release, "hybrid", iptables, "no-ssh-rule")]
    assert_expected(failing, "hybrid", "no-ssh-rule")


@pytest.mark.parametrize("scenario", BACKEND_SCENARIOS)
@pytest.mark.parametrize("backend", ["ovn", "ovs-firewall"])
def test_backend_variants(graded: dict[str, dict[str, Any]], backend: str, scenario: str) -> None:
    result = graded[host_name("2024.1", backend, "nft", scenario)]
    if scenario == "complete":
        assert (result["score"], result["max_score"]) == (100, 100), statuses(result)
    else:
        assert_expected(result, backend, scenario)
    problem = result["backend_problem"] or ""
    assert "Q_AGENT=openvswitch" in problem and "firewall_driver = iptables_hybrid" in problem
    assert "devices.hybrid-plug" in result["discovered"]["not_graded_on_backend"]


@pytest.mark.parametrize("backend", ["hybrid", "ovs-firewall", "ovn"])
def test_a_fresh_devstack_scores_at_most_20(
    graded: dict[str, dict[str, Any]], backend: str
) -> None:
    """What Neutron builds alone is worth 20 points at most: the rest is the student's."""
    result = graded[host_name("2024.1", backend, "nft", "fresh")]
    assert result["status"] == "graded" and result["max_score"] == 100
    assert 0 < result["score"] <= FRESH_MAX, statuses(result)
    assert result["verdict"] and "looks cleaned up" in result["verdict"]


@pytest.mark.parametrize("scenario", sorted(COSTS))
def test_the_same_mistake_costs_the_same_on_every_backend(
    graded: dict[str, dict[str, Any]], scenario: str
) -> None:
    """No floating IP costs 25 points wherever it is graded; a missing DNAT costs nat.dnat and
    nat.pair (12), never the floating IP and the SNAT that hold."""
    backends, cost = COSTS[scenario]
    for backend in backends:
        result = graded[host_name("2024.1", backend, "nft", scenario)]
        assert_expected(result, backend, scenario)
        assert result["max_score"] - result["score"] == cost, (backend, statuses(result))
