# ruff: noqa: E501  (recorded command output is long lines by nature)
"""Issue 9 item 8d: a distributed router (DVR, `router_distributed = True`) as Neutron 15.0.0
builds it on an all-in-one DevStack (l3 agent_mode dvr_snat), from neutron/agent/l3:

- qrouter-<router>: qr- and rfp-<router id> (dvr_fip_ns.get_rtr_ext_device_name) with a
  169.254 /31 link-local address; no qg-, no default route in its main table; nat: DNAT
  `-d F/32 -i rfp-... -j DNAT` in PREROUTING only and float-snat (dvr_local_router.
  floating_forward_rules), the POSTROUTING ACCEPT for rfp- (_handle_router_snat_rules);
- snat-<router>: qg- with the router's address, sg- per subnet, the default route and the
  router's SNAT (dvr_edge_router, dvr_snat_ns);
- fip-<external network>: fg- and fpr-<router id>; each floating IP a route
  `F via <rfp- address> dev fpr-...` (dvr_local_router.floating_ip_added_dist).

A correct student passes every check; a compute node without snat- is an `error` naming DVR.
"""

from __future__ import annotations

from grading import grade
from neutron_host import (
    FIXED,
    FLOATING,
    GATEWAY,
    L3,
    LO_ADDR,
    LO_LINK,
    QG,
    QR,
    QROUTER,
    ROUTER,
    ROUTER_IP,
    Host,
    _addr,
    _lines,
    _link,
    hybrid,
)  # fmt: skip

EXT_NET = "e7e7e7e7-1111-4222-8333-944444444444"
SNAT, FIP = f"snat-{ROUTER}", f"fip-{EXT_NET}"
RFP, FPR = f"rfp-{ROUTER}"[:14], f"fpr-{ROUTER}"[:14]
SG, FG = "sg-7b6a5c4d-3e", "fg-1c2d3e4f-5a"
RFP_IP, FPR_IP, FG_IP = "169.254.106.114", "169.254.106.115", "172.24.4.4"


def qrouter_nat() -> str:
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
        f"-A {L3}-POSTROUTING ! -i {RFP} ! -o {RFP} -m conntrack ! --ctstate DNAT -j ACCEPT",
        f"-A {L3}-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697",
        f"-A {L3}-PREROUTING -d {FLOATING}/32 -i {RFP} -j DNAT --to-destination {FIXED}",
        f"-A {L3}-float-snat -s {FIXED}/32 -j SNAT --to-source {FLOATING} --random-fully",
        f"-A {L3}-snat -j {L3}-float-snat",
        f'-A neutron-postrouting-bottom -m comment --comment "Perform source NAT on outgoing traffic." -j {L3}-snat',
        "COMMIT",
    )


