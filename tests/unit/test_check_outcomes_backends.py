# ruff: noqa: E501  (one line per case: the table reads as a table)
"""The native OVS firewall's, ML2/OVN's and the clean-up checks' pass, fail, skip and error, on
hosts recorded from Neutron's code (neutron_host_backends.native at 15.0.0, .ovn at 24.0.0,
the hybrid host after deleting the instance and releasing its floating IP)."""

from __future__ import annotations

import pytest
from neutron_host import FIXED, FLOATING, PORT, QBR, QG, QROUTER, TAP, Host, hybrid
from neutron_host_backends import (
    ACL_SSH,
    LRP_EX,
    NAT_FIP,
    OFPORT,
    OVNMETA,
    PG,
    ROUTE,
    flow,
    native,
    ovn,
)
from outcome_cases import assert_outcome, case, edit_in, fail_in, graded, named, without_ns

P = f"reg5={hex(OFPORT)}"
NEW_SSH = f"+new-est,tcp,{P},tp_dst=22"


def no_tap(host: Host) -> Host:
    return host.edit("link", drop=f" {TAP}:")


def edit_flows(name: str, **how) -> named:
    return edit_in(name, "ovs_flows_br_int", **how)


def invalid_drop_per_port(host: Host) -> Host:
    """A hand-made variation: an INVALID drop matched per port (reg5) as well as Neutron's
    table-wide one."""
    return host.edit(
        "ovs_flows_br_int",
        add=f" cookie=0x1, duration=1.0s, table=82, n_packets=0, n_bytes=0, priority=51,ct_state=+inv+trk,{P} actions=resubmit(,93)",
    )


def ssh_from_group_members_only(host: Host) -> Host:
    """The SSH rule with remote_group_id instead of 0.0.0.0/0: rules.create_flows_from_rule_and_port
    with conjunction=True (priority 70+0+3) on the port, the members' nw_src on the other half,
    the conj_id flow accepting (doc/source/contributor/internals/openvswitch_firewall.rst)."""
    host.edit("ovs_flows_br_int", drop="tp_dst=22")
    for line in (
        flow(82, "73,ct_state=+new-est,ip,reg6=0x1,nw_src=10.1.0.9", "conjunction(19,1/2)"),
        flow(82, f"73,ct_state=+new-est,tcp,{P},tp_dst=22", "conjunction(19,2/2)"),
        flow(
            82,
            f"73,conj_id=19,ct_state=+new-est,ip,{P}",
            f"ct(commit,zone=NXM_NX_REG6[0..15]),output:{OFPORT},resubmit(,92)",
        ),
    ):
        host.edit("ovs_flows_br_int", add=line, after="table=82,")
    return host


