"""The simulated lab, checked over real SSH with plain commands (not the grader's parsers)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labsim import scenarios

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(
        os.environ.get("LABGRADE_TEST_RELEASE", "icehouse") != "icehouse",
        reason="these tests assert the icehouse formats",
    ),
]

INSTANCE_SCENARIOS = [
    "complete",
    "no-ssh-rule",
    "no-icmp-rule",
    "no-floating-ip",
    "dhcp-down",
    "no-metadata",
]
NO_INSTANCE = ["fresh", "cleaned-up"]


def out(lab, scenario: str, command: str) -> str:
    done = lab.run(scenario, command)
    assert done.returncode == 0, f"{command!r} on {scenario}: {done.stderr}"
    return done.stdout


def rules(lab, scenario: str, chain: str) -> list[str]:
    return out(lab, scenario, f"iptables -S {chain}").splitlines()


def test_hostname_is_the_host_name(lab):
    for scenario in lab:
        assert out(lab, scenario, "hostname").strip() == lab[scenario].name


def test_host_name_resolves_on_the_host_only(lab):
    """/etc/hosts on a host is the machine's plus `127.0.1.1 NAME`, so sudo finds its name."""
    machine_hosts = Path("/etc/hosts").read_text()
    for scenario in lab:
        name = lab[scenario].name
        assert out(lab, scenario, f"getent hosts {name}").split() == ["127.0.1.1", name]
        assert out(lab, scenario, "cat /etc/hosts").startswith(machine_hosts)
        assert not re.search(rf"\s{re.escape(name)}\s*$", machine_hosts, re.MULTILINE)
    if shutil.which("sudo"):
        done = lab.run("complete", "sudo -n true")
        assert done.returncode == 0 and "unable to resolve" not in done.stderr, done.stderr


def test_netns_list_shows_only_this_hosts_namespaces(lab):
    for scenario in lab:
        plan = lab[scenario].plan
        listed = {line.split()[0] for line in out(lab, scenario, "ip netns list").splitlines()}
        assert listed == {plan["qrouter_ns"], plan["qdhcp_ns"]}


def test_logins_keep_temporary_files_in_the_hosts_own_run(lab):
    tmpdir = out(lab, "complete", 'echo "$TMPDIR"; mktemp -d').split()
    assert tmpdir[0] == "/run/lab/tmp" and tmpdir[1].startswith("/run/lab/tmp/")
    assert not os.path.exists(tmpdir[1])  # the machine's /run is not the host's


def test_processes_are_the_hosts_own(lab):
    text = out(lab, "complete", "ps -eo pid=,comm=,args=")
    lines = [line.split(None, 2) for line in text.splitlines()]
    assert lines[0][0] == "1" and lines[0][1] == "tini"
    commands = [comm for _, comm, _ in lines]
    assert commands.count("ovs-vswitchd") == 1
    assert commands.count("dnsmasq") == 1
    assert "pytest" not in text and "unshare" not in commands


def test_devices_named_after_the_port(lab):
    plan = lab["complete"].plan
    devices = set(out(lab, "complete", "ls /sys/class/net").split())
    assert {plan["tap"], plan["qbr"], plan["qvb"], plan["qvo"], "br-int", "br-ex"} <= devices
    assert plan["tap"] == "tap" + plan["port_id"][:11]
    bridge = out(lab, "complete", f"ls /sys/class/net/{plan['qbr']}/brif").split()
    assert sorted(bridge) == sorted([plan["tap"], plan["qvb"]])
    assert out(lab, "complete", "ovs-vsctl list-ports br-int").split() == sorted(
        [plan["qr_dev"], plan["dhcp_tap"], plan["qvo"]]
    )
    assert out(lab, "complete", "ovs-vsctl list-ports br-ex").split() == [plan["qg_dev"]]
    tag = out(lab, "complete", f"ovs-vsctl get port {plan['qvo']} tag").strip()
    assert tag == str(plan["local_vlan"])


def test_security_group_wiring(lab):
    plan = lab["complete"].plan
    tap, chain_in, chain_out = plan["tap"], plan["chain_in"], plan["chain_out"]
    assert chain_in == "neutron-openvswi-i" + plan["port_id"][:10]
    saved = out(lab, "complete", "iptables-save -t filter")
    assert "-A FORWARD -j neutron-openvswi-FORWARD" in saved
    assert (
        f"-A neutron-openvswi-FORWARD -m physdev --physdev-out {tap} --physdev-is-bridged "
        "-j neutron-openvswi-sg-chain" in saved
    )
    assert (
        f"-A neutron-openvswi-sg-chain -m physdev --physdev-out {tap} --physdev-is-bridged "
        f"-j {chain_in}" in saved
    )
    assert f"--physdev-in {tap} --physdev-is-bridged -j {chain_out}" in saved
    assert "-A neutron-openvswi-sg-chain -j ACCEPT" in saved
    assert "-A neutron-openvswi-sg-fallback -j DROP" in saved
    assert re.search(rf"-A {plan['chain_spoof']} -s {plan['fixed_ip']}/32 -m mac", saved)


