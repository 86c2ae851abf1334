# ruff: noqa: E501  (one line per case: the table reads as a table)
"""Single decisions inside the checks that the outcome tables do not reach: how the inbound
chain is walked (targets that go on, jumps, gotos, multiport and ICMP-type matches), which
devices ovs-ports wants, and the evidence a student is shown. Hosts: neutron_host.hybrid."""

from __future__ import annotations

import pytest
from neutron_host import (
    DHCP_TAP,
    FLOATING,
    I_CHAIN,
    L3,
    PORT,
    QDHCP,
    QG,
    QROUTER,
    QVB,
    QVO,
    SG,
    TAP,
    hybrid,
)
from neutron_host_backends import OVNMETA, native, ovn
from outcome_cases import assert_outcome, graded, named

from checks import load_all
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


def ovn_acl(marker: str, old: str, new: str):
    """OLD -> NEW in the OVN host's ACL row whose text holds MARKER."""

    def change(host):
        key = ("ovn_nb_acl", None, None)
        rows = host.records[key]["out"].split("\n\n")
        host.records[key]["out"] = "\n\n".join(
            row.replace(old, new) if marker in row else row for row in rows
        )
        return host

    return change


def ssh_flows(new_match: str):
    """The native host's table-82 SSH flows matched by NEW_MATCH instead."""
    old = f"tcp,{P},tp_dst=22"
    return lambda h: h.edit(
        "ovs_flows_br_int", replace=(f"+new-est,{old}", f"+new-est,{new_match}")
    )


P = "reg5=0x7"
# fmt: off
BACKEND_CASES = [
    (hybrid, "15.0.0", "nat.metadata-proxy", "fail", "ss_refused_proxy_in_root_namespace", lambda h: h.fail("listeners", QROUTER).edit("netns_pids", arg=QROUTER, drop="2301").edit("netns_identify", arg="2301", drop=QROUTER)),
    (native, "15.0.0", "ovsfw.sg-ssh", "pass", "every_tcp_port", ssh_flows(f"tcp,{P}")),
    (native, "15.0.0", "ovsfw.sg-ssh", "pass", "every_ip_protocol", ssh_flows(f"ip,{P}")),
    (native, "15.0.0", "ovsfw.sg-ssh", "fail", "every_ip_protocol_from_one_host", ssh_flows(f"ip,{P},nw_src=10.1.0.9")),
    (ovn, "24.0.0", "ovn.sg-ssh", "pass", "plain_allow_action", ovn_acl("tcp.dst == 22", "allow-related", "allow")),
    (ovn, "24.0.0", "ovn.sg-icmp", "pass", "icmp_without_4", ovn_acl("icmp4", "&& icmp4", "&& icmp")),
    (ovn, "24.0.0", "ovn.sg-stateful", "pass", "one_plain_allow_among_allow_related", ovn_acl("inport == @pg_", "allow-related", "allow")),
    (ovn, "24.0.0", "ovn.dhcp", "fail", "dhcp_options_row_missing", lambda h: h.edit("ovn_nb_dhcp", replace=("_uuid               : 3a4b", "_uuid               : ffff"))),
]
# fmt: on


@pytest.mark.parametrize(
    ("build", "tag", "check_id", "status", "change"),
    [
        pytest.param(b, t, c, s, named(n, f), id=f"{c}-{s}-{n}")
        for b, t, c, s, n, f in BACKEND_CASES
    ],
)
def test_decisions_on_each_backend(build, tag, check_id, status, change):
    assert_outcome(graded(build, change, tag)[check_id], status)


def _without_router(host):
    for key in [k for k in host.records if QROUTER in (k[1], k[2])]:
        del host.records[key]
    return host.edit("netns_list", drop=QROUTER)


# Paths `requires:` keeps the engine from reaching, called directly: a check must still fail
# (never pass, never crash) when what it reads is not there.
# fmt: off
DIRECT = [
    (hybrid, "15.0.0", _without_router, ["router_interfaces", "default_route", "floating_ip", "nat_dnat", "nat_snat", "nat_pair", "metadata_redirect", "metadata_proxy"], {}),
    (hybrid, "15.0.0", lambda h: h.edit("link", drop=f" {TAP}:"), ["hybrid_plug", "sg_chain", "sg_wiring", "sg_stateful"], {}),
    (hybrid, "15.0.0", lambda h: h.edit("link", drop=f" {TAP}:"), ["sg_rule"], {"protocol": "tcp", "port": 22}),
    (native, "15.0.0", lambda h: h.edit("link", drop=f" {TAP}:"), ["tap_on_br_int", "ovsfw_port_flows", "ovsfw_stateful"], {}),
    (native, "15.0.0", lambda h: h.edit("link", drop=f" {TAP}:"), ["ovsfw_sg_rule"], {"protocol": "icmp"}),
    (ovn, "24.0.0", lambda h: h.edit("link", drop=f" {TAP}:"), ["ovn_port_group", "ovn_sg_stateful", "ovn_dhcp"], {}),
    (ovn, "24.0.0", lambda h: h.edit("link", drop=f" {TAP}:"), ["ovn_sg_rule"], {"protocol": "tcp", "port": 22}),
    (ovn, "24.0.0", lambda h: h.edit("ovn_nb_router", replace=("neutron-", "other-")), ["ovn_default_route", "ovn_floating_ip", "ovn_snat"], {}),
    (ovn, "24.0.0", lambda h: h.edit("netns_list", drop="ovnmeta-").without("addr", OVNMETA).without("link", OVNMETA).without("listeners", OVNMETA).without("route", OVNMETA).without("iptables_save", OVNMETA).edit("link", replace=(f" link-netns {OVNMETA}", "")), ["ovn_metadata_proxy"], {}),
]
# fmt: on


@pytest.mark.parametrize(("build", "tag", "change", "names", "params"), DIRECT)
def test_checks_called_without_their_prerequisite_fail(build, tag, change, names, params):
    facts = change(build(tag)).facts()
    for name in names:
        outcome = load_all()[name](facts, **params)
        assert outcome.status == "fail" and outcome.evidence, name


def test_a_dnat_nothing_reaches_is_named_in_nat_pair():
    def unreached(host):
        return host.edit("iptables_save", QROUTER, drop=f"-A PREROUTING -j {L3}-PREROUTING").edit(
            "iptables_save", QROUTER, drop=f"-A OUTPUT -j {L3}-OUTPUT"
        )

    outcome = load_all()["nat_pair"](unreached(hybrid()).facts())
    assert outcome.status == "fail"
    assert "DNAT in chains nothing jumps to does not count" in outcome.evidence
    dnat = graded(
        hybrid, lambda h: h.edit("iptables_save", QROUTER, drop=f"-A {L3}-OUTPUT -d"), "15.0.0"
    )
    assert (
        f"-A {L3}-PREROUTING -d {FLOATING}/32 -j DNAT --to-destination" in dnat["nat.dnat"].evidence
    )


def test_findings_are_skipped_or_errors_with_what_they_require():
    """The lab's questions (checks/findings.py): without an answers file a question fails; it
    is skipped when what it asks about failed and an error when that could not be graded."""
    plain = graded(hybrid, None, "15.0.0", "findings")["findings.inbound-chain"]
    assert plain.status == "fail" and "no answers given" in plain.evidence
    no_chain = graded(hybrid, lambda h: h.edit("iptables_save", drop=I_CHAIN), "15.0.0", "findings")
    assert no_chain["findings.inbound-chain"].status == "skip"
    refused = graded(hybrid, lambda h: h.fail("iptables_save"), "15.0.0", "findings")
    assert refused["findings.inbound-chain"].status == "error"
