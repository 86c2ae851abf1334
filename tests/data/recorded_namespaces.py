# ruff: noqa: E501  (recorded command output is long lines by nature)
"""make_snapshots.py's records of Open vSwitch and the namespaces: qrouter-, qdhcp-,
ovnmeta-."""

from __future__ import annotations

from lab_records import (
    dump_flows,
    have_northbound_tools,
    northbound,
    ofctl_show,
    ovn_external_ids,
)
from recorded_host import (
    DHCP_IP,
    DHCP_PORT,
    GATEWAY,
    LAB_BACKEND,
    NETWORK,
    QG,
    QR,
    ROUTER,
    ROUTER_IP,
    Host,
    comment,
    plan_of,
    rec,
    short,
)

from labsim.script_ovn import metadata_devices


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
