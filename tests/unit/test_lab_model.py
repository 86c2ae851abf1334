"""The simulated lab's pure parts (no root): plan, line formats, scenarios file, ssh_config."""

from __future__ import annotations

import ipaddress
import os
import random
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.errors import InputFileError, LabError
from labgrade.command import build_parser, main
from labsim import (
    api,
    commands,
    daemons,
    formats,
    host_namespaces,
    plan,
    releases,
    scenarios,
    script,
)
from labsim.sshconfig import host_block
from labsim.state import LabHost

SCENARIOS = scenarios.load_scenarios()


def make(scenario: str = "complete", seed: int = 1, release: str = "icehouse") -> dict:
    return plan.make_plan("lab-1", SCENARIOS[scenario], release, random.Random(seed))


def test_packaged_scenarios_are_the_interface() -> None:
    assert set(SCENARIOS) >= {
        "complete", "fresh", "no-ssh-rule", "no-icmp-rule", "no-floating-ip",
        "dhcp-down", "no-metadata", "cleaned-up",
    }  # fmt: skip
    assert not SCENARIOS["dhcp-down"].dhcp and not SCENARIOS["no-metadata"].metadata
    assert not SCENARIOS["cleaned-up"].instance and not SCENARIOS["fresh"].floating_ip


@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(sorted(SCENARIOS)))
def test_plan_names_follow_neutron(seed: int, scenario: str) -> None:
    p = make(scenario, seed)
    assert p["qrouter_ns"] == "qrouter-" + p["router_id"]
    assert p["qdhcp_ns"] == "qdhcp-" + p["network_id"]
    assert p["dhcp_tap"] == "tap" + p["dhcp_port_id"][:11] and len(p["dhcp_tap"]) == 14
    assert p["qg_dev"] == "qg-" + p["qg_port_id"][:11]
    private = ipaddress.IPv4Network(p["private_cidr"])
    assert ipaddress.IPv4Address(p["dhcp_ip"]) in private and p["dhcp_ip"] != "10.0.0.1"
    if p["port_id"]:
        for prefix in ("tap", "qbr", "qvb", "qvo"):
            assert p[prefix] == prefix + p["port_id"][:11]
        assert p["chain_in"] == "neutron-openvswi-i" + p["port_id"][:10]
        assert p["fixed_ip"] not in (p["dhcp_ip"], p["private_gateway"])
    if p["floating_ip"]:
        assert p["floating_ip"] not in (p["qg_ip"], p["public_gateway"])
        assert ipaddress.IPv4Address(p["floating_ip"]) in ipaddress.IPv4Network(p["public_cidr"])


def test_plans_differ_per_host_and_absent_parts_are_none() -> None:
    assert make(seed=1)["port_id"] != make(seed=2)["port_id"]
    fresh = make("fresh")
    assert fresh["port_id"] is None and fresh["floating_ip"] is None and fresh["sg_rules"] == []
    assert make("no-floating-ip")["floating_ip"] is None


def test_bad_host_name() -> None:
    with pytest.raises(LabError, match="invalid host name"):
        make_named("Lab_1")


def make_named(name: str) -> dict:
    return plan.make_plan(name, SCENARIOS["complete"], "icehouse", random.Random(0))


def test_icehouse_filter_table() -> None:
    p = make()
    table = formats.host_filter_table(p, releases.ICEHOUSE)
    lines = [line for line in table.splitlines() if line.startswith(f"-A {p['chain_in']}")]
    assert lines[0].endswith("-m state --state INVALID -j DROP")
    assert lines[1].endswith("-m state --state RELATED,ESTABLISHED -j RETURN")
    assert f"-s {p['dhcp_ip']}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN" in table
    assert "-p tcp -m tcp --dport 22 -j RETURN" in table and "-p icmp -j RETURN" in table
    assert "comment" not in table
    assert f"--physdev-out {p['tap']} --physdev-is-bridged -j neutron-openvswi-sg-chain" in table


def test_queens_filter_table_has_comments_and_ipset() -> None:
    p = make(release="queens")
    table = formats.host_filter_table(p, releases.QUEENS)
    chain_in = [line for line in table.splitlines() if line.startswith(f"-A {p['chain_in']}")]
    assert "RELATED,ESTABLISHED" in chain_in[0] and "INVALID" in chain_in[-2]
    assert f"-d {p['fixed_ip']}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN" in table
    assert f"--match-set {formats.ipset_name(p['security_group_id'])} src" in table
    assert len(formats.ipset_name(p["security_group_id"])) == 29
    assert '-m comment --comment "Send unmatched traffic to the fallback chain."' in table


def test_icehouse_nat_table() -> None:
    p = make()
    nat = formats.router_nat_table(p, releases.ICEHOUSE)
    assert "-d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697" in nat
    assert f"-A neutron-l3-agent-snat -s 10.0.0.0/24 -j SNAT --to-source {p['qg_ip']}" in nat
    assert (
        f"-A neutron-l3-agent-PREROUTING -d {p['floating_ip']}/32 "
        f"-j DNAT --to-destination {p['fixed_ip']}" in nat
    )
    assert "--random-fully" not in nat and "-i qr-+" not in nat
    no_md = formats.router_nat_table(make("no-metadata"), releases.ICEHOUSE)
    assert "REDIRECT" not in no_md


