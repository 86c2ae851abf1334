# ruff: noqa: E501  (recorded command output is long lines by nature)
"""Recorded DevStack hosts written from Neutron's own code at its release tags, independent of
tests/data/make_snapshots.py and of the simulated lab: each text block names the upstream
function (openstack/neutron, `git show TAG:PATH`) whose rules or command line it is, in the
form iptables-save / iproute2 / ps / ovs-ofctl print them.

    host = hybrid("15.0.0")                            # a complete host, Train
    host.edit("iptables_save", None, drop="--dport 22")  # one variation: the SSH rule deleted
    host.facts()                                       # grader.facts.Facts of it

Tags: neutron_release_forms.TAGS, 2014.1 = Icehouse (the seed's era) to 24.0.0 = 2024.1; what
changes between them, and from which function, is neutron_release_forms.Forms.
"""

from __future__ import annotations

from host_records import Host
from host_records import lines_of as _lines
from neutron_release_forms import at_least, forms

__all__ = ["Host"]  # re-exported: the tests import it from here

PORT = "5d6c7b8a-1f2e-4d3c-9b8a-7f6e5d4c3b2a"  # the instance's Neutron port
TAP, QBR, QVB, QVO = (f"{kind}{PORT[:11]}" for kind in ("tap", "qbr", "qvb", "qvo"))
I_CHAIN, O_CHAIN, S_CHAIN = (f"neutron-openvswi-{d}{PORT[:10]}" for d in "ios")
ROUTER = "c0ffee00-1234-4abc-8def-0123456789ab"
NETWORK = "be5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
QROUTER, QDHCP = f"qrouter-{ROUTER}", f"qdhcp-{NETWORK}"
QR, QG, DHCP_TAP = "qr-e1f2a3b4-c5", "qg-0a1b2c3d-4e", "tapd4c3b2a1-0f"
FIXED, MAC, FLOATING = "10.1.0.5", "fa:16:3e:5a:6b:7c", "172.24.4.10"
GATEWAY, ROUTER_IP, DHCP_IP = "172.24.4.1", "172.24.4.3", "10.1.0.2"
L3 = "neutron-l3-agent"
SG = "neutron-openvswi"  # iptables_manager: binary name cut to 16 characters
LO_LINK = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
LO_ADDR = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever"
SS_HEAD = "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess"


# --- security groups: neutron/agent/linux/iptables_firewall.py -------------------------------
SG_ID = "e3d2c1b0-a9f8-4e7d-8c6b-5a4f3e2d1c0b"  # the lab's default group (remote group: itself)
MEMBER = "10.1.0.7"  # another member of the group


def remote_group_rule(tag: str) -> str:
    """The default group's `ingress from the group itself` rule: 2014.1 one `-s IP/32` per other
    member (securitygroups_rpc_base._convert_remote_group_id_to_ip_prefix), later an ipset
    (iptables_firewall._generate_ipset_chain / _generate_ipset_rule_args, ipset_manager.get_name:
    prefix + ethertype + id, 2014.2 id[:20], later cut to 29 characters)."""
    prefix = forms(tag).ipset_prefix
    if prefix is None:
        return f"-A {I_CHAIN} -s {MEMBER}/32 -j RETURN"
    name = prefix + (SG_ID[:20] if tag == "2014.2" else SG_ID)
    return f"-A {I_CHAIN} -m set --match-set {name[:29]} src -j RETURN"


