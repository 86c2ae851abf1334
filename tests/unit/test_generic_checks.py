from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from grading import facts_of, snapshot

from checks import load_all
from grader.facts import build_facts
from grader.gather import parse_gather_output
from grader.outcome import CannotGrade
from grader.snapshot import Record, Snapshot

CHECKS = load_all()


def with_extra(command: str, rc: int, out: str):
    snap = snapshot("complete")
    extra = Record("extra", rc=rc, out=out, command=command)
    return build_facts(Snapshot((*snap.records, extra), snap.meta))


def test_command_check_and_its_gather_hook():
    check = CHECKS["command"]
    assert check.gathers({"command": "cat /etc/hostname"}) == ["cat /etc/hostname"]
    facts = with_extra("cat /etc/hostname", 0, "devstack\n")
    assert check(facts, command="cat /etc/hostname", pattern="^dev").status == "pass"
    assert check(facts, command="cat /etc/hostname", pattern="^x").status == "fail"
    assert check(facts, command="cat /etc/hostname", pattern="dev", absent=True).status == "fail"
    assert check(facts, command="cat /etc/hostname", exit_code=1).status == "fail"
    assert check(facts, command="cat /etc/hostname", exit_code=None).status == "pass"
    with pytest.raises(CannotGrade, match="not run during the gather"):
        check(facts, command="uptime")
    with pytest.raises(CannotGrade, match="bad regular expression"):
        check(facts, command="cat /etc/hostname", pattern="(")


def test_a_command_that_timed_out_is_an_error_whatever_exit_code_is_expected():
    script = Path(__file__).resolve().parents[2] / "grader" / "gather.sh"
    env = {**os.environ, "LABGRADE_COMMAND_TIMEOUT": "1"}
    done = subprocess.run(
        ["sh", str(script), "sleep 5"], capture_output=True, timeout=60, env=env, check=True
    )
    facts = build_facts(parse_gather_output(done.stdout, "local"))
    for exit_code in (None, 0, 124):
        with pytest.raises(CannotGrade, match=r"^timed out after 1 s .*: sleep 5$"):
            CHECKS["command"](facts, command="sleep 5", exit_code=exit_code)


def test_iptables_rule():
    check = CHECKS["iptables_rule"]
    facts = facts_of("complete")
    hit = check(facts, rule=r"--dport 22 .*-j RETURN", chain="neutron-openvswi-i.*")
    assert hit.status == "pass" and "--dport 22" in hit.evidence
    nat = check(facts, table="nat", rule="REDIRECT --to-ports 9697", namespace="qrouter-.*")
    assert nat.status == "pass" and "qrouter-" in nat.evidence
    stray = facts_of("pasted-rule-in-stray-chain")
    assert check(stray, rule="--dport 22", chain="neutron-openvswi-i.*").status == "pass"
    wired = check(
        stray, rule="--dport 22 .*RETURN", chain="neutron-openvswi-i.*", reachable_from="FORWARD"
    )
    assert wired.status == "fail"  # the stray chain is reached from nowhere
    assert check(facts, rule="x", namespace="nope-.*").status == "fail"


def test_a_failing_iptables_rule_shows_the_rules_of_the_chains_it_looked_in():
    check = CHECKS["iptables_rule"]
    missing = check(facts_of("complete"), rule="--dport 80 ", chain="neutron-openvswi-i.*")
    assert missing.status == "fail"
    assert "rules of the chains matching /neutron-openvswi-i.*/:\n" in missing.evidence
    assert "-A neutron-openvswi-ia1b2c3d4-e -p tcp -m tcp --dport 22 -j RETURN" in missing.evidence
    assert "-A FORWARD" not in missing.evidence  # only the chains CHAIN names
    many = check(facts_of("complete"), rule="nothing like this")
    assert "\n... and " in many.evidence and many.evidence.count("\n-A ") == 12  # capped
    stray = check(
        facts_of("pasted-rule-in-stray-chain"),
        rule="--dport 22 .*RETURN",
        chain="neutron-openvswi-i.*",
        reachable_from="FORWARD",
    )
    assert "(not reached from FORWARD: neutron-openvswi-ideadbeef-0)" in stray.evidence
    routers = check(facts_of("complete"), table="nat", rule="x", namespace="qrouter-.*")
    assert " (in qrouter-9e5f2802-2462-4f5c-a95b-c60b99744451)" in routers.evidence


def test_namespace_exists():
    check = CHECKS["namespace_exists"]
    assert check(facts_of("complete"), pattern="qrouter-.*").status == "pass"
    assert check(facts_of("complete"), pattern="qrouter").status == "fail"  # whole name
    assert check(facts_of("ovn"), pattern="ovnmeta-.*").status == "pass"


def test_interface_address():
    check = CHECKS["interface_address"]
    facts = facts_of("complete")
    assert check(facts, interface="qg-.*", namespace="qrouter-.*", prefixlen=32).status == "pass"
    assert (
        check(facts, interface="qg-.*", namespace="qrouter-.*", address=r"^10\.").status == "fail"
    )
    assert check(facts, interface="br-ex", address="172.24.4.1/24").status == "pass"


def test_process_arguments():
    check = CHECKS["process_arguments"]
    icehouse = facts_of("icehouse")
    assert check(icehouse, program="dnsmasq", argument="--interface=tap").status == "pass"
    assert check(facts_of("complete"), program="dnsmasq", argument="--interface=").status == "fail"
    assert check(facts_of("complete"), program="dnsmasq", namespace="qdhcp-.*").status == "pass"
    assert check(facts_of("complete"), program="haproxy", namespace="qdhcp-.*").status == "fail"
