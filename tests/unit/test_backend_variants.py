"""Backend variants (issue 5) on recorded outputs: OpenFlow flows and `ovs-ofctl show` (native
firewall), OVN northbound ACL records, what the lab's profiles write for each release and
backend, `backends:` in exercises.yaml, and errors passed down from ungradable checks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from grading import edited, facts_of, grade, unreadable
from grading_fakes import FAKE_EXERCISES, StandInFacts, write_exercises

from checks import CHECKS
from checks.ovn import _acl_allows
from checks.ovsfw import _allows
from grader import backends, engine
from grader.errors import InputFileError
from grader.facts.ovn_northbound import _acl
from grader.model import load_exercises
from grader.outcome import CannotGrade, Outcome
from grader.parsers.ovn_nbctl import parse_ofports, parse_ovn_records
from grader.parsers.ovs import parse_flows
from labsim import daemons, formats, formats_ovn, formats_ovsfw, plan, releases, scenarios

OUTPUTS = Path(__file__).resolve().parents[1] / "data" / "outputs" / "backends"
GROUP = "pg_f31d9d2f_22ec_454f_9063_3805cd13e104"


def recorded(name: str) -> str:
    return (OUTPUTS / name).read_text(encoding="utf-8")


def test_flows_and_ofports() -> None:
    flows = parse_flows(recorded("ovs-ofctl-dump-flows-br-int.txt"))
    assert len(flows) == 9 and flows[0].actions == "NORMAL"
    ssh = flows[3]
    assert (ssh.table, ssh.priority, ssh.get("reg5"), ssh.get("tp_dst")) == (82, 77, "0xa", "22")
    assert ssh.has("tcp") and ssh.get("ct_state") == "+new-est"
    assert parse_ofports(recorded("ovs-ofctl-show-br-int.txt")) == {
        "tap0f980b45-26": 3,
        "tap4e56410c-a3": 10,
    }


def test_which_flows_admit_ssh_and_icmp() -> None:
    flows = parse_flows(recorded("ovs-ofctl-dump-flows-br-int.txt"))
    ssh = [f.line for f in flows if _allows(f, "tcp", 22)]
    assert len(ssh) == 1 and "tp_dst=22" in ssh[0]
    assert next(f for f in flows if _allows(f, "icmp", None)).has("icmp")
    masked = [f for f in flows if _allows(f, "tcp", 85)]  # tcp_dst=0x50/0xfff0: 80..95
    assert [f.get("reg5") for f in masked] == ["0xb"]
    assert not [f for f in flows if _allows(f, "tcp", 443)]  # +est and drop flows never count


def test_which_acls_admit_ssh_and_icmp() -> None:
    acls = [_acl(row) for row in parse_ovn_records(recorded("ovn-nbctl-list-ACL.txt"))]
    assert acls[0].priority == 1002 and acls[0].direction == "to-lport"
    assert [_acl_allows(a, GROUP, "tcp", 22) for a in acls] == [True, False, False, False]
    assert [_acl_allows(a, GROUP, "icmp", None) for a in acls] == [False, True, False, False]
    assert [_acl_allows(a, GROUP, "tcp", 8080) for a in acls] == [False, False, True, False]
    assert not _acl_allows(acls[0], "pg_other", "tcp", 22)  # another group's ACL


@pytest.mark.parametrize(
    "rule",
    [
        {"protocol": "tcp", "port_min": 22, "port_max": 22},
        {"protocol": "icmp"},
        {"protocol": "tcp", "port_min": 20, "port_max": 30, "remote_ip_prefix": "10.0.0.0/8"},
    ],
)
def test_what_the_lab_writes_is_what_the_checks_accept(rule: dict[str, object]) -> None:
    protocol = str(rule["protocol"])
    port = 22 if protocol == "tcp" else None
    acl = formats_ovn.acl_match(rule, GROUP)
    row = {"direction": "to-lport", "priority": "1002", "match": acl, "action": "allow-related"}
    assert _acl_allows(_acl(row), GROUP, protocol, port)
    if rule.get("remote_ip_prefix"):
        return  # ranges in flows are written as masks only for exact powers of two
    line = (
        f" cookie=0x1, table=82, priority=77,ct_state=+new-est,"
        f"{formats_ovsfw.rule_match(rule)},reg5=0xa actions=output:10"
    )
    assert _allows(parse_flows(line)[0], protocol, port)


def make(backend: str, release: str = "2024.1", scenario: str = "complete") -> dict:
    known = scenarios.load_scenarios(None)
    return plan.make_plan("h", known[scenario], release, random.Random(5), backend, "legacy")


def test_release_profiles_write_their_own_formats() -> None:
    hybrid = make("hybrid")
    assert formats.host_raw_table(hybrid, releases.ICEHOUSE) == ""
    raw = formats.host_raw_table(hybrid, releases.QUEENS)
    assert f"-m physdev --physdev-in {hybrid['tap']}" in raw and "-j CT --zone 4097" in raw
    argv = daemons.metadata_proxy_argv(hybrid, releases.ICEHOUSE, "/run/x.pid")
    assert "--metadata_port=9697" in argv and f"--router_id={hybrid['router_id']}" in argv
    assert releases.ICEHOUSE.metadata_proxy == "neutron-ns-metadata-proxy"
    assert releases.QUEENS.metadata_proxy == releases.R2024_1.metadata_proxy == "haproxy"
    assert formats.restore_command("legacy") == "iptables-legacy-restore"


def test_backend_plans_leave_out_what_the_backend_has_not() -> None:
    ovn, fw = make("ovn"), make("ovs-firewall")
    assert ovn["qrouter_ns"] is None and ovn["qdhcp_ns"] is None and not ovn["dhcp_running"]
    assert ovn["ovnmeta_ns"] == f"ovnmeta-{ovn['network_id']}"
    assert fw["qbr"] is None and fw["chain_in"] is None and fw["qrouter_ns"]
    assert fw["ofport"] == plan.INSTANCE_OFPORT
    args = formats_ovn.nbctl_args(ovn)
    assert "dnat_and_snat" in args and formats_ovn.port_group(ovn["security_group_id"]) in args
    assert "tcp_dst=22" in formats_ovsfw.flows(fw)
    assert "dnat_and_snat" not in formats_ovn.nbctl_args(make("ovn", scenario="no-floating-ip"))


def test_every_backend_scores_out_of_100() -> None:
    exercises = load_exercises()
    for backend in (*backends.KNOWN,):
        chosen = exercises.select(None, backend=backend)
        assert sum(c.points for e in chosen.exercises for c in e.checks) == 100, backend
    ovn_ids = exercises.select(None, backend=backends.OVN).selected_ids
    assert "ovn.sg-ssh" in ovn_ids and "sg.ssh" not in ovn_ids
    assert exercises.grading_backend(backends.LINUXBRIDGE) == backends.HYBRID


@pytest.mark.parametrize(
    ("where", "backends_line", "problem"),
    [
        ("exercise", "    backends: [ml2-ovm]\n", "unknown backend 'ml2-ovm'"),
        ("check", "        backends: [ml2-ovn]\n", "not among the exercise's backends"),
    ],
)
def test_backends_are_validated(tmp_path: Path, where: str, backends_line: str, problem: str):
    text = FAKE_EXERCISES.replace("  - id: basics\n", "  - id: basics\n    backends: [unknown]\n")
    if where == "exercise":
        text = FAKE_EXERCISES.replace("  - id: basics\n", "  - id: basics\n" + backends_line)
    else:
        text = text.replace("check: fake_switch\n", "check: fake_switch\n" + backends_line, 1)
    fakes = {n: f for n, f in CHECKS.items() if n.startswith("fake_")}
    with pytest.raises(InputFileError, match=problem):
        load_exercises(write_exercises(tmp_path, text), checks=fakes)


def test_dependants_of_an_ungradable_check_are_errors_with_its_reason(tmp_path: Path) -> None:
    def cannot(facts: object, *, name: str = "") -> Outcome:
        raise CannotGrade("no iptables chains on this backend")

    fakes = {n: f for n, f in CHECKS.items() if n.startswith("fake_")}
    fakes["fake_switch"] = cannot
    result = engine.grade(
        load_exercises(write_exercises(tmp_path), checks=fakes), StandInFacts(), checks=fakes
    )
    errors = [c for c in result.checks() if c.status == "error"]
    assert len(errors) >= 2 and all("no iptables chains" in c.evidence for c in errors)
    assert "skip" not in {c.status for c in result.checks()}


@pytest.mark.parametrize(
    ("table", "failing"),
    [
        ("ovn_nb_acl", {"ovn.port-group", "ovn.sg-ssh", "ovn.sg-icmp", "ovn.sg-stateful"}),
        ("ovn_nb_switch_port", {"ovn.port-group", "ovn.sg-ssh", "ovn.dhcp", "ovn.floating-ip"}),
        ("ovn_nb_nat", {"ovn.floating-ip", "ovn.snat"}),
        ("ovn_nb_route", {"ovn.default-route"}),
        ("ovn_nb_dhcp", {"ovn.dhcp"}),
    ],
)
def test_an_unread_northbound_table_is_an_error_where_it_is_read(table: str, failing: set[str]):
    results = grade(edited("ovn", unreadable({table}, err="ovn-nbctl: database connection failed")))
    wrong = {i: r.status for i, r in results.items() if r.status not in ("pass", "error")}
    assert wrong == {}  # never a fail for what could not be read
    errors = {i for i, r in results.items() if r.status == "error"}
    assert failing <= errors
    for check_id in failing:
        assert "database connection failed" in results[check_id].evidence


@pytest.mark.parametrize("record", ["ovs_flows_br_int", "ovs_ofctl_show_br_int"])
@pytest.mark.parametrize("how", ["failed", "missing"])
def test_unread_flows_or_ofports_are_errors_not_fails(record: str, how: str) -> None:
    def edit(item: dict) -> None:
        if item["key"] == record:
            item.clear() if how == "missing" else item.update(rc=1, out="", err="refused")

    results = grade(edited("native-firewall", edit))
    ovsfw = {i: r.status for i, r in results.items() if i.startswith("ovsfw.")}
    assert ovsfw and set(ovsfw.values()) == {"error"}
    assert ("refused" if how == "failed" else "not gathered") in results["ovsfw.sg-ssh"].evidence


@pytest.mark.parametrize(
    ("host", "only", "backend"),
    [
        ("complete", "ovn", backends.HYBRID),
        ("native-firewall", "ovn", backends.NATIVE),
        ("complete", "ovsfw", backends.HYBRID),
        ("ovn", "ovsfw", backends.OVN),
        ("ovn", "sg", backends.OVN),
        ("native-firewall", "sg", backends.NATIVE),
    ],
)
def test_another_backends_checks_say_so_briefly_when_named(host: str, only: str, backend: str):
    facts = facts_of(host)
    results = grade(facts, only)
    assert results and {r.status for r in results.values()} == {"error"}
    reason = f"cannot apply to this host's backend ({backend}), only to "
    for result in results.values():
        assert reason in result.evidence, result.evidence
        assert len(result.evidence) < 250  # the report's header explains the backend, once
        assert not facts.backend_problem or facts.backend_problem not in result.evidence


def test_the_lab_builds_the_backends_of_the_grader_table_by_their_lab_names() -> None:
    """One vocabulary: each backend the lab builds is a line of grader/backends.py's table."""
    lab = {name: backend.grader_id for name, backend in releases.BACKENDS.items()}
    table = {b.lab_name: b.id for b in backends.BACKENDS.values() if b.lab_name}
    assert (
        lab
        == table
        == {
            "hybrid": backends.HYBRID,
            "ovs-firewall": backends.NATIVE,
            "ovn": backends.OVN,
        }
    )
    assert backends.BACKENDS[backends.HYBRID].problem is None
    assert all(b.problem for b in backends.BACKENDS.values() if b.id != backends.DEFAULT)