def sg_filter(tag: str) -> str:
    """The filter table of a port with the lab's group (SSH and ICMP in, remote group default):
    _add_chain (FORWARD/sg-chain/INPUT jumps), _convert_sgr_to_iptables_rules (INVALID DROP and
    RELATED,ESTABLISHED RETURN, the rules, `-j $sg-fallback`; see neutron_release_forms for
    what moved when), the provider DHCP rule(s) from securitygroups_rpc_base
    _add_ingress_dhcp_rule, _setup_spoof_filter_chain, comment_rule() (comments before `-j`)."""
    form = forms(tag)

    def c(text: str) -> str:
        return f' -m comment --comment "{text}"' if form.comments else ""

    related = f"-A {I_CHAIN} -m state --state RELATED,ESTABLISHED{c('Direct packets associated with a known session to the RETURN chain.')} -j RETURN"
    invalid = f"-A {I_CHAIN} -m state --state INVALID{c('Drop packets that appear related to an existing connection (e.g. TCP ACK/FIN) but do not have an entry in conntrack.')} -j DROP"
    if form.dhcp_from_server:
        user = [f"-A {I_CHAIN} -s {DHCP_IP}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN"]
    else:
        user = [
            f"-A {I_CHAIN} -d {FIXED}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN",
            f"-A {I_CHAIN} -d 255.255.255.255/32 -p udp -m udp --sport 67 --dport 68 -j RETURN",
        ]
    user += [remote_group_rule(tag)]
    user += [f"-A {I_CHAIN} -p tcp -m tcp --dport 22 -j RETURN", f"-A {I_CHAIN} -p icmp -j RETURN"]
    fallback = (
        f"-A {I_CHAIN}{c('Send unmatched traffic to the fallback chain.')} -j {SG}-sg-fallback"
    )
    inbound = [invalid, related, *user] if form.invalid_first else [related, *user, invalid]
    vm = c("Direct traffic from the VM interface to the security group chain.")
    jump = c("Jump to the VM specific chain.")
    chains = ["FORWARD", "INPUT", "OUTPUT", "local", "sg-chain", "sg-fallback"]
    chains += [f"{d}{PORT[:10]}" for d in "ios"]
    return _lines(
        *_raw_zones(tag),
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":neutron-filter-top - [0:0]",
        *(f":{SG}-{name} - [0:0]" for name in chains),
        f"-A INPUT -j {SG}-INPUT",
        "-A FORWARD -j neutron-filter-top",
        f"-A FORWARD -j {SG}-FORWARD",
        "-A OUTPUT -j neutron-filter-top",
        f"-A OUTPUT -j {SG}-OUTPUT",
        f"-A neutron-filter-top -j {SG}-local",
        f"-A {SG}-FORWARD -m physdev --physdev-out {TAP} --physdev-is-bridged{vm} -j {SG}-sg-chain",
        f"-A {SG}-FORWARD -m physdev --physdev-in {TAP} --physdev-is-bridged{vm} -j {SG}-sg-chain",
        f"-A {SG}-INPUT -m physdev --physdev-in {TAP} --physdev-is-bridged{c('Direct incoming traffic from VM to the security group chain.')} -j {O_CHAIN}",
        *inbound,
        fallback,
        f"-A {O_CHAIN} -p udp -m udp --sport 68 --dport 67{c('Allow DHCP client traffic.')} -j RETURN",
        f"-A {O_CHAIN} -j {S_CHAIN}",
        f"-A {O_CHAIN} -p udp -m udp --sport 67 --dport 68{c('Prevent DHCP Spoofing by VM.')} -j DROP",
        f"-A {O_CHAIN} -m state --state RELATED,ESTABLISHED{c('Direct packets associated with a known session to the RETURN chain.')} -j RETURN",
        f"-A {O_CHAIN} -j RETURN",
        f"-A {O_CHAIN} -m state --state INVALID -j DROP",
        f"-A {O_CHAIN} -j {SG}-sg-fallback",
        f"-A {S_CHAIN} -s {FIXED}/32 -m mac --mac-source {MAC.upper()}{c('Allow traffic from defined IP/MAC pairs.')} -j RETURN",
        f"-A {S_CHAIN}{c('Drop traffic without an IP/MAC allow rule.')} -j DROP",
        f"-A {SG}-sg-chain -m physdev --physdev-out {TAP} --physdev-is-bridged{jump} -j {I_CHAIN}",
        f"-A {SG}-sg-chain -m physdev --physdev-in {TAP} --physdev-is-bridged{jump} -j {O_CHAIN}",
        f"-A {SG}-sg-chain -j ACCEPT",
        f"-A {SG}-sg-fallback{c('Default drop rule for unmatched traffic.')} -j DROP",
        "COMMIT",
    )