def test_icehouse_inbound_chain(lab):
    plan = lab["complete"].plan
    chain = rules(lab, "complete", plan["chain_in"])
    assert chain[0] == f"-N {plan['chain_in']}"
    assert chain[1] == f"-A {plan['chain_in']} -m state --state INVALID -j DROP"
    assert chain[2] == f"-A {plan['chain_in']} -m state --state RELATED,ESTABLISHED -j RETURN"
    body = "\n".join(chain)
    assert f"-s {plan['dhcp_ip']}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN" in body
    assert chain[-1] == f"-A {plan['chain_in']} -j neutron-openvswi-sg-fallback"
    assert "comment" not in body


@pytest.mark.parametrize(
    ("scenario", "ssh", "icmp"),
    [("complete", True, True), ("no-ssh-rule", False, True), ("no-icmp-rule", True, False)],
)
def test_rules_per_scenario(lab, scenario, ssh, icmp):
    body = "\n".join(rules(lab, scenario, lab[scenario].plan["chain_in"]))
    assert ("-p tcp -m tcp --dport 22 -j RETURN" in body) is ssh
    assert ("-p icmp -j RETURN" in body) is icmp


@pytest.mark.parametrize("scenario", NO_INSTANCE)
def test_no_instance_no_port_chains(lab, scenario):
    saved = out(lab, scenario, "iptables-save -t filter")
    assert not re.search(r"neutron-openvswi-[ios][0-9a-f]{8}-", saved)
    assert "-A neutron-openvswi-sg-chain -j ACCEPT" in saved
    devices = out(lab, scenario, "ls /sys/class/net").split()
    assert not [d for d in devices if d[:3] in ("tap", "qbr", "qvb", "qvo")]


@pytest.mark.parametrize("scenario", ["complete", "dhcp-down"])
def test_dnsmasq(lab, scenario):
    plan = lab[scenario].plan
    found = lab.run(scenario, "pgrep -x dnsmasq")
    if scenario == "dhcp-down":
        assert found.returncode == 1
        assert plan["dhcp_tap"] in out(
            lab, scenario, f"ip netns exec {plan['qdhcp_ns']} ip -o link"
        )
        return
    pid = found.stdout.split()[0]
    args = out(lab, scenario, f"ps ww -o args= -p {pid}")
    assert f"--interface={plan['dhcp_tap']}" in args
    assert "--bind-interfaces" in args and "--dhcp-range=set:tag0,10.0.0.0,static,86400s" in args
    assert out(lab, scenario, f"ip netns identify {pid}").strip() == plan["qdhcp_ns"]
    addresses = out(lab, scenario, f"ip netns exec {plan['qdhcp_ns']} ip -o -4 addr")
    assert f"inet {plan['dhcp_ip']}/24" in addresses and plan["dhcp_tap"] in addresses


@pytest.mark.parametrize("scenario", ["complete", "no-floating-ip", "fresh"])
def test_router_addresses_and_route(lab, scenario):
    plan = lab[scenario].plan
    ns, qg = plan["qrouter_ns"], plan["qg_dev"]
    addresses = out(lab, scenario, f"ip netns exec {ns} ip -o -4 addr show dev {qg}")
    assert f"inet {plan['qg_ip']}/24" in addresses
    floating = re.findall(r"inet (\S+)/32", addresses)
    assert floating == ([plan["floating_ip"]] if scenario == "complete" else [])
    qr = out(lab, scenario, f"ip netns exec {ns} ip -o -4 addr show dev {plan['qr_dev']}")
    assert "inet 10.0.0.1/24" in qr
    route = out(lab, scenario, f"ip netns exec {ns} ip route show default")
    assert route.split() == ["default", "via", "172.24.4.1", "dev", qg]


