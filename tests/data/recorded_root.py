# ruff: noqa: E501  (recorded command output is long lines by nature)
"""make_snapshots.py's records of the host's root namespace: links, addresses, the iptables
tables, the processes."""

from __future__ import annotations

from recorded_host import (
    DHCP_IP,
    DHCP_PORT,
    NETWORK,
    ROUTER,
    SG_SET,
    Host,
    comment,
    plan_of,
    short,
    state,
)

from labsim.script_ovn import metadata_devices


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
        if host.at_least("kilo"):  # ipset from Juno on (ipset_manager.get_name: 'NET' in Kilo)
            name = SG_SET if host.at_least("pike") else ("NET" + SG_SET[1:])[:29]
            user.append(f"-A {ichain} -m set --match-set {name} src -j RETURN")
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
        if host.at_least("pike"):  # Liberty (7.0.0) moved the INVALID DROP after the rules
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
            # iptables_firewall.py _get_jump_rules: qvb by physdev and -i, the tap by physdev;
            # commented with port['device'][4:] (the whole port id from 17.0.0 on)
            device = vm.port if host.at_least("2024.1") else vm.port[4:]
            ct = f'-m comment --comment "Set zone for {device}" -j CT --zone {zone}'
            qvb, tap = f"qvb{short(vm.port)}", f"tap{short(vm.port)}"
            lines += [
                f"-A neutron-openvswi-PREROUTING -m physdev --physdev-in {qvb} {ct}",
                f"-A neutron-openvswi-PREROUTING -i {qvb} {ct}",
                f"-A neutron-openvswi-PREROUTING -m physdev --physdev-in {tap} {ct}",
            ]
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
    if host.at_least("stein"):  # dhcp.py: --bind-dynamic from 15.0.0, subnet-<id> tags from 16.0.0
        bind = "--bind-dynamic" if host.at_least("train") else "--bind-interfaces"
        tag = "subnet-6b1c2d3e-4f50-4a1b-9c2d-3e4f5a6b7c8d" if host.at_least("2024.1") else "tag0"
        return (
            f"dnsmasq --no-hosts  --pid-file={base}/pid --dhcp-hostsfile={base}/host "
            f"--addn-hosts={base}/addn_hosts --dhcp-optsfile={base}/opts --dhcp-leasefile={base}/leases "
            f"--dhcp-match=set:ipxe,175 --dhcp-userclass=set:ipxe6,iPXE --local-service {bind} "
            f"--dhcp-range=set:{tag},10.0.0.0,static,255.255.255.192,86400s "
            "--dhcp-option-force=option:mtu,1450 --dhcp-lease-max=64 --conf-file=/dev/null --domain=openstacklocal"
        )
    return (
        f"dnsmasq --no-hosts --no-resolv --strict-order --bind-interfaces --interface={DHCP_PORT} "
        f"--except-interface=lo --pid-file={base}/pid --dhcp-hostsfile={base}/host "
        f"--dhcp-optsfile={base}/opts --leasefile-ro --dhcp-range=set:tag0,10.0.0.0,static,86400s "
        "--dhcp-lease-max=256 --conf-file= --domain=openstacklocal"
    )