def _raw_zones(tag: str) -> list[str]:
    """Queens+: _get_jump_rules, a conntrack zone per port in raw PREROUTING (the qvb end matched
    by physdev and -i, the tap by physdev), commented with port['device'][4:] (17.0.0+:
    _get_port_device_name, the whole port id); a stateless group (16.0.0+) gets `Make ...
    stateless` `-j CT --notrack` instead (see `stateless`)."""
    if not forms(tag).ct_zones:
        return []
    device = PORT if at_least(tag, "17.0.0") else PORT[4:]
    zone = f'-m comment --comment "Set zone for {device}" -j CT --zone 4097'
    return [
        "*raw",
        ":PREROUTING ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        f":{SG}-OUTPUT - [0:0]",
        f":{SG}-PREROUTING - [0:0]",
        f"-A PREROUTING -j {SG}-PREROUTING",
        f"-A OUTPUT -j {SG}-OUTPUT",
        f"-A {SG}-PREROUTING -m physdev --physdev-in {QVB} {zone}",
        f"-A {SG}-PREROUTING -i {QVB} {zone}",
        f"-A {SG}-PREROUTING -m physdev --physdev-in {TAP} {zone}",
        "COMMIT",
    ]


def stateless(host: Host) -> Host:
    """The port's group made stateless (`stateful=False`, 16.0.0+ _get_jump_rules): its raw
    rules turn conntrack off; the filter chain stays as it is."""
    text = host.records[("iptables_save", None, None)]["out"]
    for line in [line for line in text.splitlines() if "Set zone for" in line]:
        device = line.split('"Set zone for ')[1].split('"')[0]
        made = line.replace(f"Set zone for {device}", f"Make {device} stateless")
        host.edit("iptables_save", replace=(line, made.replace("--zone 4097", "--notrack")))
    return host


# --- L3 agent: 2014.1/2014.2 neutron/agent/l3_agent.py, later neutron/agent/l3/router_info.py ---
def router_nat(tag: str) -> str:
    """The qrouter's nat table. floating_forward_rules: DNAT in PREROUTING and OUTPUT, SNAT in
    float-snat (before 11.0.0 written `-d IP -j DNAT --to FIXED`, which iptables-save prints as
    below; 15.0.0 adds --random-fully where iptables supports it). metadata_nat_rules (l3_agent.py
    before 2015.1.0: `-s 0.0.0.0/0`, no `-i`; metadata/driver.py after: `-i qr-+`) REDIRECT to
    9697. external_gateway_nat_rules: before 2015.1.0 one SNAT per internal CIDR, then `-o qg-`
    and the conntrack DNAT rule; neutron-postrouting-bottom jumps to snat (iptables_manager)."""
    form = forms(tag)
    fully = " --random-fully" if form.random_fully else ""
    iface = " -i qr-+" if form.metadata_in_qr else ""
    snat = (
        [
            f"-A {L3}-snat -o {QG} -j SNAT --to-source {ROUTER_IP}{fully}",
            f"-A {L3}-snat -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT -j SNAT --to-source {ROUTER_IP}{fully}",
        ]
        if form.snat_on_qg
        else [f"-A {L3}-snat -s 10.1.0.0/24 -j SNAT --to-source {ROUTER_IP}"]
    )
    bottom = (
        ' -m comment --comment "Perform source NAT on outgoing traffic."' if form.comments else ""
    )
    return _lines(
        "*nat",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        *(
            f":{L3}-{c} - [0:0]"
            for c in ("OUTPUT", "POSTROUTING", "PREROUTING", "float-snat", "snat")
        ),
        ":neutron-postrouting-bottom - [0:0]",
        f"-A PREROUTING -j {L3}-PREROUTING",
        f"-A OUTPUT -j {L3}-OUTPUT",
        f"-A POSTROUTING -j {L3}-POSTROUTING",
        "-A POSTROUTING -j neutron-postrouting-bottom",
        f"-A {L3}-OUTPUT -d {FLOATING}/32 -j DNAT --to-destination {FIXED}",
        f"-A {L3}-POSTROUTING ! -i {QG} ! -o {QG} -m conntrack ! --ctstate DNAT -j ACCEPT",
        f"-A {L3}-PREROUTING -d 169.254.169.254/32{iface} -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697",
        f"-A {L3}-PREROUTING -d {FLOATING}/32 -j DNAT --to-destination {FIXED}",
        f"-A {L3}-float-snat -s {FIXED}/32 -j SNAT --to-source {FLOATING}{fully}",
        f"-A {L3}-snat -j {L3}-float-snat",
        *snat,
        f"-A neutron-postrouting-bottom{bottom} -j {L3}-snat",
        "COMMIT",
    )


