# ruff: noqa: E501  (recorded command output is long lines by nature)
"""Recorded hosts of the other backends, written from Neutron's code like neutron_host.hybrid:
the OVS agent with the native firewall (15.0.0) and ML2/OVN (24.0.0).

    host = native()                 # br-int's flows for the instance's port
    host = ovn()                    # northbound rows, the ovnmeta- namespace
"""

from __future__ import annotations

from neutron_host import (
    DHCP_TAP,
    FIXED,
    FLOATING,
    GATEWAY,
    LO_ADDR,
    LO_LINK,
    MAC,
    NETWORK,
    PORT,
    QG,
    QR,
    QVO,
    ROUTER,
    ROUTER_IP,
    SS_HEAD,
    TAP,
    Host,
    _addr,
    _lines,
    _link,
    hybrid,
)

# --- native OVS firewall: neutron/agent/linux/openvswitch_firewall/firewall.py, rules.py --------
OFPORT = 7  # the instance's tap on br-int: reg5=0x7 (REG_PORT), its network's zone in reg6
SG_ID = "e3d2c1b0-a9f8-4e7d-8c6b-5a4f3e2d1c0b"


def flow(table: int, match: str, actions: str) -> str:
    return f" cookie=0x5e1f0a3b2c4d6e7f, duration=120.3s, table={table}, n_packets=0, n_bytes=0, idle_age=120, priority={match} actions={actions}"


def native_flows() -> str:
    """br-int of 15.0.0 for the instance's port with the lab's group, as ovs-ofctl prints it.
    _initialize_egress / _initialize_ingress (tables 71, 81: ARP, DHCP, conntrack), the
    table-wide `ct_state=+trk+inv` drops of _initialize_tracked_egress/_ingress (no reg5: one
    flow for all ports), rules.create_flows_from_rule_and_port + create_accept_flows for
    tcp/22 (priority 70+4+3) and icmp (70+4+1) ingress, and egress IPv4 to anywhere."""
    p, zone = f"reg5={hex(OFPORT)}", "zone=NXM_NX_REG6[0..15]"
    return _lines(
        flow(0, "0", "resubmit(,60)"),
        flow(60, f"100,in_port={OFPORT}", f"load:{hex(OFPORT)}->NXM_NX_REG5[],load:0x1->NXM_NX_REG6[],resubmit(,71)"),
        flow(60, f"90,dl_vlan=1,dl_dst={MAC}", f"load:{hex(OFPORT)}->NXM_NX_REG5[],load:0x1->NXM_NX_REG6[],strip_vlan,resubmit(,81)"),
        flow(60, "3", "NORMAL"),
        flow(71, f"95,arp,{p},in_port={OFPORT},dl_src={MAC},arp_spa={FIXED}", "resubmit(,94)"),
        flow(71, f"80,udp,{p},in_port={OFPORT},tp_src=68,tp_dst=67", "resubmit(,73)"),
        flow(71, f"65,ip,{p},in_port={OFPORT},dl_src={MAC},nw_src={FIXED}", f"ct(table=72,{zone})"),
        flow(71, f"10,{p},in_port={OFPORT}", "resubmit(,93)"),
        flow(72, "50,ct_state=+inv+trk", "resubmit(,93)"),
        flow(72, f"74,ct_state=+new-est,ip,{p}", "resubmit(,73)"),
        flow(81, f"100,arp,{p}", f"output:{OFPORT}"),
        flow(81, f"95,udp,{p},tp_src=67,tp_dst=68", f"output:{OFPORT}"),
        flow(81, f"90,ct_state=-trk,ip,{p}", f"ct(table=82,{zone})"),
        flow(81, f"80,ct_state=+trk,{p}", "resubmit(,82)"),
        flow(82, "50,ct_state=+inv+trk", "resubmit(,93)"),
        flow(82, f"50,ct_mark=0x1,{p}", "resubmit(,93)"),
        flow(82, f"50,ct_state=+est-rel+rpl,ct_zone=1,ct_mark=0,{p}", f"output:{OFPORT}"),
        flow(82, f"50,ct_state=-new-est+rel-inv,ct_zone=1,ct_mark=0,{p}", f"output:{OFPORT}"),
        flow(82, f"40,ct_state=-est,{p}", "resubmit(,93)"),
        flow(82, f"77,ct_state=+est-rel-rpl,tcp,{p},tp_dst=22", f"output:{OFPORT}"),
        flow(82, f"77,ct_state=+new-est,tcp,{p},tp_dst=22", f"ct(commit,{zone}),output:{OFPORT},resubmit(,92)"),
        flow(82, f"75,ct_state=+est-rel-rpl,icmp,{p}", f"output:{OFPORT}"),
        flow(82, f"75,ct_state=+new-est,icmp,{p}", f"ct(commit,{zone}),output:{OFPORT},resubmit(,92)"),
        flow(93, "0", "drop"),
    )  # fmt: skip


