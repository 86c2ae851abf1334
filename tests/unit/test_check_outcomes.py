# ruff: noqa: E501  (one line per case: the table reads as a table)
"""Every lab check's pass, fail, skip and error, each on a host recorded from Neutron's own code
(tests/unit/neutron_host.py): one variation per case, graded by the real engine with
exercises.yaml, so a check that stops comparing what it should (a semantic mutant) fails here.

`skip` exists only for checks with `requires:`; the others have no skip case. Cases named
after a mutant guard one decision of the check (the port a REDIRECT goes to, the chain a DNAT
sits in, the namespace dnsmasq runs in, ...).
"""

from __future__ import annotations

import pytest
from neutron_host import (
    DHCP_TAP,
    FIXED,
    FLOATING,
    GATEWAY,
    I_CHAIN,
    L3,
    QBR,
    QDHCP,
    QG,
    QR,
    QROUTER,
    QVB,
    QVO,
    ROUTER_IP,
    S_CHAIN,
    SG,
    TAP,
    Host,
    hybrid,
)
from outcome_cases import (
    Variation,
    assert_outcome,
    case,
    edit_in,
    fail_in,
    graded,
    named,
    without_ns,
)


def rules_refused(host: Host) -> Host:
    """iptables-save as a non-root user: `Permission denied (you must be root)`."""
    return host.fail("iptables_save", err="iptables-save v1.8.7 (legacy): Permission denied (you must be root)")  # fmt: skip


def nat_refused(host: Host) -> Host:
    return host.fail("iptables_save", QROUTER, err="Permission denied (you must be root)")


def no_tap(host: Host) -> Host:
    return host.edit("link", drop=f" {TAP}:")


def edit_rules(name: str, **how) -> Variation:
    return named(name, lambda host: host.edit("iptables_save", **how))


def edit_nat(name: str, **how) -> Variation:
    return named(name, lambda host: host.edit("iptables_save", QROUTER, **how))


