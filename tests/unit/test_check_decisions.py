# ruff: noqa: E501  (one line per case: the table reads as a table)
"""Single decisions inside the checks that the outcome tables do not reach: how the inbound
chain is walked (targets that go on, jumps, gotos, multiport and ICMP-type matches), which
devices ovs-ports wants, and the evidence a student is shown. Hosts: neutron_host.hybrid."""

from __future__ import annotations

import pytest
from neutron_host import DHCP_TAP, I_CHAIN, PORT, QDHCP, QG, QROUTER, QVB, QVO, SG, TAP, hybrid
from outcome_cases import assert_outcome, graded, named

from checks._common import lines

SSH = f"-A {I_CHAIN} -p tcp -m tcp --dport 22 -j RETURN"
ICMP = f"-A {I_CHAIN} -p icmp -j RETURN"
FIRST = f"-A {I_CHAIN} -m state --state RELATED"  # the rules below go right after this one


def before_ssh(*rules: str, chains: tuple[str, ...] = ()):
    """RULES put in the inbound chain before its SSH/ICMP RETURNs, CHAINS declared."""

    def change(host):
        for chain in chains:
            host.edit("iptables_save", add=f":{chain} - [0:0]", after="*filter")
        for rule in reversed(rules):
            host.edit("iptables_save", add=rule, after=FIRST)
        return host

    return change


LOG_ONLY = f"{SG}-ssh-log"
OK_CHAIN = f"{SG}-ssh-ok"


# A target that acts and lets the packet go on (iptables extensions of that kind) never ends
# the chain: listed here, not imported, so a check that forgets one fails.
@pytest.mark.parametrize(
    "target",
    ["LOG --log-prefix ssh", "NFLOG --nflog-group 1", "ULOG", "MARK --set-xmark 0x1/0xffffffff", "CONNMARK --set-xmark 0x1/0xffffffff",
     "CT --zone 4097", "NOTRACK", "TRACE", "AUDIT --type accept", "SET --add-set x src", "CLASSIFY --set-class 0001:0001",
     "DSCP --set-dscp 0x00", "TOS --set-tos 0x00/0xff", "TTL --ttl-set 64", "TCPMSS --clamp-mss-to-pmtu", "CHECKSUM --checksum-fill", "TEE --gateway 10.1.0.9"],
)  # fmt: skip
def test_a_target_that_goes_on_does_not_end_the_chain(target):
    change = before_ssh(f"-A {I_CHAIN} -p tcp -m tcp --dport 22 -j {target}")
    assert_outcome(graded(hybrid, change, "15.0.0")["sg.ssh"], "pass")


# fmt: off
CHAIN_CASES = [
    ("sg.ssh", "pass", "counter_rule_without_target", before_ssh(f"-A {I_CHAIN} -p tcp -m tcp --dport 22")),
    ("sg.ssh", "fail", "multiport_drop_of_22", before_ssh(f"-A {I_CHAIN} -p tcp -m multiport --dports 22,80 -j DROP")),
    ("sg.ssh", "pass", "multiport_drop_of_others", before_ssh(f"-A {I_CHAIN} -p tcp -m multiport --dports 23,80 -j DROP")),
    ("sg.ssh", "pass", "jump_for_udp_first", before_ssh(f"-A {I_CHAIN} -p udp -m udp --dport 53 -j {SG}-sg-fallback")),
    ("sg.ssh", "pass", "accepted_in_a_called_chain", lambda h: before_ssh(f"-A {OK_CHAIN} -p tcp -m tcp --dport 22 -j ACCEPT", f"-A {I_CHAIN} -j {OK_CHAIN}", chains=(OK_CHAIN,))(h).edit("iptables_save", drop=SSH)),
    ("sg.ssh", "fail", "returned_from_a_called_chain", lambda h: before_ssh(f"-A {OK_CHAIN} -p tcp -m tcp --dport 22 -j RETURN", f"-A {I_CHAIN} -j {OK_CHAIN}", chains=(OK_CHAIN,))(h).edit("iptables_save", drop=SSH)),
    ("sg.ssh", "fail", "goto_a_chain_that_only_logs", before_ssh(f"-A {LOG_ONLY} -j LOG", f"-A {I_CHAIN} -p tcp -m tcp --dport 22 -g {LOG_ONLY}", chains=(LOG_ONLY,))),
    ("sg.icmp", "fail", "echo_request_dropped_first", before_ssh(f"-A {I_CHAIN} -p icmp -m icmp --icmp-type 8 -j DROP")),
    ("sg.icmp", "pass", "echo_reply_dropped_first", before_ssh(f"-A {I_CHAIN} -p icmp -m icmp --icmp-type 0 -j DROP")),
    ("devices.hybrid-plug", "fail", "qvb_paired_elsewhere_qvo_shows_no_peer", lambda h: h.edit("link", replace=(f"{QVB}@{QVO}", f"{QVB}@veth9")).edit("link", replace=(f"{QVO}@{QVB}", QVO))),
    ("devices.ovs-ports", "fail", "router_without_qg", lambda h: h.edit("link", QROUTER, drop=QG).edit("addr", QROUTER, drop=QG)),
    ("devices.ovs-ports", "fail", "dhcp_tap_without_address", lambda h: h.edit("addr", QDHCP, drop=DHCP_TAP)),
]
# fmt: on


@pytest.mark.parametrize(
    ("check_id", "status", "change"),
    [pytest.param(c, s, named(n, f), id=f"{c}-{s}-{n}") for c, s, n, f in CHAIN_CASES],
)
def test_decisions_inside_the_checks(check_id, status, change):
    assert_outcome(graded(hybrid, change, "15.0.0")[check_id], status)


def test_long_evidence_is_cut_at_twelve_lines_and_says_how_many_more():
    shown = lines(f"rule {n}" for n in range(20)).splitlines()
    assert shown[:12] == [f"rule {n}" for n in range(12)]
    assert shown[12:] == ["... and 8 more"]
    assert lines(f"rule {n}" for n in range(12)).splitlines()[-1] == "rule 11"
    assert lines([], "(nothing)") == "(nothing)"


def test_evidence_names_left_over_port_chains_and_the_graded_namespace():
    gone = graded(hybrid, lambda h: h.edit("link", drop=f" {TAP}:"), "15.0.0")[
        "devices.instance-tap"
    ]
    assert "left-over port devices/chains: " + PORT[:10] in gone.evidence
    second = f"qdhcp-{'0' * 8}-0000-4000-8000-000000000000"
    two = graded(hybrid, lambda h: h.edit("netns_list", add=second), "15.0.0")["namespaces.qdhcp"]
    assert two.status == "pass" and f"(graded: {QDHCP})" in two.evidence


def test_another_backends_check_names_the_backends_it_is_for():
    on_ovn = graded(hybrid, None, "15.0.0", "ovn")["ovn.router"]
    assert on_ovn.status == "error"
    assert (
        on_ovn.evidence
        == "cannot apply to this host's backend (ml2-ovs-iptables-hybrid), only to ml2-ovn"
    )