def _ofctl_show(ports: dict[int, str]) -> str:
    """`ovs-ofctl show br-int`: one ` N(name): addr:...` block per port."""
    blocks = [f" {n}({name}): addr:aa:bb:cc:00:00:{n:02x}\n     config:     0\n     state:      0\n" for n, name in sorted(ports.items())]  # fmt: skip
    return "OFPT_FEATURES_REPLY (xid=0x2): dpid:0000aabbccddeeff\n" + "".join(blocks)


def native(tag: str = "15.0.0") -> Host:
    """The OVS agent with firewall_driver = openvswitch (DevStack's default from Rocky): the
    tap sits on br-int itself (os-vif plugs it there, no qbr/qvb/qvo), no iptables chains."""
    host = hybrid(tag)
    host.put("link", _lines(
        LO_LINK,
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\\    link/ether 52:54:00:aa:bb:cc brd ff:ff:ff:ff:ff:ff",
        _link(11, TAP, "qdisc fq_codel master ovs-system state UNKNOWN", "fe:16:3e:5a:6b:7c"),
    ))  # fmt: skip
    host.put("iptables_save", _lines("*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT"))  # fmt: skip
    host.edit("ovs_list_ports", arg="br-int", replace=(f"{QVO}\n", "")).edit("ovs_list_ports", arg="br-int", add=TAP)  # fmt: skip
    host.put("ovs_flows_br_int", native_flows())
    host.put("ovs_ofctl_show_br_int", _ofctl_show({1: "int-br-ex", 2: "patch-tun", 3: QG, 4: QR, 5: DHCP_TAP, OFPORT: TAP}))  # fmt: skip
    return host


# --- ML2/OVN, 24.0.0: neutron/common/ovn/acl.py, ovn_client.py, agent/ovn/metadata/agent.py ----
PG = "pg_" + SG_ID.replace("-", "_")  # utils.ovn_port_group_name
OVNMETA = f"ovnmeta-{NETWORK}"
META_ROOT, META_NS = f"tap{NETWORK[:10]}0", f"tap{NETWORK[:10]}1"  # MetadataAgent._get_veth_name
LSP, LRP_IN, LRP_EX = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", "1e2f3a4b-5c6d-4e7f-8091-a2b3c4d5e6f7", "2f3a4b5c-6d7e-4f80-91a2-b3c4d5e6f708"  # fmt: skip
DHCP_ROW, ROUTER_ROW = (
    "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f70819",
    "4b5c6d7e-8f90-41a2-b3c4-d5e6f708192a",
)
ACL_SSH, ACL_ICMP, ACL_GROUP, ACL_EGRESS = (f"5c6d7e8f-90a1-42b3-c4d5-e6f70819{n:04x}" for n in range(4))  # fmt: skip
ACL_DROP_IN, ACL_DROP_OUT = (
    "6d7e8f90-a1b2-43c4-d5e6-f708192a3b4c",
    "7e8f90a1-b2c3-44d5-e6f7-08192a3b4c5d",
)
NAT_FIP, NAT_SNAT, ROUTE = "8f90a1b2-c3d4-45e6-f708-192a3b4c5d6e", "90a1b2c3-d4e5-46f7-0819-2a3b4c5d6e7f", "a1b2c3d4-e5f6-4708-192a-3b4c5d6e7f80"  # fmt: skip


def _rows(*rows: dict[str, str]) -> str:
    """`ovn-nbctl list TABLE`: `column : value` lines (padded to 20), a blank line between rows."""
    return "\n".join("".join(f"{k:<20}: {v}\n" for k, v in row.items()) for row in rows)


def _acl(uuid: str, direction: str, priority: int, match: str, action: str) -> dict[str, str]:
    return {"_uuid": uuid, "action": action, "direction": direction, "external_ids": "{}",
            "log": "false", "match": f'"{match}"', "priority": str(priority)}  # fmt: skip