REDIRECT = "REDIRECT --to-ports 9697"
INBOUND_SSH = f"-A {I_CHAIN} -p tcp -m tcp --dport 22 -j RETURN"
# fmt: off
HYBRID_CASES = [
    # devices.instance-tap (no requires: no skip)
    case("devices.instance-tap", "pass"),
    case("devices.instance-tap", "fail", no_tap),
    # devices.hybrid-plug
    case("devices.hybrid-plug", "pass"),
    case("devices.hybrid-plug", "pass", tag="2014.1"),
    case("devices.hybrid-plug", "fail", edit_in("tap_off_qbr", "link", replace=(f"master {QBR} state UNKNOWN", "state UNKNOWN"))),
    case("devices.hybrid-plug", "fail", edit_in("qvb_off_qbr", "link", replace=(f"master {QBR} state UP", "state UP"))),
    case("devices.hybrid-plug", "fail", edit_in("qvo_not_on_br_int", "ovs_list_ports", arg="br-int", drop=QVO)),
    case("devices.hybrid-plug", "fail", named("veths_paired_elsewhere", lambda h: h.edit("link", replace=(f"{QVB}@{QVO}", f"{QVB}@veth0")).edit("link", replace=(f"{QVO}@{QVB}", f"{QVO}@veth1")))),
    case("devices.hybrid-plug", "fail", edit_in("no_qvo", "link", drop=f" {QVO}@")),
    case("devices.hybrid-plug", "pass", named("pre_41_veths", lambda h: _pre_41_veths(h)), tag="2014.1"),
    case("devices.hybrid-plug", "skip", no_tap),
    case("devices.hybrid-plug", "error", fail_in("ovs_refused", "ovs_list_br")),
    # devices.ovs-bridges
    case("devices.ovs-bridges", "pass"),
    case("devices.ovs-bridges", "fail", edit_in("no_br_ex", "ovs_list_br", drop="br-ex")),
    case("devices.ovs-bridges", "error", fail_in("ovs_refused", "ovs_list_br")),
    # devices.ovs-ports: qg- on br-ex (2014.1) or br-int (Newton on)
    case("devices.ovs-ports", "pass"),
    case("devices.ovs-ports", "pass", tag="2014.1"),
    case("devices.ovs-ports", "fail", edit_in("qr_not_on_br_int", "ovs_list_ports", arg="br-int", drop=QR)),
    case("devices.ovs-ports", "fail", edit_in("dhcp_tap_not_on_br_int", "ovs_list_ports", arg="br-int", drop=DHCP_TAP)),
    case("devices.ovs-ports", "fail", edit_in("qvo_not_on_br_int", "ovs_list_ports", arg="br-int", drop=QVO)),
    case("devices.ovs-ports", "fail", edit_in("qg_on_br_tun", "ovs_list_ports", arg="br-int", drop=QG)),
    case("devices.ovs-ports", "error", fail_in("ovs_refused", "ovs_list_br")),
    # namespaces.* (no requires)
    case("namespaces.qdhcp", "pass"),
    case("namespaces.qdhcp", "fail", without_ns(QDHCP)),
    case("namespaces.qrouter", "pass"),
    case("namespaces.qrouter", "fail", without_ns(QROUTER)),
    # sg.chain
    case("sg.chain", "pass"),
    case("sg.chain", "fail", edit_rules("no_inbound_chain", drop=f"{I_CHAIN}")),
    case("sg.chain", "skip", no_tap),
    case("sg.chain", "error", rules_refused),
    # sg.wiring
    case("sg.wiring", "pass"),
    case("sg.wiring", "pass", tag="2014.1"),
    case("sg.wiring", "fail", edit_rules("no_physdev_out_jump", drop=f"-A {SG}-sg-chain -m physdev --physdev-out {TAP}")),
    case("sg.wiring", "fail", edit_rules("sg_chain_not_reached", drop=f"-A FORWARD -j {SG}-FORWARD")),
    case("sg.wiring", "fail", edit_rules("jump_for_another_tap", replace=(f"-A {SG}-sg-chain -m physdev --physdev-out {TAP}", f"-A {SG}-sg-chain -m physdev --physdev-out tap0000000a-00"))),
    case("sg.wiring", "skip", edit_rules("no_inbound_chain", drop=f"{I_CHAIN}")),
    case("sg.wiring", "error", rules_refused),
    # sg.ssh
    case("sg.ssh", "pass"),
    case("sg.ssh", "pass", tag="2014.1"),
    case("sg.ssh", "pass", edit_rules("port_range_20_to_30", replace=("-p tcp -m tcp --dport 22 -j", "-p tcp -m tcp --dport 20:30 -j"))),
    case("sg.ssh", "pass", edit_rules("from_a_prefix", replace=("-p tcp -m tcp --dport 22", "-s 192.0.2.0/24 -p tcp -m tcp --dport 22"))),
    case("sg.ssh", "fail", edit_rules("no_ssh_rule", drop=INBOUND_SSH)),
    case("sg.ssh", "fail", edit_rules("port_2222", replace=("--dport 22 -j", "--dport 2222 -j"))),
    case("sg.ssh", "fail", edit_rules("udp_22", replace=("-p tcp -m tcp --dport 22", "-p udp -m udp --dport 22"))),
    case("sg.ssh", "fail", edit_rules("ssh_rule_drops", replace=(INBOUND_SSH, INBOUND_SSH.replace("RETURN", "DROP")))),
    case("sg.ssh", "fail", edit_rules("ssh_after_fallback", drop=INBOUND_SSH, add=INBOUND_SSH, after="Send unmatched")),
    case("sg.ssh", "fail", edit_rules("ssh_in_outbound_chain", replace=(INBOUND_SSH, INBOUND_SSH.replace(I_CHAIN, I_CHAIN.replace("-i", "-o"))))),
    case("sg.ssh", "fail", named("ssh_dropped_first", lambda h: _ssh_dropped_first(h))),
    case("sg.ssh", "fail", named("ssh_to_the_instance_dropped_first", lambda h: _ssh_dropped_first(h, f"-d {FIXED}/32 "))),
    case("sg.ssh", "pass", named("ssh_to_another_address_dropped_first", lambda h: _ssh_dropped_first(h, "-d 10.9.9.9/32 "))),
    case("sg.ssh", "pass", named("ssh_to_not_the_instance_dropped_first", lambda h: _ssh_dropped_first(h, f"! -d {FIXED}/32 "))),
    case("sg.ssh", "fail", edit_rules("ssh_to_another_address", replace=("-p tcp -m tcp --dport 22", "-d 10.9.9.9/32 -p tcp -m tcp --dport 22"))),
    case("sg.ssh", "pass", edit_rules("ssh_to_the_instance", replace=("-p tcp -m tcp --dport 22", f"-d {FIXED}/32 -p tcp -m tcp --dport 22"))),
    case("sg.ssh", "skip", edit_rules("not_wired", drop=f"-A FORWARD -j {SG}-FORWARD")),
    case("sg.ssh", "error", rules_refused),
    # sg.icmp
    case("sg.icmp", "pass"),
    case("sg.icmp", "pass", edit_rules("echo_request", replace=("-p icmp -j", "-p icmp -m icmp --icmp-type 8 -j"))),
    case("sg.icmp", "fail", edit_rules("no_icmp_rule", drop="-p icmp -j RETURN")),
    case("sg.icmp", "fail", edit_rules("echo_reply_only", replace=("-p icmp -j", "-p icmp -m icmp --icmp-type 0 -j"))),
    case("sg.icmp", "skip", edit_rules("not_wired", drop=f"-A FORWARD -j {SG}-FORWARD")),
    case("sg.icmp", "error", rules_refused),
    # sg.stateful
    case("sg.stateful", "pass"),
    case("sg.stateful", "pass", tag="2014.1"),
    case("sg.stateful", "pass", edit_rules("conntrack_match", replace=("-m state --state", "-m conntrack --ctstate"))),
    case("sg.stateful", "fail", edit_rules("no_invalid_drop", drop=f"-A {I_CHAIN} -m state --state INVALID")),
    case("sg.stateful", "fail", edit_rules("invalid_returned", replace=("but do not have an entry in conntrack.\" -j DROP", "\" -j RETURN"))),
    case("sg.stateful", "fail", edit_rules("no_established_return", drop=f"-A {I_CHAIN} -m state --state RELATED,ESTABLISHED")),
    case("sg.stateful", "fail", edit_rules("only_established", replace=(f"-A {I_CHAIN} -m state --state RELATED,ESTABLISHED", f"-A {I_CHAIN} -m state --state ESTABLISHED"))),
    case("sg.stateful", "fail", edit_rules("no_fallback_jump", drop=f"-A {I_CHAIN} -m comment --comment \"Send unmatched")),
    case("sg.stateful", "fail", edit_rules("fallback_emptied", drop=f"-A {SG}-sg-fallback -m comment")),
    case("sg.stateful", "fail", edit_rules("fallback_accepts", replace=("unmatched traffic.\" -j DROP", "unmatched traffic.\" -j ACCEPT"))),
    case("sg.stateful", "fail", edit_rules("fallback_emptied", drop=f"-A {SG}-sg-fallback -j DROP"), tag="2014.1"),
    case("sg.stateful", "skip", edit_rules("not_wired", drop=f"-A FORWARD -j {SG}-FORWARD")),
    case("sg.stateful", "error", rules_refused),
    # dhcp.tap
    case("dhcp.tap", "pass"),
    case("dhcp.tap", "fail", edit_in("tap_without_address", "addr", QDHCP, drop=DHCP_TAP)),
    case("dhcp.tap", "skip", without_ns(QDHCP)),
    case("dhcp.tap", "error", fail_in("addr_refused", "addr", QDHCP)),
    # dhcp.dnsmasq: --interface=<tap> (2014.1) or the process in the qdhcp namespace (15.0.0)
    case("dhcp.dnsmasq", "pass"),
    case("dhcp.dnsmasq", "pass", tag="2014.1"),
    case("dhcp.dnsmasq", "fail", named("dnsmasq_in_root_namespace", lambda h: h.edit("netns_pids", arg=QDHCP, drop="2201").edit("netns_identify", arg="2201", drop=QDHCP))),
    case("dhcp.dnsmasq", "fail", edit_in("interface_of_another_tap", "processes", replace=(f"--interface={DHCP_TAP}", "--interface=tap00000000-00")), tag="2014.1"),
    case("dhcp.dnsmasq", "fail", edit_in("no_dnsmasq", "processes", drop="dnsmasq")),
    case("dhcp.dnsmasq", "skip", edit_in("tap_without_address", "addr", QDHCP, drop=DHCP_TAP)),
    # routing.interfaces
    case("routing.interfaces", "pass"),
    case("routing.interfaces", "fail", edit_in("qr_without_address", "addr", QROUTER, drop=f"{QR}    inet")),
    case("routing.interfaces", "fail", edit_in("qg_without_address", "addr", QROUTER, drop=f"{QG}    inet")),
    case("routing.interfaces", "skip", without_ns(QROUTER)),
    case("routing.interfaces", "error", fail_in("addr_refused", "addr", QROUTER)),
    # routing.default-route
    case("routing.default-route", "pass"),
    case("routing.default-route", "pass", tag="2014.1"),
    case("routing.default-route", "fail", edit_in("via_qr", "route", QROUTER, replace=(f"default via {GATEWAY} dev {QG}", f"default via 10.1.0.254 dev {QR}"))),
    case("routing.default-route", "fail", edit_in("gateway_off_subnet", "route", QROUTER, replace=(f"default via {GATEWAY}", "default via 198.51.100.1"))),
    case("routing.default-route", "fail", edit_in("no_default", "route", QROUTER, drop="default")),
    case("routing.default-route", "skip", edit_in("qg_without_address", "addr", QROUTER, drop=f"{QG}    inet")),
    case("routing.default-route", "error", fail_in("route_refused", "route", QROUTER)),
    # routing.floating-ip
    case("routing.floating-ip", "pass"),
    case("routing.floating-ip", "pass", tag="2014.1"),
    case("routing.floating-ip", "fail", edit_in("no_floating_address", "addr", QROUTER, drop=f"{FLOATING}/32")),
    case("routing.floating-ip", "fail", edit_nat("no_nat_at_all", drop=FLOATING)),
    case("routing.floating-ip", "skip", edit_in("qr_without_address", "addr", QROUTER, drop=f"{QR}    inet")),
    case("routing.floating-ip", "error", nat_refused),
    # nat.dnat: both PREROUTING and OUTPUT
    case("nat.dnat", "pass"),
    case("nat.dnat", "pass", tag="2014.1"),
    case("nat.dnat", "fail", edit_nat("dnat_in_prerouting_alone", drop=f"-A {L3}-OUTPUT -d {FLOATING}")),
    case("nat.dnat", "fail", edit_nat("output_chain_not_reached", drop=f"-A OUTPUT -j {L3}-OUTPUT")),
    case("nat.dnat", "skip", edit_in("no_floating_address", "addr", QROUTER, drop=f"{FLOATING}/32")),
    case("nat.dnat", "error", nat_refused),
    # nat.snat
    case("nat.snat", "pass"),
    case("nat.snat", "pass", tag="2014.1"),
    case("nat.snat", "fail", edit_nat("no_float_snat", drop=f"-A {L3}-float-snat")),
    case("nat.snat", "fail", edit_nat("float_snat_not_reached", drop=f"-A {L3}-snat -j {L3}-float-snat")),
    case("nat.snat", "fail", edit_nat("snat_to_router_address", replace=(f"-j SNAT --to-source {FLOATING}", f"-j SNAT --to-source {ROUTER_IP}"))),
    case("nat.snat", "skip", edit_in("no_floating_address", "addr", QROUTER, drop=f"{FLOATING}/32")),
    case("nat.snat", "error", nat_refused),
    # nat.pair
    case("nat.pair", "pass"),
    case("nat.pair", "pass", tag="2014.1"),
    case("nat.pair", "fail", edit_rules("fixed_ip_unknown", drop=f"-A {S_CHAIN} -s {FIXED}/32"), tag="2014.1"),
    case("nat.pair", "skip", edit_nat("dnat_in_prerouting_alone", drop=f"-A {L3}-OUTPUT -d {FLOATING}")),
    case("nat.pair", "error", nat_refused),
    # nat.metadata-redirect
    case("nat.metadata-redirect", "pass"),
    case("nat.metadata-redirect", "pass", tag="2014.1"),
    case("nat.metadata-redirect", "fail", edit_nat("redirect_to_9698", replace=(REDIRECT, "REDIRECT --to-ports 9698"))),
    case("nat.metadata-redirect", "fail", edit_nat("redirect_of_port_8080", replace=("--dport 80 -j REDIRECT", "--dport 8080 -j REDIRECT"))),
    case("nat.metadata-redirect", "fail", edit_nat("redirect_of_udp", replace=("-p tcp -m tcp --dport 80 -j REDIRECT", "-p udp -m udp --dport 80 -j REDIRECT"))),
    case("nat.metadata-redirect", "fail", edit_nat("redirect_of_another_address", replace=("-d 169.254.169.254/32", "-d 169.254.169.253/32"))),
    case("nat.metadata-redirect", "fail", edit_nat("redirect_in_output", replace=(f"-A {L3}-PREROUTING -d 169.254", f"-A {L3}-OUTPUT -d 169.254"))),
    case("nat.metadata-redirect", "fail", edit_nat("prerouting_not_reached", drop=f"-A PREROUTING -j {L3}-PREROUTING")),
    case("nat.metadata-redirect", "skip", without_ns(QROUTER)),
    case("nat.metadata-redirect", "error", nat_refused),
    # nat.metadata-proxy
    case("nat.metadata-proxy", "pass"),
    case("nat.metadata-proxy", "pass", tag="2014.1"),
    case("nat.metadata-proxy", "pass", fail_in("ss_refused_proxy_running", "listeners", QROUTER)),
    case("nat.metadata-proxy", "fail", edit_in("listens_on_9698", "listeners", QROUTER, replace=(":9697", ":9698"))),
    case("nat.metadata-proxy", "fail", named("no_proxy_no_ss", lambda h: h.fail("listeners", QROUTER).edit("processes", drop="2301"))),
    case("nat.metadata-proxy", "skip", without_ns(QROUTER)),
    case("nat.metadata-proxy", "error", named("neither_ss_nor_ps", lambda h: h.fail("listeners", QROUTER).fail("processes"))),
]
# fmt: on


