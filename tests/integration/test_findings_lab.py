"""Findings on lab hosts: answers read off a host with the lab's own commands all pass; the
same answers graded on another host fail (its ids and addresses differ)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab


def ask(lab: Any, scenario: str, command: str) -> str:
    done = lab.run(scenario, command)
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout


def answers_read_as_a_student(lab: Any, scenario: str) -> dict[str, str]:
    """Each answer from the command the lab (or the hint) names, parsed as a person would."""
    tap = re.search(r"\b(tap[0-9a-f]{8}-[0-9a-f]{2})\b", ask(lab, scenario, "ip a")).group(1)
    chains = ask(lab, scenario, "iptables -S")
    chain = re.search(rf"-A (neutron-openvswi-i{tap[3:13]})\s", chains).group(1)
    namespaces = ask(lab, scenario, "ip netns list")
    router = re.search(r"\b(qrouter-[0-9a-f-]{36})", namespaces).group(1)
    dnsmasq = ask(lab, scenario, "ps ww $(pgrep dnsmasq)")
    interface = re.search(r"--interface=(\S+)", dnsmasq).group(1)
    nat = ask(lab, scenario, f"ip netns exec {router} iptables -t nat -S")
    fixed = re.search(r"-j DNAT --to-destination (\S+)", nat).group(1)
    port = re.search(r"REDIRECT --to-ports (\d+)", nat).group(1)
    routes = ask(lab, scenario, f"ip netns exec {router} ip route show")
    gateway = re.search(r"default via (\S+)", routes).group(1)
    return {
        "inbound-chain": chain,
        "dhcp-interface": interface,
        "router-namespace": router,
        "fixed-ip": fixed,
        "metadata-port": port,
        "default-gateway": gateway,
    }


def grade_findings(lab: Any, scenario: str, answers: Path) -> dict[str, str]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "labgrade",
            "check",
            f"ssh://{lab[scenario].name}",
            "--ssh-config",
            str(lab.ssh_config),
            "--answers",
            str(answers),
            "--only",
            "findings",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert completed.returncode in (0, 1), completed.stderr
    doc = json.loads(completed.stdout)
    return {c["id"]: c["status"] for e in doc["exercises"] for c in e["checks"]}


def test_answers_read_off_the_host_pass_there_and_fail_elsewhere(lab, tmp_path: Path) -> None:
    answers = answers_read_as_a_student(lab, "complete")
    path = tmp_path / "answers.yaml"
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in answers.items()))
    mine = grade_findings(lab, "complete", path)
    assert set(mine.values()) == {"pass"}, mine
    theirs = grade_findings(lab, "no-icmp-rule", path)
    copied = ("findings.inbound-chain", "findings.dhcp-interface", "findings.router-namespace")
    assert all(theirs[c] == "fail" for c in copied), theirs
