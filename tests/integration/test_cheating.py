"""Cheating that costs nothing must not score (issue 6): lab scenarios whose `extras:` do by hand
what looks like the exercise, graded over SSH; the cross-checks fail (or skip) the checks the
cheat aims at, and everything else is graded as usual.

- pasted-rules: SSH/ICMP RETURN rules in a chain sg-chain sends another (absent) tap to;
- fake-dnsmasq: dnsmasq down, a sleeping process whose `ps` line is a dnsmasq command line
  (with --interface=<the qdhcp tap>) running in the root namespace;
- floating-without-nat: a /32 added on qg-, no DNAT/SNAT behind it;
- nat-wrong-address: a /32 on qg- and a DNAT/SNAT pair for an address not the instance's;
- ssh-drop-before-return: the SSH RETURN rule, with a DROP of tcp/22 inserted before it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checks import load_all
from grader.facts import build_facts
from grader.snapshot import Snapshot

REPO = Path(__file__).resolve().parents[2]
CHECKS = load_all()
pytestmark = pytest.mark.lab

FLOATING = {"routing.floating-ip", "nat.dnat", "nat.snat", "nat.pair"}
# scenario -> {check id: allowed statuses}; every other default check must pass
CAUGHT: dict[str, dict[str, set[str]]] = {
    "pasted-rules": {"sg.ssh": {"fail"}, "sg.icmp": {"fail"}},
    "fake-dnsmasq": {"dhcp.dnsmasq": {"fail"}},
    "floating-without-nat": {"routing.floating-ip": {"fail"}}
    | {c: {"fail", "skip"} for c in FLOATING - {"routing.floating-ip"}},
    "nat-wrong-address": {"routing.floating-ip": {"fail"}}
    | {c: {"fail", "skip"} for c in FLOATING - {"routing.floating-ip"}},
    "ssh-drop-before-return": {"sg.ssh": {"fail"}},
}


def labgrade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labgrade", *args],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=REPO,
    )


def graded(lab: Any, scenario: str) -> dict[str, Any]:
    done = labgrade(
        "check", lab.spec(scenario), "--ssh-config", str(lab.ssh_config), "--format", "json"
    )
    assert done.returncode == 1, done.stderr
    return json.loads(done.stdout)


def facts_of(lab: Any, scenario: str, tmp_path: Path) -> Any:
    path = tmp_path / f"{scenario}.json"
    done = labgrade(
        "collect", lab.spec(scenario), "--ssh-config", str(lab.ssh_config), "-o", str(path)
    )
    assert done.returncode == 0, done.stderr
    return build_facts(Snapshot.from_json(path.read_bytes(), source=str(path)))


@pytest.mark.parametrize("scenario", sorted(CAUGHT))
def test_cheat_does_not_score(lab, scenario):
    result = graded(lab, scenario)
    statuses = {c["id"]: c for e in result["exercises"] for c in e["checks"]}
    not_passing = {k: c["status"] for k, c in statuses.items() if c["status"] != "pass"}
    assert set(not_passing) == set(CAUGHT[scenario]), not_passing
    for check_id, allowed in CAUGHT[scenario].items():
        assert not_passing[check_id] in allowed
        assert statuses[check_id]["evidence"], "a reason every time"
    lost = sum(statuses[c]["max_points"] for c in CAUGHT[scenario])
    assert result["score"] == result["max_score"] - lost


def test_pasted_rules_are_shown_but_do_not_count(lab):
    ssh = next(
        c
        for e in graded(lab, "pasted-rules")["exercises"]
        for c in e["checks"]
        if c["id"] == "sg.ssh"
    )
    assert "neutron-openvswi-i0badc0de-0 -p tcp -m tcp --dport 22 -j RETURN" in ssh["evidence"]
    assert "does not apply to this instance" in ssh["evidence"]


def test_fake_dnsmasq_is_named_with_its_namespace(lab, tmp_path):
    plan = lab["fake-dnsmasq"].plan
    facts = facts_of(lab, "fake-dnsmasq", tmp_path)
    fakes = [d for d in facts.dnsmasq if plan["dhcp_tap"] in d.interfaces]
    assert fakes and all(d.netns == "" for d in fakes)  # `ip netns identify`: root namespace
    outcome = CHECKS["dnsmasq"](facts)
    assert outcome.status == "fail" and "(namespace: root)" in outcome.evidence


@pytest.mark.parametrize("scenario", ["floating-without-nat", "nat-wrong-address"])
def test_nat_checks_fail_on_their_own(lab, tmp_path, scenario):
    """Without the `requires` gate too: the NAT checks themselves do not take the cheat."""
    facts = facts_of(lab, scenario, tmp_path)
    assert facts.instance is not None and facts.instance.floating_ip is None
    for name in ("floating_ip", "nat_dnat", "nat_snat", "nat_pair"):
        assert CHECKS[name](facts).status == "fail", name