# fmt: off
NATIVE_CASES = [
    # devices.tap-on-br-int and devices.ovs-ports with the tap itself on br-int
    case("devices.tap-on-br-int", "pass"),
    case("devices.tap-on-br-int", "fail", edit_in("tap_not_on_br_int", "ovs_list_ports", arg="br-int", drop=TAP)),
    case("devices.tap-on-br-int", "fail", edit_in("tap_on_a_linux_bridge", "link", replace=("master ovs-system state UNKNOWN", f"master {QBR} state UNKNOWN"))),
    case("devices.tap-on-br-int", "skip", no_tap),
    case("devices.tap-on-br-int", "error", fail_in("ovs_refused", "ovs_list_br")),
    case("devices.ovs-ports", "pass"),
    case("devices.ovs-ports", "fail", edit_in("tap_not_on_br_int", "ovs_list_ports", arg="br-int", drop=TAP)),
    # ovsfw.port-flows
    case("ovsfw.port-flows", "pass"),
    case("ovsfw.port-flows", "fail", edit_flows("no_table_81_flows", drop="table=81,")),
    case("ovsfw.port-flows", "fail", edit_flows("flows_of_another_port", replace=(P, "reg5=0x8"))),
    case("ovsfw.port-flows", "fail", edit_in("tap_not_in_ofctl_show", "ovs_ofctl_show_br_int", drop=TAP)),
    case("ovsfw.port-flows", "skip", edit_in("tap_not_on_br_int", "ovs_list_ports", arg="br-int", drop=TAP)),
    case("ovsfw.port-flows", "error", fail_in("dump_flows_refused", "ovs_flows_br_int")),
    # ovsfw.sg-ssh
    case("ovsfw.sg-ssh", "pass"),
    case("ovsfw.sg-ssh", "pass", edit_flows("masked_range_16_to_31", replace=("tp_dst=22 actions=ct", "tp_dst=0x10/0xfff0 actions=ct"))),
    case("ovsfw.sg-ssh", "pass", edit_flows("hex_port", replace=("tp_dst=22 actions=ct", "tp_dst=0x16 actions=ct"))),
    case("ovsfw.sg-ssh", "fail", edit_flows("no_ssh_flows", drop="tp_dst=22")),
    case("ovsfw.sg-ssh", "fail", edit_flows("ssh_only_established", drop=NEW_SSH)),
    case("ovsfw.sg-ssh", "fail", edit_flows("ssh_port_2222", replace=("tp_dst=22 actions=ct", "tp_dst=2222 actions=ct"))),
    case("ovsfw.sg-ssh", "fail", edit_flows("masked_range_32_to_47", replace=("tp_dst=22 actions=ct", "tp_dst=0x20/0xfff0 actions=ct"))),
    case("ovsfw.sg-ssh", "fail", edit_flows("ssh_for_another_port", replace=(NEW_SSH, "+new-est,tcp,reg5=0x8,tp_dst=22"))),
    case("ovsfw.sg-ssh", "fail", edit_flows("ssh_flow_drops", replace=(f"{NEW_SSH} actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:7,resubmit(,92)", f"{NEW_SSH} actions=resubmit(,93)"))),
    case("ovsfw.sg-ssh", "fail", edit_flows("ssh_in_egress_table", replace=(f"table=82, n_packets=0, n_bytes=0, idle_age=120, priority=77,ct_state={NEW_SSH}", f"table=72, n_packets=0, n_bytes=0, idle_age=120, priority=77,ct_state={NEW_SSH}"))),
    case("ovsfw.sg-ssh", "fail", named("ssh_from_group_members_only", ssh_from_group_members_only)),
    case("ovsfw.sg-ssh", "skip", edit_flows("no_table_81_flows", drop="table=81,")),
    case("ovsfw.sg-ssh", "error", fail_in("ofctl_show_refused", "ovs_ofctl_show_br_int")),
    # ovsfw.sg-icmp
    case("ovsfw.sg-icmp", "pass"),
    case("ovsfw.sg-icmp", "pass", edit_flows("echo_request", replace=(f"+new-est,icmp,{P}", f"+new-est,icmp,{P},icmp_type=8"))),
    case("ovsfw.sg-icmp", "fail", edit_flows("no_icmp_flows", drop=",icmp,")),
    case("ovsfw.sg-icmp", "fail", edit_flows("echo_reply_only", replace=(f"+new-est,icmp,{P}", f"+new-est,icmp,{P},icmp_type=0"))),
    case("ovsfw.sg-icmp", "skip", edit_flows("no_table_81_flows", drop="table=81,")),
    case("ovsfw.sg-icmp", "error", fail_in("dump_flows_refused", "ovs_flows_br_int")),
    # ovsfw.stateful
    case("ovsfw.stateful", "pass"),
    case("ovsfw.stateful", "pass", invalid_drop_per_port),
    case("ovsfw.stateful", "fail", named("no_invalid_drop", lambda h: invalid_drop_per_port(h).edit("ovs_flows_br_int", drop="+inv+trk"))),
    case("ovsfw.stateful", "fail", named("no_established_output", lambda h: invalid_drop_per_port(h).edit("ovs_flows_br_int", drop="+est-rel").edit("ovs_flows_br_int", drop="ct_state=+est,"))),
    case("ovsfw.stateful", "skip", edit_flows("no_table_81_flows", drop="table=81,")),
    case("ovsfw.stateful", "error", fail_in("dump_flows_refused", "ovs_flows_br_int")),
]
# fmt: on


def acl_match(old: str, new: str) -> named:
    return edit_in(
        f"acl_{new.split('&&')[-1].strip().replace(' ', '_')}", "ovn_nb_acl", replace=(old, new)
    )


def in_acl_row(host: Host, marker: str, old: str, new: str) -> Host:
    """OLD replaced by NEW in the ACL row whose text holds MARKER."""
    rows = host.records[("ovn_nb_acl", None, None)]["out"].split("\n\n")
    rows = [row.replace(old, new) if marker in row else row for row in rows]
    host.records[("ovn_nb_acl", None, None)]["out"] = "\n\n".join(rows)
    return host


