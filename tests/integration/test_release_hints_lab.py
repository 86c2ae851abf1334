"""Hints for the lab host's own release (issue 12.3), over SSH: a simulated Icehouse host is
told the `neutron`/`nova` clients and a 2024.1 host the `openstack` client, with the host's own
router and network ids in the commands; each report says which releases it saw and why."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostops import labgrade, own_hosts

from labsim import api

pytestmark = pytest.mark.lab
HOSTS = {
    "rh-icehouse": api.HostSpec("no-ssh-rule", "icehouse"),
    "rh-2024-1": api.HostSpec("no-ssh-rule", "2024.1"),
}


def report(name: str, ssh_config: Path, *options: str) -> str:
    done = labgrade(
        "check",
        f"ssh://{name}",
        "--ssh-config",
        str(ssh_config),
        *options,
        timeout=90,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"},  # as a student's terminal
    )
    assert done.returncode == 1, done.stderr  # sg.ssh fails
    return done.stdout


@pytest.fixture(scope="module")
def reports(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with own_hosts(lab, HOSTS, tmp_path_factory.mktemp("release-hints")) as (_, ssh_config):
        yield {
            name: (
                report(name, ssh_config),
                json.loads(report(name, ssh_config, "--format", "json")),
            )
            for name in HOSTS
        }


def first_screen(text: str) -> str:
    return " ".join(text.split("\n\n", 1)[0].split())


def hints(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["hint"] for e in result["exercises"] for c in e["checks"]}


def test_an_icehouse_lab_host_is_told_the_neutron_client(reports: dict[str, Any]) -> None:
    text, result = reports["rh-icehouse"]
    assert result["discovered"]["release"] == "before Kilo (Havana to Juno)"
    assert "next: SSH (tcp/22) is allowed in" in first_screen(text)
    assert "`neutron security-group-rule-create --protocol tcp" in first_screen(text)
    assert "openstack" not in text
    network = result["discovered"]["network"].removeprefix("qdhcp-")
    assert (
        f"`nova boot --image <cirros image> --flavor m1.tiny --nic net-id={network} demo`"
        in (hints(result)["devices.instance-tap"])
    )


def test_a_2024_1_lab_host_is_told_the_openstack_client(reports: dict[str, Any]) -> None:
    text, result = reports["rh-2024-1"]
    assert result["discovered"]["release"] == "Pike or later"
    assert any("haproxy" in sign for sign in result["discovered"]["release_evidence"])
    screen = first_screen(text)
    assert "`openstack security group rule create --protocol tcp --dst-port 22 default`" in screen
    assert "neutron security-group-rule-create" not in text and "nova " not in text
    router = result["discovered"]["router"]
    assert f"sudo ip netns exec {router} ip route show" in hints(result)["routing.default-route"]