def northbound() -> dict[str, str]:
    """The tables the gather lists. ACLs as acl._add_sg_rule_acl_for_port_group builds them
    (acl_direction + acl_ethertype + acl_remote_ip_prefix/acl_remote_group_id +
    acl_protocol_and_ports; priority ACL_PRIORITY_ALLOW 1002, allow-related), the drop group's
    from add_acls_for_drop_port_group (1001, `outport == @neutron_pg_drop && ip`); NAT rows of
    _create_or_update_floatingip (dnat_and_snat) and the router gateway's snat; the default
    route of the gateway (_add_router_ext_gw), DHCP_Options of the subnet (_get_ovn_dhcpv4_opts)."""
    ingress = f"outport == @{PG} && ip4"
    return {
        "ovn_nb_show": f"switch 0a0b0c0d-0000-4000-8000-000000000001 (neutron-{NETWORK})\n    port {PORT}\n        addresses: [\"{MAC} {FIXED}\"]\nrouter 0a0b0c0d-0000-4000-8000-000000000002 (neutron-{ROUTER})\n",
        "ovn_nb_acl": _rows(
            _acl(ACL_SSH, "to-lport", 1002, f"{ingress} && ip4.src == 0.0.0.0/0 && tcp && tcp.dst == 22", "allow-related"),
            _acl(ACL_ICMP, "to-lport", 1002, f"{ingress} && ip4.src == 0.0.0.0/0 && icmp4", "allow-related"),
            _acl(ACL_GROUP, "to-lport", 1002, f"{ingress} && ip4.src == ${PG}_ip4", "allow-related"),
            _acl(ACL_EGRESS, "from-lport", 1002, f"inport == @{PG} && ip4", "allow-related"),
            _acl(ACL_DROP_IN, "from-lport", 1001, "inport == @neutron_pg_drop && ip", "drop"),
            _acl(ACL_DROP_OUT, "to-lport", 1001, "outport == @neutron_pg_drop && ip", "drop"),
        ),
        "ovn_nb_port_group": _rows(
            {"_uuid": "b2c3d4e5-0000-4000-8000-000000000001", "acls": f"[{ACL_DROP_IN}, {ACL_DROP_OUT}]", "name": "neutron_pg_drop", "ports": f"[{LSP}]"},
            {"_uuid": "b2c3d4e5-0000-4000-8000-000000000002", "acls": f"[{ACL_EGRESS}, {ACL_GROUP}, {ACL_ICMP}, {ACL_SSH}]", "name": PG, "ports": f"[{LSP}]"},
        ),
        "ovn_nb_switch_port": _rows(
            {"_uuid": LSP, "addresses": f'["{MAC} {FIXED}"]', "dhcpv4_options": DHCP_ROW, "name": f'"{PORT}"', "type": '""'},
            {"_uuid": "c3d4e5f6-0000-4000-8000-000000000001", "addresses": '["fa:16:3e:00:00:03 10.1.0.2"]', "dhcpv4_options": "[]", "name": '"d4c3b2a1-0f0e-4d0c-8b0a-090807060504"', "type": "localport"},
        ),
        "ovn_nb_router": _rows(
            {"_uuid": ROUTER_ROW, "name": f"neutron-{ROUTER}", "nat": f"[{NAT_FIP}, {NAT_SNAT}]", "ports": f"[{LRP_EX}, {LRP_IN}]", "static_routes": f"[{ROUTE}]"},
        ),
        "ovn_nb_router_port": _rows(
            {"_uuid": LRP_IN, "mac": '"fa:16:3e:00:00:01"', "name": "lrp-e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7", "networks": '["10.1.0.1/24"]'},
            {"_uuid": LRP_EX, "mac": '"fa:16:3e:00:00:02"', "name": "lrp-0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3", "networks": f'["{ROUTER_IP}/24"]'},
        ),
        "ovn_nb_route": _rows({"_uuid": ROUTE, "ip_prefix": '"0.0.0.0/0"', "nexthop": f'"{GATEWAY}"', "output_port": "[]"}),
        "ovn_nb_nat": _rows(
            {"_uuid": NAT_FIP, "external_ip": f'"{FLOATING}"', "logical_ip": f'"{FIXED}"', "logical_port": f'"{PORT}"', "type": "dnat_and_snat"},
            {"_uuid": NAT_SNAT, "external_ip": f'"{ROUTER_IP}"', "logical_ip": '"10.1.0.0/24"', "type": "snat"},
        ),
        "ovn_nb_dhcp": _rows(
            {"_uuid": DHCP_ROW, "cidr": '"10.1.0.0/24"', "options": '{dns_server="{8.8.8.8}", lease_time="43200", mtu="1442", router="10.1.0.1", server_id="10.1.0.1", server_mac="fa:16:3e:00:00:09"}'},
        ),
    }  # fmt: skip