def test_later_releases_nat_and_route() -> None:
    p = make(release="2024.1")
    nat = formats.router_nat_table(p, releases.R2024_1)
    assert "-i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT" in nat
    assert f"-o {p['qg_dev']} -j SNAT --to-source {p['qg_ip']} --random-fully" in nat
    assert formats.router_default_route(p, releases.R2024_1).endswith("proto static")
    assert formats.router_default_route(p, releases.ICEHOUSE).endswith(p["qg_dev"])


def test_dnsmasq_command_lines() -> None:
    p = make()
    icehouse = daemons.dnsmasq_argv(p, releases.ICEHOUSE, "/run/lab")
    assert f"--interface={p['dhcp_tap']}" in icehouse and "--except-interface=lo" in icehouse
    assert "--dhcp-range=set:tag0,10.0.0.0,static,86400s" in icehouse and "--conf-file=" in icehouse
    stein = daemons.dnsmasq_argv(p, releases.R2024_1, "/run/lab")
    assert not [a for a in stein if a.startswith("--interface")] and "--bind-dynamic" in stein


def test_build_script_holds_every_part() -> None:
    p = make()
    text = script.build_script(p, releases.ICEHOUSE, "ssh-ed25519 AAAA test")
    assert f"ip netns add {p['qrouter_ns']}" in text and f"ip netns add {p['qdhcp_ns']}" in text
    assert "datapath_type=netdev" in text and "--mlockall" not in text
    assert f"--interface={p['dhcp_tap']}" in text and "neutron-ns-metadata-proxy --pid" in text
    assert "haproxy -f" in script.build_script(p, releases.QUEENS, "k")
    down = script.build_script(make("dhcp-down"), releases.ICEHOUSE, "k")
    assert "dnsmasq" not in down.replace("/dhcp/", "")


HEAD = "scenarios:\n  x:\n    description: d\n"
RULES = HEAD + "    security_group_rules:\n"
BAD_FILES = [
    ("scenarios:\n  x:\n    instance: yes please\n", 3, "description"),
    ("scenarios:\n  x:\n    description: d\n    dhcp: maybe\n", 4, "dhcp"),
    ("scenarios:\n  x:\n    description: d\n    colour: red\n", 4, "colour"),
    (RULES + "      - {protocol: sctp}\n", 5, "protocol"),
    (RULES + "      - {protocol: icmp, port: 22}\n", 5, "port"),
    (HEAD + "    instance: false\n    floating_ip: true\n", 3, "floating_ip"),
    ("scenarios:\n  x: [\n", 3, None),
    ("nothing: here\n", 1, "nothing"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "key"), BAD_FILES)
def test_bad_scenario_files_name_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str | None
) -> None:
    path = tmp_path / "scenarios.yaml"
    path.write_text(text)
    with pytest.raises(InputFileError) as caught:
        scenarios.load_scenarios(path)
    error = caught.value
    assert error.exit_code == 2 and error.path == str(path)
    if key == "description" and line == 3:
        assert error.key in ("instance", "description")
    else:
        assert error.line == line and error.key == key, str(error)
    assert "\n" not in str(error)


def test_author_adds_a_scenario_without_code(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenarios:\n  http-only:\n    description: web rule instead of SSH\n"
        "    security_group_rules:\n"
        "      - {protocol: tcp, port: '80:81', remote_ip_prefix: 10.1.0.0/16}\n"
    )
    chosen = scenarios.get_scenario("http-only", path)
    p = plan.make_plan("h", chosen, "icehouse", random.Random(3))
    table = formats.host_filter_table(p, releases.ICEHOUSE)
    assert "-s 10.1.0.0/16 -p tcp -m tcp -m multiport --dports 80:81 -j RETURN" in table
    with pytest.raises(LabError, match="unknown scenario"):
        scenarios.get_scenario("nope", path)


def test_ssh_config_block() -> None:
    host = LabHost("lab-1", "complete", "icehouse", 4242, 4241, 0.0, "ssh-ed25519 AAAA", {})
    block = host_block(host)
    assert block.startswith("Host lab-1\n")
    assert "ProxyCommand nsenter --target 4242 --net -- nc 127.0.0.1 22" in block
    for option in ("User root", "StrictHostKeyChecking yes", "BatchMode yes", "LogLevel ERROR"):
        assert option in block
    assert re.search(r"UserKnownHostsFile \S+/known_hosts", block)


