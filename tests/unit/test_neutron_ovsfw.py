"""Issue 9 items 8a/8c: the native OVS firewall's flows as Neutron writes them
(tests/data/outputs/neutron/ovsfw-dump-flows-br-int-<tag>.txt, transcribed from
neutron/agent/linux/openvswitch_firewall/firewall.py and rules.py at 12.0.0, 15.0.0 and 24.0.0:
one port, ofport 10, in the default group with tcp/22, icmp and the remote-group rule).

- The INVALID drop of table 82 is table-wide (`flow_group_id`, no `reg5`): a complete host passes.
- The remote-group rule is a conjunction (`conjunction(9,2/2)` on the port's half,
  `nw_src=<member>` on the other, `conj_id=9` accepting): it admits group members only, so a
  host without its ICMP (SSH) rule fails ovsfw.sg-icmp (ovsfw.sg-ssh).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from grading import edited, grade

from grader.facts import Facts

OUTPUTS = Path(__file__).resolve().parents[1] / "data" / "outputs" / "neutron"
TAGS = ("12.0.0", "15.0.0", "24.0.0")
OVSFW = ("ovsfw.port-flows", "ovsfw.sg-ssh", "ovsfw.sg-icmp", "ovsfw.stateful")


def neutron_flows(tag: str, *without: str) -> Facts:
    """The native-firewall snapshot with br-int's flows as Neutron TAG writes them, less the
    flows holding any of WITHOUT (a security group without that rule)."""
    text = (OUTPUTS / f"ovsfw-dump-flows-br-int-{tag}.txt").read_text()
    kept = "".join(
        line for line in text.splitlines(keepends=True) if not any(w in line for w in without)
    )

    def edit(record: dict) -> None:
        if record["key"] == "ovs_flows_br_int":
            record["out"] = kept

    return edited("native-firewall", edit)


@pytest.mark.parametrize("tag", TAGS)
def test_a_complete_host_passes_every_ovsfw_check(tag: str) -> None:
    facts = neutron_flows(tag)
    results = grade(facts)
    assert {c: results[c].status for c in OVSFW} == dict.fromkeys(OVSFW, "pass")
    assert "ct_state=+inv+trk actions=resubmit(,93)" in results["ovsfw.stateful"].evidence
    assert "tp_dst=22" in results["ovsfw.sg-ssh"].evidence
    assert "conj" not in results["ovsfw.sg-ssh"].evidence + results["ovsfw.sg-icmp"].evidence
    assert facts.instance is not None and facts.instance.fixed_ips == ("10.0.0.12",)


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize(
    ("rule", "check_id"), [(",icmp,reg5=0xa", "ovsfw.sg-icmp"), (",tcp,reg5=0xa", "ovsfw.sg-ssh")]
)
def test_the_remote_group_conjunction_never_stands_in_for_a_missing_rule(
    tag: str, rule: str, check_id: str
) -> None:
    results = grade(neutron_flows(tag, rule))
    failing = {c for c in OVSFW if results[c].status != "pass"}
    assert failing == {check_id}
    assert results[check_id].status == "fail"
    assert "conjunction(9,2/2)" in results[check_id].evidence  # shown, not counted


def test_a_remote_group_rule_for_ssh_admits_members_only() -> None:
    """tcp/22 from remote_group_id only: the port's half carries tp_dst=22 with conjunction
    actions (rules.substitute_conjunction_actions), the accept flow matches conj_id."""
    head = " cookie=0x1, duration=9.1s, table=82, n_packets=0, n_bytes=0, priority=73,"
    conj = [
        f"{head}ct_state=+new-est,tcp,reg5=0xa,tp_dst=22 actions=conjunction(17,2/2)",
        f"{head}ct_state=+new-est,ip,reg6=0x1,nw_src=10.0.0.5 actions=conjunction(17,1/2)",
        f"{head}conj_id=17,ct_state=+new-est,ip,reg5=0xa actions=set_field:0x11->reg7,"
        "ct(commit,zone=NXM_NX_REG6[0..15]),output:10,resubmit(,92)",
    ]
    without_ssh = neutron_flows("24.0.0", ",tcp,reg5=0xa")
    text = "\n".join([*conj, *(f.line for f in without_ssh.flows)]) + "\n"

    def replace(record: dict) -> None:
        if record["key"] == "ovs_flows_br_int":
            record["out"] = text

    ssh = grade(edited("native-firewall", replace))["ovsfw.sg-ssh"]
    assert ssh.status == "fail", ssh.evidence


def test_on_ovn_a_remote_group_rule_for_ssh_admits_members_only() -> None:
    """The same rule on ML2/OVN (neutron/common/ovn/acl.py acl_remote_group_id @24.0.0):
    `ip4.src == $pg_<group>_ip4 && tcp && tcp.dst == 22` admits the group's members only."""
    from neutron_host_backends import PG, ovn

    host = ovn("24.0.0")
    host.edit("ovn_nb_acl", replace=("ip4.src == 0.0.0.0/0 && tcp", f"ip4.src == ${PG}_ip4 && tcp"))
    assert grade(host.facts())["ovn.sg-ssh"].status == "fail"
    assert grade(ovn("24.0.0").facts())["ovn.sg-ssh"].status == "pass"