def ovn(tag: str = "24.0.0") -> Host:
    """ML2/OVN (DevStack's default from Xena): the tap on br-int, no qrouter/qdhcp, the
    metadata agent's ovnmeta-<network> with its veth and haproxy on 169.254.169.254:80."""
    host = native()
    for key in [k for k in host.records if k[1] or k[0] in ("netns_pids", "netns_identify")]:
        del host.records[key]
    host.put("link", _lines(
        LO_LINK,
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\\    link/ether 52:54:00:aa:bb:cc brd ff:ff:ff:ff:ff:ff",
        _link(11, TAP, "qdisc fq_codel master ovs-system state UNKNOWN", "fe:16:3e:5a:6b:7c"),
        f"40: {META_ROOT}@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1442 qdisc noqueue master ovs-system state UP mode DEFAULT group default qlen 1000\\    link/ether 5e:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netns {OVNMETA}",
    ))  # fmt: skip
    host.put("processes", _lines(
        "    PID COMMAND",
        "   1300 ovn-controller unix:/var/run/openvswitch/db.sock -vconsole:emer -vsyslog:err -vfile:info",
        "   1400 /usr/bin/python3 /usr/local/bin/neutron-ovn-metadata-agent --config-file /etc/neutron/neutron_ovn_metadata_agent.ini",
        f"   1401 haproxy -f /opt/stack/data/neutron/ovn-metadata-proxy/{NETWORK}.conf",
    ))  # fmt: skip
    host.put("ovs_list_br", "br-ex\nbr-int\n")
    host.put("ovs_list_ports", "patch-provnet-1-to-br-int\n", arg="br-ex")
    host.put("ovs_list_ports", _lines(META_ROOT, "patch-br-int-to-provnet-1", TAP), arg="br-int")
    host.without("ovs_list_ports", arg="br-tun")
    host.put("ovs_external_ids", '{hostname=devstack, ovn-bridge-mappings="public:br-ex", ovn-encap-ip="192.168.122.10", ovn-encap-type=geneve, ovn-remote="tcp:192.168.122.10:6642", system-id="3c2b1a09"}\n')  # fmt: skip
    host.put("ovs_flows_br_int", " cookie=0x0, duration=99.1s, table=0, n_packets=5, n_bytes=420, priority=100,in_port=7 actions=load:0x1->NXM_NX_REG13[0..15],resubmit(,8)\n")  # fmt: skip
    host.put("ovs_ofctl_show_br_int", _ofctl_show({1: "patch-br-int-to-provnet-1", 2: META_ROOT, OFPORT: TAP}))  # fmt: skip
    for key, text in northbound().items():
        host.put(key, text)
    host.put("netns_list", f"{OVNMETA} (id: 0)\n")
    host.put("link", _lines(LO_LINK, f"2: {META_NS}@if40: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1442 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether fa:16:3e:00:00:03 brd ff:ff:ff:ff:ff:ff link-netnsid 0"), OVNMETA)  # fmt: skip
    host.put("addr", _lines(LO_ADDR, _addr(2, META_NS, "169.254.169.254/32"), _addr(2, META_NS, "10.1.0.2/24 brd 10.1.0.255")), OVNMETA)  # fmt: skip
    host.put("route", f"10.1.0.0/24 dev {META_NS} proto kernel scope link src 10.1.0.2\n", OVNMETA)
    host.put("iptables_save", "", OVNMETA)
    host.put("listeners", _lines(SS_HEAD, 'LISTEN 0      1024   169.254.169.254:80        0.0.0.0:*    users:(("haproxy",pid=1401,fd=7))'), OVNMETA)  # fmt: skip
    host.put("netns_pids", "1401\n", arg=OVNMETA)
    host.put("netns_identify", f"{OVNMETA}\n", arg="1401")
    return host
