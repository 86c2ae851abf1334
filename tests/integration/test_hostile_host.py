"""No command is built from host text: a simulated host holds namespaces, devices, an OVS bridge
and a process whose names are shell code; grading it over SSH runs only the grader's own
commands (nothing those names say is ever executed) and the reports stay valid.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hostops import labgrade, on_host, own_hosts

pytestmark = pytest.mark.lab

NAMESPACES = [
    "qrouter-x;touch pwned-ns1",
    "qdhcp-$(touch pwned-ns2)",
    "qrouter-`touch pwned-ns3`",
    "qrouter-a b",
    "--x",
    "qdhcp-x|touch pwned-ns4",
]
DEVICES = ["qg-;id>pwned1", "qg-`id>pwned2`", "qr-&id&", "-qg", "tap*", "qg-$HOME"]
BRIDGE = "br-;touch pwned6"
PROCESS = "dnsmasq --interface=$(touch pwned-ps) --dhcp-range=`touch pwned-ps2`"
# Where a shell run by the gather could write a relative file: its cwd (root's home, /, or a
# temporary directory). Depth-limited: a walk of the whole root filesystem took over 30 s on CI.
FIND = "find / /run /tmp /var/tmp /root -xdev -maxdepth 3 -name 'pwned*' 2>/dev/null || true"


def hostile_script() -> str:
    lines = [f"ip netns add '{name}'" for name in NAMESPACES]
    lines += [f"ip link add name '{name}' type bridge" for name in DEVICES]
    lines.append(f"ovs-vsctl add-br '{BRIDGE}' -- set bridge '{BRIDGE}' datapath_type=netdev || :")
    lines.append(f"perl -e '$0 = shift; sleep' '{PROCESS}' </dev/null >/dev/null 2>&1 &")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def hostile(lab, tmp_path_factory):
    with own_hosts(lab, {"lg-hostile": "complete"}, tmp_path_factory.mktemp("hostile")) as (
        hosts,
        ssh_config,
    ):
        host = hosts["lg-hostile"]
        on_host(host, hostile_script())
        yield host, ssh_config


def test_hostile_names_are_created(hostile):
    host, _ = hostile
    listed = on_host(host, "ip netns list")
    assert all(name in listed for name in NAMESPACES)
    assert "qg-;id>pwned1" in on_host(host, "ip -o link")
    assert on_host(host, FIND) == ""


def test_grading_runs_nothing_the_names_say(hostile, tmp_path):
    host, ssh_config = hostile
    out = tmp_path / "report.xml"
    done = labgrade(
        "check",
        f"ssh://{host.name}",
        "--ssh-config",
        str(ssh_config),
        "--format",
        "json",
        "--junit",
        str(out),
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1), done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "graded" and result["remote_commands"] == 1
    ET.parse(out)  # valid XML
    assert on_host(host, FIND) == ""  # on the host: its /, /run, /tmp, and root's home
    assert not list(tmp_path.glob("pwned*"))
    skipped = " ".join(result["discovered"]["notes"])
    assert "qrouter-x;touch pwned-ns1" in skipped and "--x" in skipped
    statuses = {c["id"]: c["status"] for e in result["exercises"] for c in e["checks"]}
    assert statuses["sg.ssh"] == "pass" and statuses["nat.pair"] == "pass"


def test_collected_snapshot_keeps_names_as_data(hostile, tmp_path):
    host, ssh_config = hostile
    path = tmp_path / "snap.json"
    done = labgrade(
        "collect", f"ssh://{host.name}", "--ssh-config", str(ssh_config), "-o", str(path)
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(path.read_text())
    walked = {r["ns"] for r in doc["records"] if r["ns"]}
    assert walked == {host.plan["qrouter_ns"], host.plan["qdhcp_ns"]}  # the others: skipped
    links = next(r["out"] for r in doc["records"] if r["key"] == "link" and r["ns"] is None)
    assert "qg-`id>pwned2`" in links
    bridges = {r["arg"] for r in doc["records"] if r["key"] == "ovs_list_ports"}
    assert BRIDGE not in bridges  # a bridge name that is not a plain name is not looked into
    processes = next(r["out"] for r in doc["records"] if r["key"] == "processes")
    assert "--interface=$(touch pwned-ps)" in processes
    assert on_host(host, FIND) == ""