SSH_MATCH = "tcp && tcp.dst == 22"
# fmt: off
OVN_CASES = [
    case("devices.tap-on-br-int", "pass", tag="24.0.0"),
    case("devices.tap-on-br-int", "fail", edit_in("tap_not_on_br_int", "ovs_list_ports", arg="br-int", drop=TAP), tag="24.0.0"),
    # ovn.port-group
    case("ovn.port-group", "pass", tag="24.0.0"),
    case("ovn.port-group", "fail", edit_in("port_in_no_group", "ovn_nb_port_group", replace=(f"{PG}\nports               : [", f"{PG}\nports               : [x")), tag="24.0.0"),
    case("ovn.port-group", "fail", edit_in("no_switch_port", "ovn_nb_switch_port", replace=(PORT, "0" * 36)), tag="24.0.0"),
    case("ovn.port-group", "skip", no_tap, tag="24.0.0"),
    case("ovn.port-group", "error", fail_in("port_group_refused", "ovn_nb_port_group"), tag="24.0.0"),
    # ovn.sg-ssh
    case("ovn.sg-ssh", "pass", tag="24.0.0"),
    case("ovn.sg-ssh", "pass", acl_match(SSH_MATCH, "tcp && tcp.dst >= 20 && tcp.dst <= 30"), tag="24.0.0"),
    case("ovn.sg-ssh", "fail", acl_match(SSH_MATCH, "tcp && tcp.dst == 2222"), tag="24.0.0"),
    case("ovn.sg-ssh", "fail", named("ssh_from_group_members_only", acl_match(SSH_MATCH, f"ip4.src == ${PG}_ip4 && {SSH_MATCH}")), tag="24.0.0"),
    case("ovn.sg-ssh", "fail", acl_match(SSH_MATCH, "tcp && tcp.dst >= 23 && tcp.dst <= 30"), tag="24.0.0"),
    case("ovn.sg-ssh", "fail", acl_match(SSH_MATCH, "udp && udp.dst == 22"), tag="24.0.0"),
    case("ovn.sg-ssh", "fail", edit_in("ssh_acl_not_in_group", "ovn_nb_port_group", replace=(f", {ACL_SSH}]", "]")), tag="24.0.0"),
    case("ovn.sg-ssh", "fail", named("ssh_acl_outbound", lambda h: in_acl_row(h, "tcp.dst == 22", "to-lport", "from-lport")), tag="24.0.0"),
    case("ovn.sg-ssh", "fail", edit_in("ssh_acl_for_another_group", "ovn_nb_acl", replace=(f"outport == @{PG} && ip4 && ip4.src == 0.0.0.0/0 && tcp", "outport == @pg_other && ip4 && ip4.src == 0.0.0.0/0 && tcp")), tag="24.0.0"),
    case("ovn.sg-ssh", "skip", edit_in("port_in_no_group", "ovn_nb_port_group", replace=(f"{PG}\nports               : [", f"{PG}\nports               : [x")), tag="24.0.0"),
    case("ovn.sg-ssh", "error", fail_in("acl_refused", "ovn_nb_acl"), tag="24.0.0"),
    # ovn.sg-icmp
    case("ovn.sg-icmp", "pass", tag="24.0.0"),
    case("ovn.sg-icmp", "pass", acl_match('&& icmp4"', '&& icmp4 && icmp4.type == 8"'), tag="24.0.0"),
    case("ovn.sg-icmp", "fail", acl_match('&& icmp4"', '&& icmp4 && icmp4.type == 0"'), tag="24.0.0"),
    case("ovn.sg-icmp", "fail", acl_match('&& icmp4"', '&& ip.proto == 47"'), tag="24.0.0"),
    case("ovn.sg-icmp", "error", fail_in("acl_refused", "ovn_nb_acl"), tag="24.0.0"),
    # ovn.sg-stateful
    case("ovn.sg-stateful", "pass", tag="24.0.0"),
    case("ovn.sg-stateful", "fail", edit_in("stateless_acls", "ovn_nb_acl", replace=("allow-related", "allow-stateless")), tag="24.0.0"),
    case("ovn.sg-stateful", "fail", edit_in("not_in_the_drop_group", "ovn_nb_port_group", replace=("neutron_pg_drop\nports               : [", "neutron_pg_drop\nports               : [x")), tag="24.0.0"),
    case("ovn.sg-stateful", "skip", edit_in("port_in_no_group", "ovn_nb_port_group", replace=(f"{PG}\nports               : [", f"{PG}\nports               : [x")), tag="24.0.0"),
    case("ovn.sg-stateful", "error", fail_in("acl_refused", "ovn_nb_acl"), tag="24.0.0"),
    # ovn.router (no requires)
    case("ovn.router", "pass", tag="24.0.0"),
    case("ovn.router", "fail", edit_in("no_gateway_port", "ovn_nb_router", replace=(f"{LRP_EX}, ", "")), tag="24.0.0"),
    case("ovn.router", "fail", edit_in("no_neutron_router", "ovn_nb_router", replace=("neutron-", "other-")), tag="24.0.0"),
    case("ovn.router", "error", fail_in("router_refused", "ovn_nb_router"), tag="24.0.0"),
    # ovn.default-route
    case("ovn.default-route", "pass", tag="24.0.0"),
    case("ovn.default-route", "fail", edit_in("no_default_route", "ovn_nb_router", replace=(f"[{ROUTE}]", "[]")), tag="24.0.0"),
    case("ovn.default-route", "fail", edit_in("route_to_a_subnet_only", "ovn_nb_route", replace=('"0.0.0.0/0"', '"198.51.100.0/24"')), tag="24.0.0"),
    case("ovn.default-route", "skip", edit_in("no_gateway_port", "ovn_nb_router", replace=(f"{LRP_EX}, ", "")), tag="24.0.0"),
    case("ovn.default-route", "error", fail_in("route_refused", "ovn_nb_route"), tag="24.0.0"),
    # ovn.floating-ip
    case("ovn.floating-ip", "pass", tag="24.0.0"),
    case("ovn.floating-ip", "fail", edit_in("no_dnat_and_snat", "ovn_nb_router", replace=(f"{NAT_FIP}, ", "")), tag="24.0.0"),
    case("ovn.floating-ip", "fail", edit_in("fip_of_another_address", "ovn_nb_nat", replace=(f'"{FIXED}"', '"10.1.0.9"')), tag="24.0.0"),
    case("ovn.floating-ip", "skip", edit_in("no_gateway_port", "ovn_nb_router", replace=(f"{LRP_EX}, ", "")), tag="24.0.0"),
    case("ovn.floating-ip", "error", fail_in("nat_refused", "ovn_nb_nat"), tag="24.0.0"),
    # ovn.snat
    case("ovn.snat", "pass", tag="24.0.0"),
    case("ovn.snat", "fail", edit_in("snat_of_another_subnet", "ovn_nb_nat", replace=('"10.1.0.0/24"', '"10.2.0.0/24"')), tag="24.0.0"),
    case("ovn.snat", "fail", edit_in("no_snat", "ovn_nb_nat", replace=("type                : snat", "type                : dnat")), tag="24.0.0"),
    case("ovn.snat", "error", fail_in("nat_refused", "ovn_nb_nat"), tag="24.0.0"),
    # ovn.dhcp
    case("ovn.dhcp", "pass", tag="24.0.0"),
    case("ovn.dhcp", "fail", edit_in("no_dhcp_options", "ovn_nb_switch_port", replace=("dhcpv4_options      : 3a4b", "dhcpv4_options      : []\nx                   : 3a4b")), tag="24.0.0"),
    case("ovn.dhcp", "fail", edit_in("no_router_option", "ovn_nb_dhcp", replace=(' router="10.1.0.1",', "")), tag="24.0.0"),
    case("ovn.dhcp", "fail", edit_in("options_of_another_subnet", "ovn_nb_dhcp", replace=('"10.1.0.0/24"', '"10.2.0.0/24"')), tag="24.0.0"),
    case("ovn.dhcp", "skip", no_tap, tag="24.0.0"),
    case("ovn.dhcp", "error", fail_in("dhcp_refused", "ovn_nb_dhcp"), tag="24.0.0"),
    # ovn.metadata-namespace (no requires) and ovn.metadata
    case("ovn.metadata-namespace", "pass", tag="24.0.0"),
    case("ovn.metadata-namespace", "fail", edit_in("no_metadata_address", "addr", OVNMETA, drop="169.254.169.254"), tag="24.0.0"),
    case("ovn.metadata-namespace", "fail", named("no_ovnmeta", lambda h: without_ns(OVNMETA)(h).edit("link", replace=(f" link-netns {OVNMETA}", "")).edit("processes", drop="ovn-metadata-proxy")), tag="24.0.0"),
    case("ovn.metadata", "pass", tag="24.0.0"),
    case("ovn.metadata", "fail", edit_in("haproxy_on_8080", "listeners", OVNMETA, replace=("169.254.169.254:80 ", "169.254.169.254:8080 ")), tag="24.0.0"),
    case("ovn.metadata", "skip", edit_in("no_metadata_address", "addr", OVNMETA, drop="169.254.169.254"), tag="24.0.0"),
    case("ovn.metadata", "error", fail_in("ss_refused", "listeners", OVNMETA), tag="24.0.0"),
]
# fmt: on