@pytest.fixture
def lab_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty lab state directory (root's 0700, as /run/labgrade is)."""
    state_dir = tmp_path / "state"
    (state_dir / "hosts").mkdir(parents=True)
    state_dir.chmod(0o700)
    monkeypatch.setenv("LABGRADE_LAB_DIR", str(state_dir))
    return state_dir


LAB_ENTRY_POINTS = [
    ["lab", "status"],
    ["lab", "ssh-config"],
    ["lab", "ssh-config", "-o", "lab.ssh_config"],
    ["lab", "up"],
    ["lab", "down", "lab-1"],
    ["check", "--lab", "lab-1"],
]


@pytest.mark.parametrize("argv", LAB_ENTRY_POINTS, ids=" ".join)
def test_every_lab_entry_point_needs_root_in_one_line(
    argv: list[str], lab_state: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Not root: the same one-line LabError (exit 4) everywhere, never a PermissionError."""
    monkeypatch.chdir(lab_state.parent)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert main(argv) == 4
    captured = capsys.readouterr()
    assert captured.err == "labgrade: error: the simulated lab needs root (run it with sudo)\n"
    assert not (lab_state.parent / "lab.ssh_config").exists()


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
def test_ssh_config_output_errors_name_the_path(
    where: str, lab_state: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    target = lab_state.parent if where == "directory" else lab_state.parent / "nonexistent" / "x"
    assert main(["lab", "ssh-config", "-o", str(target)]) == 2  # as `collect -o` (docs/cli.md)
    err = capsys.readouterr().err
    assert err.startswith(f"labgrade: error: cannot write {target}: ") and err.count("\n") == 1
    written = lab_state.parent / "lab.ssh_config"
    assert main(["lab", "ssh-config", "-o", str(written)]) == 0
    assert written.read_text().startswith("# Simulated lab hosts")


DOCS = Path(__file__).resolve().parents[2] / "docs" / "lab.md"


def test_every_packaged_scenario_is_in_the_docs_table() -> None:
    documented = re.findall(r"^\| `([a-z0-9-]+)` \|", DOCS.read_text(), re.MULTILINE)
    assert sorted(documented) == sorted(set(documented))
    assert set(SCENARIOS) <= set(documented), "docs/lab.md's scenario table lacks some"


def test_scenario_help_lists_the_packaged_names(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["lab", "up", "--help"])
    words = set(re.split(r"[\s,]+", capsys.readouterr().out))
    assert set(SCENARIOS) <= words  # whole, not broken at a hyphen


def test_status_shows_backend_iptables_and_description() -> None:
    host = LabHost("lab-1", "no-ssh-rule", "2024.1", 42, 41, 0.0, "k", {})
    host.plan.update(backend="ovn", iptables="legacy", description="lacks tcp/22")
    old = LabHost("lab-2", "complete", "icehouse", 52, 51, 0.0, "k", {})  # a record from before
    lines = commands.status_lines([(host, "ok"), (old, "gone")])
    assert [line.split("\t") for line in lines] == [
        ["NAME", "SCENARIO", "RELEASE", "BACKEND", "IPTABLES", "INIT_PID", "HEALTH", "DESCRIPTION"],
        ["lab-1", "no-ssh-rule", "2024.1", "ovn", "legacy", "42", "ok", "lacks tcp/22"],
        ["lab-2", "complete", "icehouse", "hybrid", "nft", "52", "gone", ""],
    ]


@pytest.mark.parametrize(
    ("value", "release", "backend", "expected"),
    [
        ("complete", None, "hybrid", "icehouse"),  # the seed's era
        ("complete", None, "ovn", "2024.1"),  # no OVN in Icehouse: a release that had it
        ("complete", None, "ovs-firewall", "2024.1"),
        (api.HostSpec("fresh", backend="ovn"), None, "hybrid", "2024.1"),
        (api.HostSpec("fresh", backend="ovn"), "queens", "hybrid", "queens"),
        ("complete", "queens", "ovs-firewall", "queens"),
    ],
)
def test_release_defaults_to_one_the_backend_existed_in(
    value: str | api.HostSpec, release: str | None, backend: str, expected: str
) -> None:
    assert api._spec(value, release, backend, "nft").release == expected


@pytest.mark.parametrize("backend", ["ovn", "ovs-firewall"])
def test_icehouse_with_a_later_backend_is_refused_in_one_line(
    backend: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # said before the root check
    assert main(["lab", "up", "x", "--backend", backend, "--release", "icehouse"]) == 4
    err = capsys.readouterr().err
    assert err.startswith(f"labgrade: error: --backend {backend} with --release icehouse: ")
    assert err.count("\n") == 1 and "--release queens or 2024.1" in err
    assert build_parser().parse_args(["lab", "up", "--backend", backend]).release is None


@pytest.mark.parametrize(
    ("returncode", "stderr", "message"),
    [
        (-2, "", "interrupted"),  # the build died of Ctrl-C's SIGINT
        (130, "ovs-vsctl: terminating with signal 2 (Interrupt)\n", "interrupted"),
        (1, "x\nnothing listens on tcp/22\n\n", "build failed: nothing listens on tcp/22"),
        (-9, "", "build failed: exit -9"),
    ],
)
def test_build_error_says_interrupted_for_ctrl_c(
    returncode: int, stderr: str, message: str
) -> None:
    assert str(host_namespaces.build_error(returncode, stderr)) == message
