# ruff: noqa: E501  (recorded command output is long lines by nature)
#
# A deliberately independent oracle, not a rendering of the lab's release profiles
# (labsim/formats.py). Both are written from the same reference, shared/neutron-formats.md, by
# separate code: the lab tests grade the simulated hosts the profiles build, the unit tests parse
# the snapshots written here, so a misreading of the reference in one of them makes the other's
# tests fail instead of letting both agree on the same mistake. It also covers seven releases
# where the lab builds three. Only the ML2/OVN and native-firewall text (flows, ovsdb tables)
# comes from the lab (lab_records.py): it needs the real ovsdb tools to render, and the lab's
# integration tests are its independent check.
"""Writes tests/data/snapshots/*.json: whole recorded snapshots of DevStack hosts, one per
scenario and per Neutron release variant, rendered in the shapes of shared/neutron-formats.md.
The ML2/OVN and native-firewall parts (flows, `ovs-ofctl show`, the northbound tables, external
ids, the ovnmeta- namespace) come from the simulated lab's own text: see lab_records.py.

    python3 tests/data/make_snapshots.py       # rewrite the files (tests check they are current)

Regenerating the OVN snapshots needs ovsdb-server and ovn-nbctl (scripts/setup.sh installs them).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(HERE.parents[1]), str(HERE)) if p not in sys.path]

from lab_records import (  # noqa: E402  (after the path is set)
    dump_flows,
    have_northbound_tools,
    lab_plan,
    northbound,
    ofctl_show,
    ovn_external_ids,
)

from labsim.plan import Plan  # noqa: E402
from labsim.script_ovn import metadata_devices  # noqa: E402

LAB_BACKEND = {"ovn": "ovn", "native": "ovs-firewall"}
ORDER = ["icehouse", "kilo", "pike", "queens", "stein", "train", "2024.1"]
ROUTER = "9e5f2802-2462-4f5c-a95b-c60b99744451"
NETWORK = "4b523b2a-5921-4e8b-9e64-7b668c4aab85"
QR, QG, DHCP_PORT = "qr-5c3d2e1f-0a", "qg-9a8b7c6d-5e", "tap4f0c1d2e-3b"
GATEWAY, ROUTER_IP, DHCP_IP = "172.24.4.1", "172.24.4.181", "10.0.0.2"
SG_SET = "NIPv4f0e1d2c3-b4a5-4697-8877-"


@dataclass
class Vm:
    port: str  # full port uuid
    fixed: str
    mac: str
    floating: str | None = None
    ssh: bool = True
    icmp: bool = True


@dataclass
class Host:
    release: str = "train"
    vms: list[Vm] = field(
        default_factory=lambda: [
            Vm(
                "a1b2c3d4-e5f6-4a5b-8c7d-0e1f2a3b4c5d",
                "10.0.0.12",
                "fa:16:3e:11:22:33",
                "172.24.4.229",
            )
        ]
    )
    dhcp_running: bool = True
    metadata: bool = True
    rules_in: str = "default"  # default | legacy (iptables-save shows nft, empty) | nft
    conntrack: bool = False  # print -m conntrack --ctstate instead of -m state --state
    stray_ssh: bool = False  # a pasted SSH rule in a chain not wired to the tap
    stale_fip: bool = False  # floating IP and NAT left after the instance is gone
    backend: str = "hybrid"  # hybrid | ovn | native
    junk: bool = False
    skipped: list[str] = field(default_factory=list)

    def at_least(self, release: str) -> bool:
        return ORDER.index(self.release) >= ORDER.index(release)


def rec(key, out="", ns=None, arg=None, rc=0, err="", command=None) -> dict:
    record = {"key": key, "ns": ns, "arg": arg}
    if command is not None:
        record["command"] = command
    record.update(rc=rc, truncated=False, out=out, err=err)
    return record


def short(port: str) -> str:
    return port[:11]


def state(host: Host, states: str, negate: bool = False) -> str:
    bang = "! " if negate else ""
    if host.conntrack:
        return f"-m conntrack {bang}--ctstate {states}"
    return f"-m state {bang}--state {states}"


def comment(host: Host, text: str) -> str:
    return f' -m comment --comment "{text}"' if host.at_least("kilo") else ""


# --- root namespace ----------------------------------------------------------------------------
def root_links(host: Host) -> str:
    lines = [
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group "
        "default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT "
        "group default qlen 1000\\    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff",
        "3: ovs-system: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group "
        "default qlen 1000\\    link/ether 6e:7f:80:91:a2:b3 brd ff:ff:ff:ff:ff:ff",
    ]
    index = 4
    for bridge in ("br-int", "br-ex", "br-tun"):
        lines.append(
            f"{index}: {bridge}: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN mode DEFAULT "
            f"group default qlen 1000\\    link/ether 1a:2b:3c:4d:5e:{index:02x} brd ff:ff:ff:ff:ff:ff"
        )
        index += 1
    for vm in host.vms:
        p = short(vm.port)
        mac = vm.mac.replace("fa:16", "fe:16")
        if host.backend == "hybrid":
            lines += [
                f"{index}: qbr{p}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP "
                f"mode DEFAULT group default qlen 1000\\    link/ether 2e:{index:02x}:00:00:00:01 brd ff:ff:ff:ff:ff:ff",
                f"{index + 1}: qvo{p}@qvb{p}: <BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP> mtu 1450 qdisc "
                f"noqueue master ovs-system state UP mode DEFAULT group default qlen 1000\\    link/ether "
                f"3e:{index:02x}:00:00:00:02 brd ff:ff:ff:ff:ff:ff",
                f"{index + 2}: qvb{p}@qvo{p}: <BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP> mtu 1450 qdisc "
                f"noqueue master qbr{p} state UP mode DEFAULT group default qlen 1000\\    link/ether "
                f"4e:{index:02x}:00:00:00:03 brd ff:ff:ff:ff:ff:ff",
                f"{index + 3}: tap{p}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc fq_codel master "
                f"qbr{p} state UNKNOWN mode DEFAULT group default qlen 1000\\    link/ether {mac} brd ff:ff:ff:ff:ff:ff",
            ]
        else:
            lines.append(
                f"{index + 3}: tap{p}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1442 qdisc fq_codel master "
                f"ovs-system state UNKNOWN mode DEFAULT group default qlen 1000\\    link/ether {mac} brd ff:ff:ff:ff:ff:ff"
            )
        index += 4
    if host.backend == "ovn":
        lines.append(
            f"{index}: {metadata_devices(plan_of(host))[0]}@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1442 qdisc noqueue "
            "master ovs-system state UP mode DEFAULT group default qlen 1000\\    link/ether "
            "5e:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netns ovnmeta-" + NETWORK
        )
    if host.junk:
        lines += ["garbage without structure", "99: ???", "\x1b[31mred\x1b[0m 100: weird: <UP>"]
    return "\n".join(lines) + "\n"


def root_addrs(host: Host) -> str:
    lines = [
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
        "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever",
        "2: eth0    inet 192.168.122.10/24 brd 192.168.122.255 scope global dynamic eth0\\       "
        "valid_lft 3000sec preferred_lft 3000sec",
        "2: eth0    inet6 fe80::5054:ff:fe12:3456/64 scope link \\       valid_lft forever preferred_lft forever",
        "5: br-ex    inet 172.24.4.1/24 scope global br-ex\\       valid_lft forever preferred_lft forever",
        "5: br-ex    inet6 2001:db8::2/64 scope global \\       valid_lft forever preferred_lft forever",
    ]
    return "\n".join(lines) + "\n"


def filter_table(host: Host) -> list[str]:
    pre = "neutron-openvswi"
    chains = [
        f"{pre}-{c}" for c in ("FORWARD", "INPUT", "OUTPUT", "local", "sg-chain", "sg-fallback")
    ]
    rules = [
        "-A INPUT -j neutron-openvswi-INPUT",
        "-A FORWARD -j neutron-filter-top",
        f"-A FORWARD -j {pre}-FORWARD",
        "-A OUTPUT -j neutron-filter-top",
        f"-A OUTPUT -j {pre}-OUTPUT",
        f"-A neutron-filter-top -j {pre}-local",
    ]
    chains.append("neutron-filter-top")
    for vm in host.vms:
        p, c = short(vm.port), vm.port[:10]
        tap = f"tap{p}"
        ichain, ochain, schain = f"{pre}-i{c}", f"{pre}-o{c}", f"{pre}-s{c}"
        chains += [ichain, ochain, schain]
        fwd = comment(host, "Direct traffic from the VM interface to the security group chain.")
        jump = comment(host, "Jump to the VM specific chain.")
        rules += [
            f"-A {pre}-FORWARD -m physdev --physdev-out {tap} --physdev-is-bridged{fwd} -j {pre}-sg-chain",
            f"-A {pre}-FORWARD -m physdev --physdev-in {tap} --physdev-is-bridged{fwd} -j {pre}-sg-chain",
            f"-A {pre}-INPUT -m physdev --physdev-in {tap} --physdev-is-bridged{jump} -j {ochain}",
            f"-A {pre}-sg-chain -m physdev --physdev-out {tap} --physdev-is-bridged{jump} -j {ichain}",
            f"-A {pre}-sg-chain -m physdev --physdev-in {tap} --physdev-is-bridged{jump} -j {ochain}",
        ]
        invalid = (
            f"-A {ichain} {state(host, 'INVALID')}"
            + comment(
                host,
                "Drop packets that appear related to an existing connection (e.g. TCP ACK/FIN) but "
                "do not have an entry in conntrack.",
            )
            + " -j DROP"
        )
        related = (
            f"-A {ichain} {state(host, 'RELATED,ESTABLISHED')}"
            + comment(host, "Direct packets associated with a known session to the RETURN chain.")
            + " -j RETURN"
        )
        user = []
        if host.at_least("pike"):
            user += [
                f"-A {ichain} -d {vm.fixed}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN",
                f"-A {ichain} -d 255.255.255.255/32 -p udp -m udp --sport 67 --dport 68 -j RETURN",
            ]
        else:
            user.append(
                f"-A {ichain} -s {DHCP_IP}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN"
            )
        if host.at_least("kilo"):  # ipset from Juno on
            user.append(f"-A {ichain} -m set --match-set {SG_SET} src -j RETURN")
        else:  # before: one rule per member of the remote group
            user += [f"-A {ichain} -s {other.fixed}/32 -j RETURN" for other in host.vms]
        if vm.ssh:
            user.append(f"-A {ichain} -p tcp -m tcp --dport 22 -j RETURN")
        if vm.icmp:
            user.append(f"-A {ichain} -p icmp -j RETURN")
        user.append(f"-A {ichain} -p tcp -m multiport --dports 8000:8080 -j RETURN")
        fallback = (
            f"-A {ichain}"
            + comment(host, "Send unmatched traffic to the fallback chain.")
            + f" -j {pre}-sg-fallback"
        )
        if host.at_least("kilo"):
            rules += [related, *user, invalid, fallback]
        else:
            rules += [invalid, related, *user, fallback]
        rules += [
            f"-A {ochain} -p udp -m udp --sport 68 --dport 67{comment(host, 'Allow DHCP client traffic.')} -j RETURN",
            f"-A {ochain} -j {schain}",
            f"-A {ochain} -p udp -m udp --sport 67 --dport 68{comment(host, 'Prevent DHCP Spoofing by VM.')} -j DROP",
            f"-A {ochain} {state(host, 'RELATED,ESTABLISHED')} -j RETURN",
            f"-A {ochain} -j RETURN",
            f"-A {ochain} {state(host, 'INVALID')} -j DROP",
            f"-A {ochain} -j {pre}-sg-fallback",
            f"-A {schain} -s {vm.fixed}/32 -m mac --mac-source {vm.mac.upper()}"
            f"{comment(host, 'Allow traffic from defined IP/MAC pairs.')} -j RETURN",
            f"-A {schain}{comment(host, 'Drop traffic without an IP/MAC allow rule.')} -j DROP",
        ]
    if host.stray_ssh:
        chains.append(f"{pre}-ideadbeef-0")
        rules += [
            f"-A {pre}-ideadbeef-0 -p tcp -m tcp --dport 22 -j RETURN",
            "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
        ]
    rules += [
        f"-A {pre}-sg-chain -j ACCEPT",
        f"-A {pre}-sg-fallback{comment(host, 'Default drop rule for unmatched traffic.')} -j DROP",
    ]
    head = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    head += [f":{c} - [0:0]" for c in chains]
    return [*head, *rules, "COMMIT"]


def raw_table(host: Host) -> list[str]:
    lines = ["*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    if host.at_least("queens"):
        lines.append(":neutron-openvswi-PREROUTING - [0:0]")
        lines.append("-A PREROUTING -j neutron-openvswi-PREROUTING")
        for zone, vm in enumerate(host.vms, start=4097):
            lines.append(
                f"-A neutron-openvswi-PREROUTING -m physdev --physdev-in tap{short(vm.port)} "
                f'-m comment --comment "Set zone for {vm.port[:8]}" -j CT --zone {zone}'
            )
    return [*lines, "COMMIT"]


def root_iptables(host: Host) -> str:
    header = ["# Generated by iptables-save v1.8.9 on Thu Nov 26 05:00:00 2026"]
    body = (
        filter_table(host)
        if host.backend == "hybrid"
        else ["*filter", ":INPUT ACCEPT [0:0]", "COMMIT"]
    )
    if host.backend == "hybrid":
        body = raw_table(host) + body
    lines = header + body + ["# Completed on Thu Nov 26 05:00:00 2026"]
    if host.junk:
        lines.insert(3, '-A this is not a rule "unbalanced')
        lines.insert(3, "\x00\x07binary\x7f junk")
    return "\n".join(lines) + "\n"


def processes(host: Host) -> str:
    lines = [
        "    PID COMMAND",
        "      1 /sbin/init",
        "   1200 /usr/bin/python3 /usr/local/bin/neutron-openvswitch-agent --config-file /etc/neutron/neutron.conf",
        "   1201 /usr/bin/python3 /usr/local/bin/neutron-l3-agent --config-file /etc/neutron/neutron.conf",
        "   1202 /usr/bin/python3 /usr/local/bin/neutron-dhcp-agent --config-file /etc/neutron/neutron.conf",
    ]
    if host.backend == "ovn":
        lines = [
            *lines[:2],
            "   1300 ovn-controller unix:/var/run/openvswitch/db.sock -vconsole:emer",
            "   1301 haproxy -f /var/lib/neutron/ovn-metadata-proxy/" + NETWORK + ".conf",
        ]
    if host.backend != "ovn" and host.dhcp_running:
        lines.append(f"   4242 {dnsmasq_args(host)}")
    if host.backend != "ovn" and host.metadata:
        if host.at_least("pike"):
            lines.append(
                f"   4711 haproxy -f /opt/stack/data/neutron/ns-metadata-proxy/{ROUTER}.conf"
            )
        else:
            lines.append(
                "   4711 /usr/bin/python /usr/local/bin/neutron-ns-metadata-proxy "
                f"--pid_file=/opt/stack/data/neutron/external/pids/{ROUTER}.pid --router_id={ROUTER} "
                "--state_path=/opt/stack/data/neutron --metadata_port=9697"
            )
    lines.append("   9000 ps -eo pid,args")
    return "\n".join(lines) + "\n"


def dnsmasq_args(host: Host) -> str:
    base = f"/opt/stack/data/neutron/dhcp/{NETWORK}"
    if host.at_least("stein"):
        return (
            f"dnsmasq --no-hosts  --pid-file={base}/pid --dhcp-hostsfile={base}/host "
            f"--addn-hosts={base}/addn_hosts --dhcp-optsfile={base}/opts --dhcp-leasefile={base}/leases "
            "--dhcp-match=set:ipxe,175 --dhcp-userclass=set:ipxe6,iPXE --local-service --bind-dynamic "
            "--dhcp-range=set:subnet-6b1c2d3e-4f50-4a1b-9c2d-3e4f5a6b7c8d,10.0.0.0,static,255.255.255.192,86400s "
            "--dhcp-option-force=option:mtu,1450 --dhcp-lease-max=64 --conf-file=/dev/null --domain=openstacklocal"
        )
    return (
        f"dnsmasq --no-hosts --no-resolv --strict-order --bind-interfaces --interface={DHCP_PORT} "
        f"--except-interface=lo --pid-file={base}/pid --dhcp-hostsfile={base}/host "
        f"--dhcp-optsfile={base}/opts --leasefile-ro --dhcp-range=set:tag0,10.0.0.0,static,86400s "
        "--dhcp-lease-max=256 --conf-file= --domain=openstacklocal"
    )


def lab_scenario(host: Host) -> str:
    """The lab scenario this host is (for the parts taken from the lab)."""
    vm = host.vms[0] if host.vms else None
    if vm is None:
        return "fresh"
    if not vm.floating:
        return "no-floating-ip"
    return "no-ssh-rule" if not vm.ssh else "no-icmp-rule" if not vm.icmp else "complete"


def plan_of(host: Host) -> Plan:
    """The lab's plan for an OVN or native-firewall host, with this file's ids."""
    vm = host.vms[0] if host.vms else None
    ids = {
        "network_id": NETWORK,
        "router_id": ROUTER,
        "port_id": vm.port if vm else None,
        "fixed_ip": vm.fixed if vm else None,
        "mac": vm.mac if vm else None,
        "floating_ip": vm.floating if vm else None,
    }
    return lab_plan(lab_scenario(host), LAB_BACKEND[host.backend], ids)


def ovs(host: Host) -> list[dict]:
    plan = plan_of(host) if host.backend in LAB_BACKEND else None
    if host.backend == "ovn":
        ports = {
            "br-ex": [],
            "br-int": [f"tap{short(v.port)}" for v in host.vms] + [metadata_devices(plan)[0]],
        }
    else:
        on_ex = not host.at_least("pike")
        br_int = ["int-br-ex", "patch-tun", QR, DHCP_PORT]
        if not on_ex:
            br_int.append(QG)
        for vm in host.vms:
            br_int.append(("qvo" if host.backend == "hybrid" else "tap") + short(vm.port))
        ports = {
            "br-ex": ["phy-br-ex"] + ([QG] if on_ex else []),
            "br-int": sorted(br_int),
            "br-tun": ["patch-int"],
        }
    records = [rec("ovs_list_br", "".join(f"{b}\n" for b in sorted(ports)))]
    records += [
        rec("ovs_list_ports", "".join(f"{p}\n" for p in sorted(ports[b])), arg=b)
        for b in sorted(ports)
    ]
    external = '{hostname=devstack, rundir="/var/run/openvswitch", system-id="1f2e3d4c"}\n'
    if host.backend == "ovn":
        external = ovn_external_ids()
    records.append(rec("ovs_external_ids", external))
    flows = [
        " cookie=0x9c2, duration=100.1s, table=0, n_packets=10, n_bytes=840, priority=0 actions=resubmit(,60)",
        " cookie=0x9c2, duration=100.1s, table=60, n_packets=10, n_bytes=840, priority=3 actions=NORMAL",
    ]
    ofports: dict[str, int] = {}
    if plan is not None and plan["port_id"]:
        ofports[plan["tap"]] = plan["ofport"]
    shown = dump_flows(plan, flows) if host.backend == "native" else "\n".join(flows) + "\n"
    records.append(rec("ovs_flows_br_int", shown))
    records.append(rec("ovs_ofctl_show_br_int", ofctl_show(ports["br-int"], ofports)))
    if host.backend == "ovn":
        if not have_northbound_tools():
            raise RuntimeError("OVN snapshots need ovsdb-server and ovn-nbctl (scripts/setup.sh)")
        records += [rec(key, text) for key, text in northbound(plan).items()]
    else:
        records.append(rec("ovn_nb_show", "", rc=127, err="ovn-nbctl: command not found\n"))
    return records


def ovnmeta_ns(host: Host) -> list[dict]:
    """ovnmeta-<network>: the lab's veth end with 169.254.169.254 and the DHCP port's address."""
    plan = plan_of(host)
    ns, inside = plan["ovnmeta_ns"], metadata_devices(plan)[1]
    links = (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default "
        "qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        f"2: {inside}@if40: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode "
        f"DEFAULT group default qlen 1000\\    link/ether {plan['dhcp_mac']} brd ff:ff:ff:ff:ff:ff "
        "link-netnsid 0\n"
    )
    prefix = plan["private_cidr"].split("/")[1]
    addrs = (
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
        f"2: {inside}    inet 169.254.169.254/32 scope global {inside}\\       valid_lft forever preferred_lft forever\n"
        f"2: {inside}    inet {plan['dhcp_ip']}/{prefix} scope global {inside}\\       valid_lft forever preferred_lft forever\n"
    )
    route = f"{plan['private_cidr']} dev {inside} proto kernel scope link src {plan['dhcp_ip']}\n"
    listeners = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
    if host.metadata:
        listeners += 'LISTEN 0      4096  169.254.169.254:80        0.0.0.0:*     users:(("haproxy",pid=1301,fd=7))\n'
    return [
        rec("link", links, ns),
        rec("addr", addrs, ns),
        rec("route", route, ns),
        rec("iptables_save", "", ns),
        rec("iptables_legacy_save", "", ns),
        rec("iptables_nft_save", "", ns),
        rec("listeners", listeners, ns),
        rec("netns_pids", "1301\n" if host.metadata else "", arg=ns),
    ]


# --- namespaces ----------------------------------------------------------------------------------
def router_ns(host: Host) -> list[dict]:
    ns = f"qrouter-{ROUTER}"
    floating = [v.floating for v in host.vms if v.floating]
    if host.stale_fip:
        floating = ["172.24.4.229"]
    links = (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default "
        "qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        f"20: {QR}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT "
        "group default qlen 1000\\    link/ether fa:16:3e:aa:bb:01 brd ff:ff:ff:ff:ff:ff\n"
        f"21: {QG}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT "
        "group default qlen 1000\\    link/ether fa:16:3e:aa:bb:02 brd ff:ff:ff:ff:ff:ff\n"
    )
    addrs = [
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
        f"20: {QR}    inet 10.0.0.1/26 brd 10.0.0.63 scope global {QR}\\       valid_lft forever preferred_lft forever",
        f"20: {QR}    inet6 fe80::f816:3eff:feaa:bb01/64 scope link \\       valid_lft forever preferred_lft forever",
        f"21: {QG}    inet {ROUTER_IP}/24 brd 172.24.4.255 scope global {QG}\\       valid_lft forever preferred_lft forever",
    ]
    addrs += [
        f"21: {QG}    inet {f}/32 brd {f} scope global {QG}\\       valid_lft forever preferred_lft forever"
        for f in floating
    ]
    addrs.append(
        f"21: {QG}    inet6 2001:db8::a/64 scope global \\       valid_lft forever preferred_lft forever"
    )
    static = " proto static" if host.at_least("train") else ""
    routes = (
        f"default via {GATEWAY} dev {QG}{static}\n"
        f"10.0.0.0/26 dev {QR} proto kernel scope link src 10.0.0.1\n"
        f"172.24.4.0/24 dev {QG} proto kernel scope link src {ROUTER_IP}\n"
    )
    listeners = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
    if host.metadata:
        program = "haproxy" if host.at_least("pike") else "python"
        listeners += f'LISTEN 0      128          0.0.0.0:9697      0.0.0.0:*     users:(("{program}",pid=4711,fd=6))\n'
    return [
        rec("link", links, ns),
        rec("addr", "\n".join(addrs) + "\n", ns),
        rec("route", routes, ns),
        rec("iptables_save", router_iptables(host, floating), ns),
        rec("iptables_legacy_save", router_iptables(host, floating), ns),
        rec(
            "iptables_nft_save",
            "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n",
            ns,
        ),
        rec("listeners", listeners, ns),
        rec("netns_pids", "4711\n" if host.metadata else "", arg=ns),
    ]


def router_iptables(host: Host, floating: list[str]) -> str:
    l3 = "neutron-l3-agent"
    fully = " --random-fully" if host.at_least("train") else ""
    chains = [f"{l3}-{c}" for c in ("OUTPUT", "POSTROUTING", "PREROUTING", "float-snat", "snat")]
    chains.append("neutron-postrouting-bottom")
    rules = [
        f"-A PREROUTING -j {l3}-PREROUTING",
        f"-A OUTPUT -j {l3}-OUTPUT",
        f"-A POSTROUTING -j {l3}-POSTROUTING",
        "-A POSTROUTING -j neutron-postrouting-bottom",
        f"-A {l3}-POSTROUTING ! -i {QG} ! -o {QG} -m conntrack ! --ctstate DNAT -j ACCEPT",
    ]
    if host.metadata:
        iface = " -i qr-+" if host.at_least("kilo") else ""
        rules.append(
            f"-A {l3}-PREROUTING -d 169.254.169.254/32{iface} -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697"
        )
    pairs = [(v.floating, v.fixed) for v in host.vms if v.floating]
    if host.stale_fip:
        pairs = [("172.24.4.229", "10.0.0.12")]
    for fip, fixed in pairs:
        rules += [
            f"-A {l3}-OUTPUT -d {fip}/32 -j DNAT --to-destination {fixed}",
            f"-A {l3}-PREROUTING -d {fip}/32 -j DNAT --to-destination {fixed}",
            f"-A {l3}-float-snat -s {fixed}/32 -j SNAT --to-source {fip}{fully}",
        ]
    rules.append(f"-A {l3}-snat -j {l3}-float-snat")
    if host.at_least("kilo"):
        rules += [
            f"-A {l3}-snat -o {QG} -j SNAT --to-source {ROUTER_IP}{fully}",
            f"-A {l3}-snat -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT -j SNAT --to-source {ROUTER_IP}{fully}",
        ]
    else:
        rules.append(f"-A {l3}-snat -s 10.0.0.0/26 -j SNAT --to-source {ROUTER_IP}")
    rules.append(
        f"-A neutron-postrouting-bottom{comment(host, 'Perform source NAT on outgoing traffic.')} -j {l3}-snat"
    )
    head = [
        "*nat",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
    ]
    head += [f":{c} - [0:0]" for c in chains]
    mangle = [
        "*mangle",
        ":PREROUTING ACCEPT [0:0]",
        f":{l3}-mark - [0:0]",
        f"-A PREROUTING -j {l3}-mark",
        "COMMIT",
    ]
    return "\n".join([*mangle, *head, *rules, "COMMIT"]) + "\n"


def dhcp_ns(host: Host) -> list[dict]:
    ns = f"qdhcp-{NETWORK}"
    links = (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default "
        "qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        f"30: {DHCP_PORT}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode "
        "DEFAULT group default qlen 1000\\    link/ether fa:16:3e:cc:dd:01 brd ff:ff:ff:ff:ff:ff\n"
    )
    addrs = (
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
        f"30: {DHCP_PORT}    inet {DHCP_IP}/26 brd 10.0.0.63 scope global {DHCP_PORT}\\       valid_lft forever preferred_lft forever\n"
        f"30: {DHCP_PORT}    inet 169.254.169.254/32 brd 169.254.169.254 scope global {DHCP_PORT}\\       valid_lft forever preferred_lft forever\n"
    )
    listeners = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
    if host.dhcp_running:
        listeners += f'LISTEN 0      32          {DHCP_IP}:53      0.0.0.0:*     users:(("dnsmasq",pid=4242,fd=5))\n'
    return [
        rec("link", links, ns),
        rec("addr", addrs, ns),
        rec("route", f"10.0.0.0/26 dev {DHCP_PORT} proto kernel scope link src {DHCP_IP}\n", ns),
        rec("iptables_save", "", ns),
        rec("iptables_legacy_save", "", ns),
        rec("iptables_nft_save", "", ns),
        rec("listeners", listeners, ns),
        rec("netns_pids", "4242\n" if host.dhcp_running else "", arg=ns),
    ]


def build(host: Host) -> dict:
    records = [rec("hostname", "devstack\n"), rec("id_u", "0\n")]
    records += [rec("link", root_links(host)), rec("addr", root_addrs(host))]
    records.append(
        rec(
            "route",
            f"default via 192.168.122.1 dev eth0 proto dhcp src 192.168.122.10 metric 100\n172.24.4.0/24 dev br-ex proto kernel scope link src {GATEWAY}\n",
        )
    )
    rules = root_iptables(host)
    empty = "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n"
    if host.rules_in == "legacy":
        records += [
            rec("iptables_save", empty),
            rec("iptables_legacy_save", rules),
            rec("iptables_nft_save", empty),
        ]
    elif host.rules_in == "nft":
        records += [
            rec("iptables_save", rules),
            rec("iptables_legacy_save", ""),
            rec("iptables_nft_save", rules),
        ]
    else:
        records += [
            rec("iptables_save", rules),
            rec(
                "iptables_legacy_save", "", rc=127, err="iptables-legacy-save: command not found\n"
            ),
            rec("iptables_nft_save", "", rc=127, err="iptables-nft-save: command not found\n"),
        ]
    records.append(rec("processes", processes(host)))
    records += ovs(host)
    names = []
    ns_records: list[dict] = []
    if host.backend == "ovn":
        names.append(f"ovnmeta-{NETWORK}")
        ns_records += ovnmeta_ns(host)
    else:
        names += [f"qrouter-{ROUTER}", f"qdhcp-{NETWORK}"]
        ns_records += router_ns(host) + dhcp_ns(host)
    listing = "".join(f"{n} (id: {i})\n" for i, n in enumerate(names)) + "".join(
        f"{s}\n" for s in host.skipped
    )
    records.append(rec("netns_list", listing))
    records.append(rec("netns_skipped", "".join(f"{s}\n" for s in host.skipped)))
    records += ns_records
    if host.backend != "ovn" and host.dhcp_running:
        records.append(rec("netns_identify", f"qdhcp-{NETWORK}\n", arg="4242"))
    if host.backend != "ovn" and host.metadata:
        records.append(rec("netns_identify", f"qrouter-{ROUTER}\n", arg="4711"))
    if host.backend == "ovn" and host.metadata:
        records.append(rec("netns_identify", f"ovnmeta-{NETWORK}\n", arg="1301"))
    return {
        "format": "labgrade-snapshot/1",
        "gatherer": "gather.sh/1",
        "target": "recorded",
        "records": records,
        "total_bytes": sum(len(r["out"]) for r in records),
        "complete": True,
    }


def scenarios() -> dict[str, Host]:
    base = Host()
    vm = base.vms[0]
    second = Vm("0c8d9e0f-a1b2-4c3d-8e4f-5a6b7c8d9e0f", "10.0.0.17", "fa:16:3e:44:55:66")
    return {
        "complete": base,
        "no-ssh-rule": replace(base, vms=[replace(vm, ssh=False)]),
        "no-icmp-rule": replace(base, vms=[replace(vm, icmp=False)]),
        "dhcp-down": replace(base, dhcp_running=False),
        "no-metadata": replace(base, metadata=False),
        "no-floating-ip": replace(base, vms=[replace(vm, floating=None)]),
        "fresh": replace(base, vms=[]),
        "cleaned-up": replace(base, vms=[]),
        "pasted-rule-in-stray-chain": replace(base, vms=[replace(vm, ssh=False)], stray_ssh=True),
        "stale-floating-ip": replace(base, vms=[], stale_fip=True),
        "icehouse": replace(base, release="icehouse"),
        "icehouse-no-ssh-rule": replace(base, release="icehouse", vms=[replace(vm, ssh=False)]),
        "kilo": replace(base, release="kilo"),
        "pike": replace(base, release="pike"),
        "queens": replace(base, release="queens"),
        "stein": replace(base, release="stein"),
        "2024.1-conntrack-nft": replace(base, release="2024.1", conntrack=True, rules_in="nft"),
        "legacy-split": replace(base, rules_in="legacy"),
        "ovn": replace(base, backend="ovn"),
        "native-firewall": replace(base, backend="native"),
        "ovn-no-ssh-rule": replace(base, backend="ovn", vms=[replace(vm, ssh=False)]),
        "ovn-no-icmp-rule": replace(base, backend="ovn", vms=[replace(vm, icmp=False)]),
        "ovn-no-floating-ip": replace(base, backend="ovn", vms=[replace(vm, floating=None)]),
        "native-firewall-no-ssh-rule": replace(
            base, backend="native", vms=[replace(vm, ssh=False)]
        ),
        "native-firewall-no-icmp-rule": replace(
            base, backend="native", vms=[replace(vm, icmp=False)]
        ),
        "several-instances": replace(base, vms=[second, vm]),
        "hostile-junk": replace(
            base, junk=True, skipped=["qrouter-x;touch pwned", "qdhcp-$(id)", "--"]
        ),
    }


def main() -> int:
    out = HERE / "snapshots"
    out.mkdir(exist_ok=True)
    for name, host in scenarios().items():
        text = json.dumps(build(host), indent=1, ensure_ascii=False) + "\n"
        (out / f"{name}.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
