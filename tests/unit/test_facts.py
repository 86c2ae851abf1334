"""Discovery on recorded snapshots: nothing is configured, everything is found."""

from __future__ import annotations

import pytest
from grading import RULES, Edit, edited, facts_of, pasted, snapshot, statuses

from checks import load_all
from grader.facts import HYBRID, NATIVE, OVN, UNKNOWN, build_facts
from grader.outcome import CannotGrade
from grader.snapshot import Snapshot


def test_complete_host_discovery():
    facts = facts_of("complete")
    assert facts.backend == HYBRID and facts.backend_problem is None
    instance = facts.instance
    assert instance.tap == "tapa1b2c3d4-e5" and instance.bridge == "qbra1b2c3d4-e5"
    assert instance.chain_in == "neutron-openvswi-ia1b2c3d4-e" and instance.chain_in_wired
    assert instance.fixed_ips == ("10.0.0.12",) and instance.floating_ip == "172.24.4.229"
    assert facts.router.ns == "qrouter-9e5f2802-2462-4f5c-a95b-c60b99744451"
    assert facts.router.gateway.cidr == "172.24.4.181/24"
    assert [a.address for a in facts.router.floating] == ["172.24.4.229"]
    assert facts.dhcp.taps == ("tap4f0c1d2e-3b",)
    assert facts.dnsmasq[0].netns == facts.dhcp.ns
    assert facts.discovered["floating_ip"] == "172.24.4.229"
    assert facts.discovered["rules_source"] == "iptables"
    assert facts.discovered["fixed_ip"] == "10.0.0.12" and facts.discovered["notes"] == []


def test_several_instances_grade_the_one_with_the_floating_ip():
    facts = facts_of("several-instances")
    assert facts.instance.tap == "tapa1b2c3d4-e5"
    assert [i.tap for i in facts.other_instances] == ["tap0c8d9e0f-a1"]
    assert facts.other_instances[0].fixed_ips == ("10.0.0.17",)
    assert facts.discovered["other_instances"] == ["tap0c8d9e0f-a1"]


def test_icehouse_fixed_ip_from_anti_spoofing_chain():
    facts = facts_of("icehouse")
    assert facts.instance.fixed_ips == ("10.0.0.12",)
    assert facts.dnsmasq[0].interfaces == ("tap4f0c1d2e-3b",)


def test_rules_read_from_where_they_are():
    assert facts_of("legacy-split").root.rules_tool == "iptables-legacy"
    assert "iptables-legacy-save" in facts_of("legacy-split").discovered["notes"][0]
    assert facts_of("2024.1-conntrack-nft").root.rules_tool == "iptables-nft"
    router = facts_of("complete").router
    assert router.view.rules_tool == "iptables-legacy"  # identical to iptables-save there


def test_backends():
    ovn = facts_of("ovn")
    assert ovn.backend == OVN and "Q_AGENT=openvswitch" in ovn.backend_problem
    assert "firewall_driver = iptables_hybrid" in ovn.backend_problem
    native = facts_of("native-firewall")
    assert native.backend == NATIVE and "native" in native.backend_problem
    assert facts_of("fresh").backend == HYBRID


def test_empty_host_is_unknown_not_a_crash():
    """Nothing gathered: the backend is unknown, and every fact read is CannotGrade (an
    `error` in a check), never an empty listing that would fail the host."""
    facts = build_facts(Snapshot.from_json('{"format": "labgrade-snapshot/1", "records": []}'))
    assert facts.backend == UNKNOWN and facts.backend_problem
    assert facts.root.rules_error
    for name in ("instance", "router", "dhcp", "processes"):
        with pytest.raises(CannotGrade, match="was not gathered"):
            getattr(facts, name)


def test_hostile_junk_is_tolerated_and_reported():
    facts = facts_of("hostile-junk")
    assert facts.instance.tap == "tapa1b2c3d4-e5"
    assert any("qrouter-x;touch pwned" in note for note in facts.discovered["notes"])