def dvr(snat_node: bool = True) -> Host:
    host = hybrid("15.0.0")
    host.put(
        "link",
        _lines(
            LO_LINK,
            _link(20, QR, "qdisc noqueue state UNKNOWN", "fa:16:3e:00:00:01"),
            _link(22, f"{RFP}@if23", "qdisc noqueue state UP", "7e:11:22:33:44:55"),
        ),
        QROUTER,
    )
    host.put(
        "addr",
        _lines(
            LO_ADDR, _addr(20, QR, "10.1.0.1/24 brd 10.1.0.255"), _addr(22, RFP, f"{RFP_IP}/31")
        ),
        QROUTER,
    )
    host.put(
        "route",
        _lines(
            f"10.1.0.0/24 dev {QR} proto kernel scope link src 10.1.0.1",
            f"169.254.106.114/31 dev {RFP} proto kernel scope link src {RFP_IP}",
        ),
        QROUTER,
    )
    host.put("iptables_save", qrouter_nat(), QROUTER)
    host.put(
        "link",
        _lines(
            LO_LINK,
            _link(40, FG, "qdisc noqueue state UNKNOWN", "fa:16:3e:00:00:05"),
            _link(23, f"{FPR}@if22", "qdisc noqueue state UP", "7e:11:22:33:44:56"),
        ),
        FIP,
    )
    host.put(
        "addr",
        _lines(
            LO_ADDR, _addr(40, FG, f"{FG_IP}/24 brd 172.24.4.255"), _addr(23, FPR, f"{FPR_IP}/31")
        ),
        FIP,
    )
    host.put(
        "route",
        _lines(
            f"default via {GATEWAY} dev {FG} proto static",
            f"169.254.106.114/31 dev {FPR} proto kernel scope link src {FPR_IP}",
            f"172.24.4.0/24 dev {FG} proto kernel scope link src {FG_IP}",
            f"{FLOATING} via {RFP_IP} dev {FPR} proto static",
        ),
        FIP,
    )
    host.put("iptables_save", "", FIP)
    netns = [f"{QROUTER} (id: 1)", f"{FIP} (id: 2)"]
    ports = [FG]
    if snat_node:
        host.put(
            "link",
            _lines(
                LO_LINK,
                _link(50, QG, "qdisc noqueue state UNKNOWN", "fa:16:3e:00:00:02"),
                _link(51, SG, "qdisc noqueue state UNKNOWN", "fa:16:3e:00:00:06"),
            ),
            SNAT,
        )
        host.put(
            "addr",
            _lines(
                LO_ADDR,
                _addr(50, QG, f"{ROUTER_IP}/24 brd 172.24.4.255"),
                _addr(51, SG, "10.1.0.11/24 brd 10.1.0.255"),
            ),
            SNAT,
        )
        host.put(
            "route",
            _lines(
                f"default via {GATEWAY} dev {QG} proto static",
                f"10.1.0.0/24 dev {SG} proto kernel scope link src 10.1.0.11",
                f"172.24.4.0/24 dev {QG} proto kernel scope link src {ROUTER_IP}",
            ),
            SNAT,
        )
        host.put(
            "iptables_save",
            _lines(
                "*nat",
                ":POSTROUTING ACCEPT [0:0]",
                f":{L3}-snat - [0:0]",
                f"-A {L3}-snat -o {QG} -j SNAT --to-source {ROUTER_IP} --random-fully",
                "COMMIT",
            ),
            SNAT,
        )
        netns.append(f"{SNAT} (id: 3)")
        ports += [SG]
    else:
        host.edit("ovs_list_ports", arg="br-int", drop=QG)
    host.edit("netns_list", add="\n".join(netns), after="qdhcp-")
    return host.edit("ovs_list_ports", arg="br-int", add="\n".join(ports), after="patch-tun")


def test_a_correct_dvr_student_passes_every_check() -> None:
    results = grade(dvr().facts())
    assert {k: (c.status, c.evidence) for k, c in results.items() if c.status != "pass"} == {}
    assert "DVR" in results["nat.dnat"].evidence and RFP in results["nat.dnat"].evidence
    assert f"{FLOATING} via {RFP_IP} dev {FPR}" in results["routing.floating-ip"].evidence
    assert SNAT in results["routing.interfaces"].evidence


def test_a_dvr_compute_node_without_snat_is_an_error_naming_dvr() -> None:
    results = grade(dvr(snat_node=False).facts())
    not_passing = {k: c.status for k, c in results.items() if c.status != "pass"}
    assert not_passing == {  # what requires routing.interfaces inherits its error
        "devices.ovs-ports": "error",
        "routing.interfaces": "error",
        "routing.default-route": "error",
        "routing.floating-ip": "error",
        "nat.dnat": "error",
        "nat.snat": "error",
        "nat.pair": "error",
    }, not_passing
    assert "distributed router (DVR" in results["routing.interfaces"].evidence


def test_a_dvr_floating_ip_without_its_dnat_fails_nat_dnat_only() -> None:
    host = dvr().edit("iptables_save", QROUTER, drop="-j DNAT")
    not_passing = {k: c.status for k, c in grade(host.facts()).items() if c.status != "pass"}
    assert not_passing == {"nat.dnat": "fail", "nat.pair": "skip"}
