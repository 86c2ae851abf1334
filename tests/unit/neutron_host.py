# ruff: noqa: E501  (recorded command output is long lines by nature)
"""Recorded DevStack hosts written from Neutron's own code at its release tags, independent of
tests/data/make_snapshots.py and of the simulated lab: each text block names the upstream
function (openstack/neutron, `git show TAG:PATH`) whose rules or command line it is, in the
form iptables-save / iproute2 / ps / ovs-ofctl print them.

    host = hybrid("15.0.0")                            # a complete host, Train
    host.edit("iptables_save", None, drop="--dport 22")  # one variation: the SSH rule deleted
    host.facts()                                       # grader.facts.Facts of it

Tags: 2014.1 = Icehouse (the seed's era), 15.0.0 = Train, 24.0.0 = 2024.1.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from grader.facts import Facts, build_facts
from grader.snapshot import Snapshot

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


@dataclass
class Host:
    """A snapshot's records: (key, ns, arg) -> {rc, out, err}, edited one variation at a time."""

    records: dict[tuple[str, str | None, str | None], dict[str, Any]] = field(default_factory=dict)

    def put(self, key: str, out: str = "", ns: str | None = None, arg: str | None = None,
            rc: int = 0, err: str = "") -> Host:  # fmt: skip
        self.records[(key, ns, arg)] = {"rc": rc, "out": out, "err": err}
        return self

    def edit(self, key: str, ns: str | None = None, arg: str | None = None, *,
             drop: str | None = None, add: str | None = None, after: str | None = None,
             replace: tuple[str, str] | None = None) -> Host:  # fmt: skip
        """Lines containing DROP removed; ADD inserted after the first line containing AFTER
        (else appended before a final COMMIT); REPLACE (old, new) on the whole text."""
        record = self.records[(key, ns, arg)]
        lines = record["out"].splitlines()
        if drop is not None:
            lines = [line for line in lines if drop not in line]
        if add is not None:
            at = next((n + 1 for n, line in enumerate(lines) if after and after in line), None)
            if at is None:
                at = len(lines) - 1 if lines and lines[-1] == "COMMIT" else len(lines)
            lines.insert(at, add)
        text = "".join(f"{line}\n" for line in lines)
        if replace is not None:
            assert replace[0] in text, f"{replace[0]!r} not in {key} {ns}"
            text = text.replace(*replace)
        record["out"] = text
        return self

    def fail(self, key: str, ns: str | None = None, arg: str | None = None,
             err: str = "Operation not permitted", rc: int = 1) -> Host:  # fmt: skip
        """The command ran and failed (refused: no root, `ip netns exec` denied, ...)."""
        self.records[(key, ns, arg)] = {"rc": rc, "out": "", "err": err}
        return self

    def without(self, key: str, ns: str | None = None, arg: str | None = None) -> Host:
        del self.records[(key, ns, arg)]
        return self

    def copy(self) -> Host:
        return Host(copy.deepcopy(self.records))

    def snapshot(self) -> Snapshot:
        records = [
            {"key": k, "ns": ns, "arg": arg, "truncated": False, **value}
            for (k, ns, arg), value in self.records.items()
        ]
        doc = {"format": "labgrade-snapshot/1", "complete": True, "records": records}
        return Snapshot.from_dict(doc, "neutron_host")

    def facts(self) -> Facts:
        return build_facts(self.snapshot())