def cleaned(host: Host) -> Host:
    """After `openstack server delete` and `floating ip delete`: the port's devices and chains,
    the /32 on qg- and its NAT rules are gone (what the agents remove)."""
    port = PORT[:10]
    host.edit("link", drop=port).edit("iptables_save", drop=port)
    host.edit("addr", QROUTER, drop=f"{FLOATING}/32")
    return host.edit("iptables_save", QROUTER, drop=FLOATING)


# fmt: off
CLEANUP_CASES = [
    case("cleanup.instance", "pass", cleaned, only="cleanup"),
    case("cleanup.instance", "fail", only="cleanup"),
    case("cleanup.instance", "fail", named("qbr_left", lambda h: cleaned(h).edit("link", add=f"8: {QBR}: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ether 6a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff")), only="cleanup"),
    case("cleanup.instance", "fail", named("chain_left", lambda h: cleaned(h).edit("iptables_save", add=f":neutron-openvswi-i{PORT[:10]} - [0:0]", after="*filter")), only="cleanup"),
    case("cleanup.instance", "error", named("link_refused", lambda h: cleaned(h).fail("link")), only="cleanup"),
    case("cleanup.floating-ip", "pass", cleaned, only="cleanup"),
    case("cleanup.floating-ip", "fail", only="cleanup"),
    case("cleanup.floating-ip", "fail", named("address_left", lambda h: cleaned(h).edit("addr", QROUTER, add=f"21: {QG}    inet {FLOATING}/32 brd {FLOATING} scope global {QG}\\       valid_lft forever preferred_lft forever")), only="cleanup"),
    case("cleanup.floating-ip", "fail", named("dnat_left", lambda h: cleaned(h).edit("iptables_save", QROUTER, add=f"-A neutron-l3-agent-PREROUTING -d {FLOATING}/32 -j DNAT --to-destination {FIXED}")), only="cleanup"),
    case("cleanup.floating-ip", "error", named("nat_refused", lambda h: cleaned(h).fail("iptables_save", QROUTER)), only="cleanup"),
]
# fmt: on