# --- DHCP agent: neutron/agent/linux/dhcp.py Dnsmasq._build_cmdline_callback ------------------
def dnsmasq_args(tag: str) -> str:
    """The command line as `ps` prints it. Before 8.0.0: --no-resolv, --bind-interfaces
    --interface=<tap> --except-interface=lo, --leasefile-ro (2015.1.0 adds
    --dhcp-authoritative); 8.0.0+: _no_resolv empty with DevStack's settings (two spaces in
    `ps`), --dhcp-leasefile, --dhcp-match; 14.0.0: --local-service, no --interface; 15.0.0+:
    --bind-dynamic. The range: netmask from 11.0.0, `subnet-<id>` tag from 16.0.0."""
    form = forms(tag)
    base = f"/opt/stack/data/neutron/dhcp/{NETWORK}"
    files = (
        f"--pid-file={base}/pid --dhcp-hostsfile={base}/host --addn-hosts={base}/addn_hosts "
        f"--dhcp-optsfile={base}/opts"
    )
    bind = f"--bind-interfaces --interface={DHCP_TAP}"
    if tag.startswith("201"):
        head = f"dnsmasq --no-hosts --no-resolv --strict-order {bind} --except-interface=lo {files} --leasefile-ro"
        head += " --dhcp-authoritative" if tag == "2015.1.0" else ""
    elif form.dnsmasq_interface:
        head = f"dnsmasq --no-hosts  --strict-order --except-interface=lo {files} --dhcp-leasefile={base}/leases --dhcp-match=set:ipxe,175 {bind}"
    else:
        bind = "--bind-dynamic" if form.dnsmasq_bind_dynamic else "--bind-interfaces"
        head = f"dnsmasq --no-hosts  {files} --dhcp-leasefile={base}/leases --dhcp-match=set:ipxe,175 --dhcp-userclass=set:ipxe6,iPXE --local-service {bind}"
    netmask = ",255.255.255.0" if form.dhcp_range_netmask else ""
    range_tag = (
        "subnet-7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d" if form.dhcp_range_subnet_tag else "tag0"
    )
    mtu = "" if tag.startswith("201") else " --dhcp-option-force=option:mtu,1450"
    conf = "--conf-file=" if tag.startswith("201") else "--conf-file=/dev/null"
    return (
        f"{head} --dhcp-range=set:{range_tag},10.1.0.0,static{netmask},86400s{mtu} "
        f"--dhcp-lease-max=256 {conf} --domain=openstacklocal"
    )


def _link(index: int, name: str, rest: str, mac: str) -> str:
    return f"{index}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 {rest} mode DEFAULT group default qlen 1000\\    link/ether {mac} brd ff:ff:ff:ff:ff:ff"


