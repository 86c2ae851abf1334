"""Acceptance of `labgrade check` on the simulated lab (issue 3).

Every scenario is graded three ways and must give the same statuses:
- over SSH from this machine (`labgrade check ssh://HOST --ssh-config ...`),
- locally on the host (`ssh HOST labgrade check`, as a student runs it),
- from a snapshot collected from it (`labgrade collect` then `labgrade check --snapshot`).
The expectations come from the scenario's meaning, and what the grader discovers (floating IP,
fixed IP, chain, router) is compared with the lab's own plan of that host.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from json_contract import validated

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab

# Scenario -> the checks that must not pass (status or set of allowed statuses).
# Every check not listed must pass.
NOT_PASSING: dict[str, dict[str, set[str]]] = {
    "complete": {},
    "no-ssh-rule": {"sg.ssh": {"fail"}},
    "no-icmp-rule": {"sg.icmp": {"fail"}},
    "dhcp-down": {"dhcp.dnsmasq": {"fail"}},
    "no-metadata": {"nat.metadata-redirect": {"fail"}, "nat.metadata-proxy": {"fail"}},
    "no-floating-ip": {
        "routing.floating-ip": {"fail"},
        "nat.dnat": {"fail", "skip"},
        "nat.snat": {"fail", "skip"},
        "nat.pair": {"fail", "skip"},
    },
}
# No instance and no floating IP: these fail or skip, each with a reason; the rest pass.
INSTANCE_AND_FLOATING_CHECKS = {
    "devices.instance-tap",
    "devices.hybrid-plug",
    "devices.ovs-ports",
    "sg.chain",
    "sg.wiring",
    "sg.ssh",
    "sg.icmp",
    "sg.stateful",
    "routing.floating-ip",
    "nat.dnat",
    "nat.snat",
    "nat.pair",
}
for _scenario in ("fresh", "cleaned-up"):
    NOT_PASSING[_scenario] = {c: {"fail", "skip"} for c in INSTANCE_AND_FLOATING_CHECKS}


def labgrade(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labgrade", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def report(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert completed.returncode in (0, 1), completed.stderr
    return validated(json.loads(completed.stdout), "result")


def statuses(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for e in result["exercises"] for c in e["checks"]}


def grade_over_ssh(lab: Any, scenario: str, *extra: str) -> dict[str, Any]:
    host = lab[scenario]
    return report(
        labgrade(
            "check",
            f"ssh://{host.name}",
            "--ssh-config",
            str(lab.ssh_config),
            "--format",
            "json",
            *extra,
        )
    )


def grade_on_the_host(lab: Any, scenario: str) -> dict[str, Any]:
    """As a student: log in to the host and run labgrade there (it grades its own host)."""
    command = f"cd {shlex.quote(str(REPO))} && {shlex.quote(sys.executable)} -m labgrade check"
    completed = lab.run(scenario, f"{command} --format json", timeout=60)
    return report(completed)


def grade_from_snapshot(lab: Any, scenario: str, tmp_path: Path) -> dict[str, Any]:
    host = lab[scenario]
    snapshot = tmp_path / f"{scenario}.snapshot.json"
    collected = labgrade(
        "collect", f"ssh://{host.name}", "--ssh-config", str(lab.ssh_config), "-o", str(snapshot)
    )
    assert collected.returncode == 0, collected.stderr
    assert json.loads(snapshot.read_text())["format"] == "labgrade-snapshot/1"
    return report(labgrade("check", "--snapshot", str(snapshot), "--format", "json"))


def assert_scenario(scenario: str, result: dict[str, Any]) -> None:
    assert result["status"] == "graded", result.get("error")
    assert result["remote_commands"] <= 2
    found = statuses(result)
    expected_not_passing = NOT_PASSING[scenario]
    for check_id, status in found.items():
        allowed = expected_not_passing.get(check_id, {"pass"})
        assert status in allowed, f"{scenario}: {check_id} is {status}, expected {allowed}"
    checks = [c for e in result["exercises"] for c in e["checks"]]
    for check in checks:
        if check["status"] in ("fail", "skip"):
            assert check["evidence"], f"{check['id']} gives no reason"
    passed = sum(c["points"] for c in checks)
    assert result["score"] == passed
    if not expected_not_passing:
        assert (result["score"], result["max_score"]) == (100, 100)


@pytest.mark.parametrize("scenario", list(NOT_PASSING))
def test_three_ways_agree(lab: Any, scenario: str, tmp_path: Path) -> None:
    over_ssh = grade_over_ssh(lab, scenario)
    assert over_ssh["remote_commands"] == 1
    assert_scenario(scenario, over_ssh)
    on_host = grade_on_the_host(lab, scenario)
    assert_scenario(scenario, on_host)
    from_snapshot = grade_from_snapshot(lab, scenario, tmp_path)
    assert_scenario(scenario, from_snapshot)
    assert statuses(over_ssh) == statuses(on_host) == statuses(from_snapshot)


def test_discovers_the_hosts_own_names_and_addresses(lab: Any) -> None:
    plan = lab["complete"].plan
    discovered = grade_over_ssh(lab, "complete")["discovered"]
    values = " ".join(str(v) for v in discovered.values())
    for key in ("floating_ip", "fixed_ip", "chain_in", "router_id", "network_id", "tap"):
        assert plan[key] in values, f"{key} {plan[key]} not discovered: {discovered}"


def test_cleanup_exercise(lab: Any) -> None:
    cleaned = grade_over_ssh(lab, "cleaned-up", "--only", "cleanup")
    assert set(statuses(cleaned).values()) == {"pass"}
    assert cleaned["score"] == cleaned["max_score"] > 0
    not_cleaned = grade_over_ssh(lab, "complete", "--only", "cleanup")
    assert set(statuses(not_cleaned).values()) == {"fail"}


def test_exit_codes_and_reports(lab: Any, tmp_path: Path) -> None:
    host = lab["no-ssh-rule"].name
    junit = tmp_path / "report.xml"
    completed = labgrade(
        "check", f"ssh://{host}", "--ssh-config", str(lab.ssh_config), "--junit", str(junit)
    )
    assert completed.returncode == 1
    # The failure names its check, shows the chain's rules, and the command to look yourself.
    assert "check:    sg.ssh" in completed.stdout
    assert "see:      sudo iptables -S neutron-openvswi-i" in completed.stdout
    from junitparser import JUnitXml

    suites = list(JUnitXml.fromfile(str(junit)))
    assert len(suites) == 1 and suites[0].failures == 1
    passing = labgrade(
        "check", f"ssh://{lab['complete'].name}", "--ssh-config", str(lab.ssh_config)
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
    enough = labgrade(
        "check", f"ssh://{host}", "--ssh-config", str(lab.ssh_config), "--min-score", "80"
    )
    assert enough.returncode == 0


def test_paramiko_backend_grades_the_same(lab: Any) -> None:
    host = lab["no-icmp-rule"].name
    result = report(
        labgrade(
            "check",
            f"paramiko://{host}",
            "--ssh-config",
            str(lab.ssh_config),
            "--format",
            "json",
        )
    )
    assert_scenario("no-icmp-rule", result)


def test_plain_collect_script_without_labgrade(lab: Any, tmp_path: Path) -> None:
    """A student without labgrade: pipe scripts/labgrade-collect.sh to `sh` on the host, hand in
    what it prints, and the instructor grades it like a live host."""
    script = (REPO / "scripts" / "labgrade-collect.sh").read_text()
    for scenario in ("complete", "no-icmp-rule"):
        host = lab[scenario].name
        done = subprocess.run(
            ["ssh", "-F", str(lab.ssh_config), host, "sh -s"],
            input=script,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        snapshot = tmp_path / f"{scenario}.json"
        snapshot.write_text(done.stdout)
        handed_in = report(labgrade("check", "--snapshot", str(snapshot), "--format", "json"))
        assert_scenario(scenario, handed_in)
        assert statuses(handed_in) == statuses(grade_over_ssh(lab, scenario))