@pytest.mark.parametrize(("check_id", "status", "change", "tag", "only"), NATIVE_CASES)
def test_native_firewall_check_outcomes(check_id, status, change, tag, only):
    assert_outcome(graded(native, change, tag, only)[check_id], status)


@pytest.mark.parametrize(("check_id", "status", "change", "tag", "only"), OVN_CASES)
def test_ovn_check_outcomes(check_id, status, change, tag, only):
    assert_outcome(graded(ovn, change, tag, only)[check_id], status)


@pytest.mark.parametrize(("check_id", "status", "change", "tag", "only"), CLEANUP_CASES)
def test_cleanup_check_outcomes(check_id, status, change, tag, only):
    assert_outcome(graded(hybrid, change, tag, only)[check_id], status)


def test_other_backends_checks_are_errors_when_named():
    """A check of one backend named with --only on another: `error` (cannot apply), never fail."""
    for build, only in (
        (hybrid, "ovn-security-groups"),
        (hybrid, "ovn-routing"),
        (hybrid, "ovn-services"),
        (ovn, "ovsfw-security-groups"),
        (hybrid, "ovsfw-security-groups"),
        (native, "ovn-routing"),
        (ovn, "security-groups"),
        (native, "security-groups"),
        (ovn, "nat"),
        (ovn, "namespaces"),
        (ovn, "dhcp"),
        (ovn, "routing"),
        (ovn, "devices.hybrid-plug"),
        (hybrid, "devices.tap-on-br-int"),
    ):
        results = graded(build, None, "15.0.0", only)
        assert results, only
        assert {r.status for r in results.values()} == {"error"}, (build.__name__, only)
        assert all("cannot apply to this host's backend" in r.evidence for r in results.values())


def test_a_refused_ovnmeta_listing_is_an_error_never_a_fail() -> None:
    """Issue 9 item 1: a check whose record was refused is `error`, never `fail`."""
    change = fail_in("addr_refused", "addr", OVNMETA)
    assert graded(ovn, change, "24.0.0")["ovn.metadata-namespace"].status == "error"