def _addr(index: int, name: str, cidr: str) -> str:
    return f"{index}: {name}    inet {cidr} scope global {name}\\       valid_lft forever preferred_lft forever"


def _namespaces(host: Host, tag: str, proxy: str) -> None:
    """qrouter- and qdhcp- as the L3 and DHCP agents leave them (interface drivers: qr-/qg- +
    11 characters of the port id; the router's default route via the external gateway)."""
    host.put("link", _lines(LO_LINK, _link(20, QR, "qdisc noqueue state UNKNOWN", "fa:16:3e:00:00:01"),
                            _link(21, QG, "qdisc noqueue state UNKNOWN", "fa:16:3e:00:00:02")), QROUTER)  # fmt: skip
    host.put("addr", _lines(LO_ADDR, _addr(20, QR, "10.1.0.1/24 brd 10.1.0.255"),
                            _addr(21, QG, f"{ROUTER_IP}/24 brd 172.24.4.255"),
                            _addr(21, QG, f"{FLOATING}/32 brd {FLOATING}")), QROUTER)  # fmt: skip
    static = " proto static" if forms(tag).proto_static else ""  # Train: pyroute2 routes
    host.put("route", _lines(f"default via {GATEWAY} dev {QG}{static}",
                             f"10.1.0.0/24 dev {QR} proto kernel scope link src 10.1.0.1",
                             f"172.24.4.0/24 dev {QG} proto kernel scope link src {ROUTER_IP}"), QROUTER)  # fmt: skip
    host.put("iptables_save", router_nat(tag), QROUTER)
    host.put("listeners", _lines(SS_HEAD, _proxy_listener(tag, proxy)), QROUTER)
    host.put("netns_pids", "2301\n", arg=QROUTER)
    host.put("link", _lines(LO_LINK, _link(30, DHCP_TAP, "qdisc noqueue state UNKNOWN", "fa:16:3e:00:00:03")), QDHCP)  # fmt: skip
    host.put("addr", _lines(LO_ADDR, _addr(30, DHCP_TAP, f"{DHCP_IP}/24 brd 10.1.0.255")), QDHCP)
    host.put("route", _lines(f"10.1.0.0/24 dev {DHCP_TAP} proto kernel scope link src {DHCP_IP}"), QDHCP)  # fmt: skip
    host.put("iptables_save", "", QDHCP)
    host.put("listeners", _lines(SS_HEAD, f'LISTEN 0      32          {DHCP_IP}:53      0.0.0.0:*    users:(("dnsmasq",pid=2201,fd=5))'), QDHCP)  # fmt: skip
    host.put("netns_pids", "2201\n", arg=QDHCP)
    host.put("netns_list", f"{QROUTER} (id: 1)\n{QDHCP} (id: 0)\n")
    host.put("netns_skipped", "")
    host.put("netns_identify", f"{QDHCP}\n", arg="2201")
    host.put("netns_identify", f"{QROUTER}\n", arg="2301")


def _proxy_listener(tag: str, proxy: str) -> str:
    """`ss -ltnp`: iproute2 3.x (Ubuntu 14.04) printed users:(("name",pid,fd)); haproxy binds
    `::` from 17.0.0 on where IPv6 is enabled (ss: `*:9697`)."""
    if tag.startswith("2014"):
        return f'LISTEN     0      128                       *:9697                     *:*      users:(("{proxy}",2301,6))'
    where = "*" if forms(tag).haproxy_on_any6 else "0.0.0.0"
    return f'LISTEN 0      128          {where}:9697      {where}:*    users:(("{proxy}",pid=2301,fd=6))'