def test_not_root_is_reported():
    doc = snapshot("complete").to_dict()
    for record in doc["records"]:
        if record["key"] == "id_u":
            record["out"] = "1000\n"
    facts = build_facts(Snapshot.from_dict(doc))
    assert any("not root" in note for note in facts.discovered["notes"])


def test_a_veth_tap_is_an_instance_but_the_ovn_metadata_veth_is_not():
    doc = snapshot("complete").to_dict()
    for record in doc["records"]:
        if record["key"] == "link" and record["ns"] is None:
            record["out"] = record["out"].replace("tapa1b2c3d4-e5:", "tapa1b2c3d4-e5@if2:")
    facts = build_facts(Snapshot.from_dict(doc))
    assert facts.instance.tap == "tapa1b2c3d4-e5"  # the simulated lab plugs a veth
    ovn = facts_of("ovn")
    assert [i.tap for i in [ovn.instance, *ovn.other_instances]] == ["tapa1b2c3d4-e5"]


def pasted_in_qrouter(*lines: str) -> Edit:
    """LINES added to the qrouter's nat table, in a chain `stray` that nothing jumps to."""
    added = [f"-A stray {line}" for line in lines]
    return pasted("nat", ":stray - [0:0]", *added, ns_prefix="qrouter-")


def test_nat_pasted_in_a_stray_chain_does_not_choose_the_graded_instance():
    facts = edited(
        "several-instances",
        pasted_in_qrouter("-d 172.24.4.229/32 -j DNAT --to-destination 10.0.0.17"),
    )
    assert facts.instance.tap == "tapa1b2c3d4-e5" and facts.instance.floating_ip == "172.24.4.229"
    assert [i.floating_ip for i in facts.other_instances] == [None]
    assert [n.fixed for n in facts.router.dnat] == ["10.0.0.12", "10.0.0.12"]
    stray = [n.rule.line for n in facts.router.nat_anywhere if n.rule.chain == "stray"]
    assert stray == ["-A stray -d 172.24.4.229/32 -j DNAT --to-destination 10.0.0.17"]
    assert set(statuses(facts).values()) == {"pass"}


def test_a_dnat_only_in_a_stray_chain_is_no_floating_ip_pair():
    def moved(record: dict) -> None:
        if record["key"] in RULES and record["ns"]:
            for hook in ("PREROUTING", "OUTPUT"):
                record["out"] = record["out"].replace(
                    f"-A neutron-l3-agent-{hook} -d 172.24.4.229/32", "-A stray -d 172.24.4.229/32"
                )

    facts = edited("complete", pasted_in_qrouter(), moved)
    assert facts.router.dnat == ()
    assert facts.instance.floating_ip == "172.24.4.229"  # still tied to it by its SNAT (issue 9.9)
    assert len([n for n in facts.router.nat_anywhere if n.kind == "DNAT"]) == 2
    pair = load_all()["nat_pair"](facts)
    assert pair.status == "fail" and "-A stray -d 172.24.4.229/32" in pair.evidence


def no_anti_spoofing_flows(record: dict) -> None:
    """An edit for `edited`: br-int's flows without table 71 (the ports' source addresses)."""
    if record["key"] == "ovs_flows_br_int":
        kept = [line for line in record["out"].splitlines() if "table=71," not in line]
        record["out"] = "\n".join(kept) + "\n"


def test_native_firewall_and_ovn_headers_agree_with_the_checks():
    for facts in (facts_of("native-firewall"), edited("native-firewall", no_anti_spoofing_flows)):
        assert facts.backend == NATIVE
        assert facts.instance.fixed_ips == ("10.0.0.12",)  # table 71 flows, else the lone DNAT
        assert facts.discovered["fixed_ip"] == "10.0.0.12"
        assert facts.discovered["floating_ip"] == "172.24.4.229"
        assert facts.discovered["rules_namespace"] == "router"
        assert statuses(facts, only="nat")["nat.pair"] == "pass"
    ovn = facts_of("ovn")
    assert (ovn.discovered["fixed_ip"], ovn.discovered["floating_ip"]) == (
        "10.0.0.12",
        "172.24.4.229",
    )
    assert ovn.discovered["rules_source"] is None and ovn.discovered["notes"] == []