@pytest.mark.parametrize("scenario", ["complete", "no-floating-ip", "no-metadata", "cleaned-up"])
def test_nat_table(lab, scenario):
    plan = lab[scenario].plan
    nat = out(lab, scenario, f"ip netns exec {plan['qrouter_ns']} iptables -t nat -S")
    fip, fixed = plan["floating_ip"], plan["fixed_ip"]
    dnat = f"-A neutron-l3-agent-PREROUTING -d {fip}/32 -j DNAT --to-destination {fixed}"
    snat = f"-A neutron-l3-agent-float-snat -s {fixed}/32 -j SNAT --to-source {fip}"
    assert (dnat in nat and snat in nat) is (fip is not None)
    if fip is None:
        assert "-j DNAT" not in nat and "float-snat -s" not in nat
    else:
        assert f"-A neutron-l3-agent-OUTPUT -d {fip}/32 -j DNAT --to-destination {fixed}" in nat
    redirect = (
        "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -p tcp -m tcp --dport 80 "
        "-j REDIRECT --to-ports 9697"
    )
    assert (redirect in nat) is (scenario != "no-metadata")
    assert f"-A neutron-l3-agent-snat -s 10.0.0.0/24 -j SNAT --to-source {plan['qg_ip']}" in nat
    assert "-A neutron-postrouting-bottom -j neutron-l3-agent-snat" in nat


@pytest.mark.parametrize("scenario", ["complete", "no-metadata"])
def test_metadata_proxy_listens(lab, scenario):
    ns = lab[scenario].plan["qrouter_ns"]
    listening = out(lab, scenario, f"ip netns exec {ns} ss -Hltn 'sport = :9697'")
    assert bool(listening.strip()) is (scenario == "complete")
    proxy = "neutron-ns-metadata-proxy" if lab[scenario].release == "icehouse" else "haproxy"
    running = lab.run(scenario, f"pgrep -x {proxy[:15]}").returncode == 0  # comm: 15 characters
    assert running is (scenario == "complete")


@pytest.mark.parametrize(
    ("scenario", "ping", "ssh"),
    [
        ("complete", True, True),
        ("no-icmp-rule", False, True),
        ("no-ssh-rule", True, False),
    ],
)
def test_data_path_to_floating_ip(lab, scenario, ping, ssh):
    fip = lab[scenario].plan["floating_ip"]
    assert (lab.run(scenario, f"ping -c1 -W1 {fip}").returncode == 0) is ping
    assert (lab.run(scenario, f"nc -z -w2 {fip} 22").returncode == 0) is ssh


def test_instance_reaches_metadata_through_the_router(lab):
    plan = lab["complete"].plan
    pid = out(lab, "complete", "pgrep -x nc").split()[0]
    request = "printf 'GET / HTTP/1.0\\r\\n\\r\\n'"
    done = lab.run("complete", f"{request} | nsenter -t {pid} -n nc -w2 169.254.169.254 80")
    assert "latest" in done.stdout, done.stderr
    inside = out(lab, "complete", f"nsenter --target {pid} --net ip -o -4 addr show dev eth0")
    assert f"inet {plan['fixed_ip']}/24" in inside


def test_testinfra_backends(lab):
    for backend in ("ssh", "paramiko"):
        host = lab.testinfra("complete", backend)
        assert host.check_output("hostname") == lab["complete"].name
        assert host.file(f"/run/netns/{lab['complete'].plan['qrouter_ns']}").exists


def test_plain_ssh_with_the_lab_ssh_config(lab):
    """OpenSSH closes inherited fds first, so `ssh -F <(...)` cannot work; these do."""
    name = lab["fresh"].name
    for config in (lab.state_dir / "ssh_config", lab.ssh_config):
        done = subprocess.run(
            ["ssh", "-F", str(config), name, "ip netns list"], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert lab["fresh"].plan["qrouter_ns"] in done.stdout
    text = subprocess.run(
        [sys.executable, "-m", "labgrade", "lab", "ssh-config"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    done = subprocess.run(
        ["ssh", "-F", "/dev/stdin", name, "hostname"], input=text, capture_output=True, text=True
    )
    assert done.stdout.strip() == name, done.stderr


def test_status_shows_each_hosts_backend_iptables_and_description(lab):
    done = subprocess.run(
        [sys.executable, "-m", "labgrade", "lab", "status"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert rows[0][3:5] == ["BACKEND", "IPTABLES"] and rows[0][-1] == "DESCRIPTION"
    row = next(r for r in rows if r[0] == lab["complete"].name)
    described = scenarios.load_scenarios()["complete"].description
    assert row[1:5] == ["complete", "icehouse", "hybrid", "nft"] and row[-1] == described
    assert row[6] == "ok"