def hybrid(tag: str = "15.0.0") -> Host:
    """ML2/OVS with the iptables_hybrid firewall, as the seed's lab builds it. Devices: nova's
    hybrid plug (tap and qvb on qbr, qvb/qvo a veth pair, qvo on br-int) named by
    neutron's get_*_name (prefix + port id)[:14]. ip -o link shows veths as `qvb...@qvo...`
    from Linux 4.1 on (the pre-4.1 form, without @peer, is a variation of its own)."""
    proxy = "haproxy" if forms(tag).haproxy else "python"
    metadata = (
        f"haproxy -f /opt/stack/data/neutron/ns-metadata-proxy/{ROUTER}.conf"
        if forms(tag).haproxy
        else f"/usr/bin/python /usr/local/bin/neutron-ns-metadata-proxy --pid_file=/opt/stack/data/neutron/external/pids/{ROUTER}.pid --metadata_proxy_socket=/opt/stack/data/neutron/metadata_proxy --router_id={ROUTER} --state_path=/opt/stack/data/neutron --metadata_port=9697"
    )
    host = Host()
    host.put("hostname", "devstack\n").put("id_u", "0\n")
    host.put("link", _lines(
        LO_LINK,
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\\    link/ether 52:54:00:aa:bb:cc brd ff:ff:ff:ff:ff:ff",
        _link(8, QBR, "qdisc noqueue state UP", "6a:1b:2c:3d:4e:5f"),
        _link(9, f"{QVO}@{QVB}", "qdisc noqueue master ovs-system state UP", "7a:1b:2c:3d:4e:5f"),
        _link(10, f"{QVB}@{QVO}", f"qdisc noqueue master {QBR} state UP", "8a:1b:2c:3d:4e:5f"),
        _link(11, TAP, f"qdisc fq_codel master {QBR} state UNKNOWN", "fe:16:3e:5a:6b:7c"),
    ))  # fmt: skip
    host.put("addr", _lines(LO_ADDR, _addr(2, "eth0", "192.168.122.10/24 brd 192.168.122.255")))
    host.put("route", "default via 192.168.122.1 dev eth0\n")
    host.put("iptables_save", sg_filter(tag))
    host.put("iptables_legacy_save", "", rc=127, err="iptables-legacy-save: not found\n")
    host.put("iptables_nft_save", "", rc=127, err="iptables-nft-save: not found\n")
    host.put("processes", _lines(
        "    PID COMMAND",
        "   1100 /usr/bin/python /usr/local/bin/neutron-openvswitch-agent --config-file /etc/neutron/neutron.conf",
        f"   2201 {dnsmasq_args(tag)}",
        f"   2301 {metadata}",
    ))  # fmt: skip
    # ovs-vsctl list-br / list-ports: sorted, without the bridge's own port; qg- on br-ex before
    # Newton (external_network_bridge), else on br-int with the int-br-ex/phy-br-ex patch
    on_ex = forms(tag).qg_on_br_ex
    br_int = sorted(["patch-tun", QR, DHCP_TAP, QVO, *([] if on_ex else ["int-br-ex", QG])])
    host.put("ovs_list_br", "br-ex\nbr-int\nbr-tun\n")
    host.put("ovs_list_ports", _lines(*([QG] if on_ex else ["phy-br-ex"])), arg="br-ex")
    host.put("ovs_list_ports", _lines(*br_int), arg="br-int")
    host.put("ovs_list_ports", "patch-int\n", arg="br-tun")
    host.put("ovs_external_ids", '{hostname=devstack, system-id="3c2b1a09"}\n')
    host.put("ovs_flows_br_int", " cookie=0x0, duration=99.1s, table=0, n_packets=5, n_bytes=420, idle_age=1, priority=1 actions=NORMAL\n")  # fmt: skip
    host.put("ovs_ofctl_show_br_int", "OFPT_FEATURES_REPLY (xid=0x2): dpid:0000aabbccddeeff\n")
    host.put("ovn_nb_show", "", rc=127, err="ovn-nbctl: not found\n")
    _namespaces(host, tag, proxy)
    return host