@pytest.mark.parametrize(("check_id", "status", "change", "tag", "only"), HYBRID_CASES)
def test_hybrid_check_outcomes(check_id, status, change, tag, only):
    assert_outcome(graded(hybrid, change, tag, only)[check_id], status)


def test_a_complete_host_as_neutron_writes_it_passes_every_check():
    for tag in ("2014.1", "15.0.0"):
        assert {
            k: v.status for k, v in graded(hybrid, None, tag).items() if v.status != "pass"
        } == {}


def _pre_41_veths(host: Host) -> Host:
    """Linux before 4.1 (Ubuntu 14.04's 3.13) prints a veth without @peer in `ip -o link`."""
    return host.edit("link", replace=(f"{QVO}@{QVB}", QVO)).edit(
        "link", replace=(f"{QVB}@{QVO}", QVB)
    )


def _ssh_dropped_first(host: Host, match: str = "") -> Host:
    """A user rule `-p tcp --dport 22 -j DROP` before the RETURN: iptables stops at the DROP
    (with MATCH, e.g. `-d <the instance's fixed IP>/32 `, only for the packets it matches)."""
    drop = INBOUND_SSH.replace("RETURN", "DROP").replace("-p tcp", f"{match}-p tcp")
    return host.edit("iptables_save", add=drop, after=f"-A {I_CHAIN} -m state --state RELATED")