def _lines(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


# --- security groups: neutron/agent/linux/iptables_firewall.py -------------------------------
def sg_filter(tag: str) -> str:
    """The filter table of a port with the lab's group (SSH and ICMP in, remote group default).
    2014.1: _add_chain (FORWARD/sg-chain/INPUT jumps), _convert_sgr_to_iptables_rules (INVALID
    DROP, RELATED,ESTABLISHED RETURN first, then the rules, then `-j $sg-fallback`), the DHCP
    rule `-s <dhcp server>/32 --sport 67 --dport 68` from the server's provider rules, the
    remote group member as `-s IP/32` (no ipset). 15.0.0: comment_rule() puts
    iptables_comments before `-j`; RELATED,ESTABLISHED first, INVALID DROP after the rules;
    ipset `-m set --match-set NIPv4<sg> src`; DHCP replies `-d IP/32` and 255.255.255.255."""
    train = tag != "2014.1"

    def c(text: str) -> str:
        return f' -m comment --comment "{text}"' if train else ""

    related = f"-A {I_CHAIN} -m state --state RELATED,ESTABLISHED{c('Direct packets associated with a known session to the RETURN chain.')} -j RETURN"
    invalid = f"-A {I_CHAIN} -m state --state INVALID{c('Drop packets that appear related to an existing connection (e.g. TCP ACK/FIN) but do not have an entry in conntrack.')} -j DROP"
    if train:
        user = [
            f"-A {I_CHAIN} -d {FIXED}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN",
            f"-A {I_CHAIN} -d 255.255.255.255/32 -p udp -m udp --sport 67 --dport 68 -j RETURN",
            f"-A {I_CHAIN} -m set --match-set NIPv4e3d2c1b0-a9f8-4e7d-8c6b-5a4f3e2d1c0b src -j RETURN",
        ]
    else:
        user = [
            f"-A {I_CHAIN} -s {DHCP_IP}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN",
            f"-A {I_CHAIN} -s {FIXED}/32 -j RETURN",
        ]
    user += [f"-A {I_CHAIN} -p tcp -m tcp --dport 22 -j RETURN", f"-A {I_CHAIN} -p icmp -j RETURN"]
    fallback = (
        f"-A {I_CHAIN}{c('Send unmatched traffic to the fallback chain.')} -j {SG}-sg-fallback"
    )
    inbound = [related, *user, invalid, fallback] if train else [invalid, related, *user, fallback]
    vm = c("Direct traffic from the VM interface to the security group chain.")
    jump = c("Jump to the VM specific chain.")
    chains = ["FORWARD", "INPUT", "OUTPUT", "local", "sg-chain", "sg-fallback"]
    chains += [f"{d}{PORT[:10]}" for d in "ios"]
    return _lines(
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


# --- L3 agent: 2014.1 neutron/agent/l3_agent.py, 15.0.0 neutron/agent/l3/router_info.py ------
def router_nat(tag: str) -> str:
    """The qrouter's nat table. floating_forward_rules: DNAT in PREROUTING and OUTPUT, SNAT in
    float-snat (2014.1 wrote `-d IP -j DNAT --to FIXED`, which iptables-save prints as below;
    15.0.0 adds --random-fully where iptables supports it). metadata_nat_rules (2014.1
    l3_agent.py: no `-i`; 15.0.0 metadata/driver.py: `-i qr-+`) REDIRECT to 9697.
    external_gateway_nat_rules: 2014.1 one SNAT per internal CIDR, 15.0.0 `-o qg-` and the
    conntrack DNAT rule; neutron-postrouting-bottom jumps to snat (iptables_manager)."""
    train = tag != "2014.1"
    fully = " --random-fully" if train else ""
    iface = " -i qr-+" if train else ""
    snat = (
        [
            f"-A {L3}-snat -o {QG} -j SNAT --to-source {ROUTER_IP}{fully}",
            f"-A {L3}-snat -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT -j SNAT --to-source {ROUTER_IP}{fully}",
        ]
        if train
        else [f"-A {L3}-snat -s 10.1.0.0/24 -j SNAT --to-source {ROUTER_IP}"]
    )
    bottom = ' -m comment --comment "Perform source NAT on outgoing traffic."' if train else ""
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
    base = f"/opt/stack/data/neutron/dhcp/{NETWORK}"
    if tag == "2014.1":  # --interface and --except-interface=lo, a tag per subnet index
        return (
            f"dnsmasq --no-hosts --no-resolv --strict-order --bind-interfaces --interface={DHCP_TAP} "
            f"--except-interface=lo --pid-file={base}/pid --dhcp-hostsfile={base}/host "
            f"--addn-hosts={base}/addn_hosts --dhcp-optsfile={base}/opts --leasefile-ro "
            "--dhcp-range=set:tag0,10.1.0.0,static,86400s --dhcp-lease-max=256 --conf-file= "
            "--domain=openstacklocal"
        )
    # 15.0.0: no --interface (bind-dynamic, local-service), subnet-<id> tags, netmask
    return (
        f"dnsmasq --no-hosts  --pid-file={base}/pid --dhcp-hostsfile={base}/host "
        f"--addn-hosts={base}/addn_hosts --dhcp-optsfile={base}/opts --dhcp-leasefile={base}/leases "
        "--dhcp-match=set:ipxe,175 --dhcp-userclass=set:ipxe6,iPXE --local-service --bind-dynamic "
        "--dhcp-range=set:subnet-7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d,10.1.0.0,static,255.255.255.0,86400s "
        "--dhcp-option-force=option:mtu,1450 --dhcp-lease-max=256 --conf-file=/dev/null --domain=openstacklocal"
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
    static = " proto static" if tag != "2014.1" else ""  # Train: pyroute2 routes
    host.put("route", _lines(f"default via {GATEWAY} dev {QG}{static}",
                             f"10.1.0.0/24 dev {QR} proto kernel scope link src 10.1.0.1",
                             f"172.24.4.0/24 dev {QG} proto kernel scope link src {ROUTER_IP}"), QROUTER)  # fmt: skip
    host.put("iptables_save", router_nat(tag), QROUTER)
    host.put("listeners", _lines(SS_HEAD, f'LISTEN 0      128          0.0.0.0:9697      0.0.0.0:*    users:(("{proxy}",pid=2301,fd=6))'), QROUTER)  # fmt: skip
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


def hybrid(tag: str = "15.0.0") -> Host:
    """ML2/OVS with the iptables_hybrid firewall, as the seed's lab builds it. Devices: nova's
    hybrid plug (tap and qvb on qbr, qvb/qvo a veth pair, qvo on br-int) named by
    neutron's get_*_name (prefix + port id)[:14]. ip -o link shows veths as `qvb...@qvo...`
    from Linux 4.1 on (the pre-4.1 form, without @peer, is a variation of its own)."""
    proxy = "haproxy" if tag != "2014.1" else "python"
    metadata = (
        f"haproxy -f /opt/stack/data/neutron/ns-metadata-proxy/{ROUTER}.conf"
        if tag != "2014.1"
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
    # ovs-vsctl list-br / list-ports: sorted, without the bridge's own port; qg- on br-ex (2014.1)
    on_ex = tag == "2014.1"
    br_int = sorted(["int-br-ex", "patch-tun", QR, DHCP_TAP, QVO, *([] if on_ex else [QG])])
    host.put("ovs_list_br", "br-ex\nbr-int\nbr-tun\n")
    host.put("ovs_list_ports", _lines("phy-br-ex", *([QG] if on_ex else [])), arg="br-ex")
    host.put("ovs_list_ports", _lines(*br_int), arg="br-int")
    host.put("ovs_list_ports", "patch-int\n", arg="br-tun")
    host.put("ovs_external_ids", '{hostname=devstack, system-id="3c2b1a09"}\n')
    host.put("ovs_flows_br_int", " cookie=0x0, duration=99.1s, table=0, n_packets=5, n_bytes=420, idle_age=1, priority=1 actions=NORMAL\n")  # fmt: skip
    host.put("ovs_ofctl_show_br_int", "OFPT_FEATURES_REPLY (xid=0x2): dpid:0000aabbccddeeff\n")
    host.put("ovn_nb_show", "", rc=127, err="ovn-nbctl: not found\n")
    _namespaces(host, tag, proxy)
    return host