def _nothing_walked(host: Host) -> Host:
    """`ip netns list` refused (no root): no namespace could be looked into."""
    for key in [k for k in host.records if k[1] or k[0] in ("netns_pids", "netns_identify")]:
        del host.records[key]
    return host.fail("netns_list", err="mount --make-shared /run/netns failed: Permission denied")


# issue 9 item 1: a check whose record was refused is `error`, never `fail`
REFUSED = [
    (fail_in("ps_refused", "processes"), "15.0.0", "dhcp.dnsmasq", "error"),
    (fail_in("link_refused", "link"), "15.0.0", "devices.instance-tap", "error"),
    (_nothing_walked, "15.0.0", "namespaces.qdhcp", "error"),
    (_nothing_walked, "15.0.0", "namespaces.qrouter", "error"),
    (
        named("dhcp_ns_refused", lambda h: h.fail("link", QDHCP).fail("addr", QDHCP)),
        "15.0.0",
        "devices.ovs-ports",
        "error",
    ),
]


@pytest.mark.parametrize(
    ("change", "tag", "check_id", "status"),
    [pytest.param(*c, id=f"{c[2]}-{c[3]}-{c[0].__name__}") for c in REFUSED],
)
def test_a_refused_record_is_an_error_never_a_fail(change, tag, check_id, status):
    assert graded(hybrid, change, tag)[check_id].status == status
