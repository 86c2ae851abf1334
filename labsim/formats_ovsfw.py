"""What the OVS agent's native (`openvswitch`) firewall leaves on br-int, for `--backend
ovs-firewall` (neutron-formats.md): the instance's tap is a port of br-int (no qbr/qvb/qvo,
no iptables chains), and its security group is OpenFlow flows. Tables as in Neutron's
`neutron/agent/linux/openvswitch_firewall`: 71/72 egress, 81 base ingress, 82 ingress rules,
93 dropped. A port's flows match `reg5=<its ofport>`.

The lab adds these flows for grading only: table 0 keeps its NORMAL flow, so they do not
filter the data path.

    text = flows(plan)      # for `ovs-ofctl add-flows br-int -`
"""

from __future__ import annotations

from labsim.plan import Plan

COOKIE = "0x8a5b6d2e4f1c3b7a"
RULE_PRIORITY = 77
ZONE = "NXM_NX_REG6[0..15]"


def rule_match(rule: dict[str, object]) -> str | None:
    """The table-82 match of one ingress rule (None: a remote-group rule, done by conjunction)."""
    if rule.get("remote_group"):
        return None
    parts: list[str] = []
    protocol = str(rule.get("protocol", "any"))
    parts.append({"tcp": "tcp", "udp": "udp", "icmp": "icmp"}.get(protocol, "ip"))
    prefix = rule.get("remote_ip_prefix")
    if prefix and prefix != "0.0.0.0/0":
        parts.append(f"nw_src={prefix}")
    low, high = rule.get("port_min"), rule.get("port_max")
    if protocol in ("tcp", "udp") and low is not None:
        field = f"{protocol}_dst"
        parts.append(f"{field}={low}" if low == high else f"{field}={low}/0xffff")
    if protocol == "icmp" and rule.get("icmp_type") is not None:
        parts.append(f"icmp_type={rule['icmp_type']}")
    return ",".join(parts)


def flows(plan: Plan) -> str:
    """The security-group flows of the instance's port (empty without an instance)."""
    if not plan["port_id"]:
        return ""
    port, mac, ip = plan["ofport"], plan["mac"], plan["fixed_ip"]
    reg = f"reg5={port}"
    out = f"ct(commit,zone={ZONE}),output:{port}"
    head = f"cookie={COOKIE},"
    lines = [
        f"table=71,priority=95,arp,{reg},in_port={port},dl_src={mac},arp_spa={ip} "
        "actions=resubmit(,94)",
        f"table=71,priority=65,ct_state=-trk,ip,{reg},in_port={port},dl_src={mac},nw_src={ip} "
        f"actions=ct(table=72,zone={ZONE})",
        f"table=71,priority=10,{reg},in_port={port} actions=resubmit(,93)",
        f"table=72,priority={RULE_PRIORITY},ct_state=+new-est,ip,{reg} actions=resubmit(,73)",
        f"table=72,priority=50,ct_state=+inv+trk,{reg} actions=resubmit(,93)",
        f"table=81,priority=100,arp,{reg} actions=output:{port}",
        f"table=81,priority=90,ct_state=-trk,ip,{reg} actions=ct(table=82,zone={ZONE})",
        f"table=81,priority=80,ct_state=+trk,{reg} actions=resubmit(,82)",
        f"table=82,priority=70,ct_state=+est-rel-rpl,ip,{reg} actions=output:{port}",
        f"table=82,priority=50,ct_state=+inv+trk,{reg} actions=resubmit(,93)",
    ]
    for rule in plan["sg_rules"]:
        match = rule_match(rule)
        if match is not None:
            lines.append(
                f"table=82,priority={RULE_PRIORITY},ct_state=+new-est,{match},{reg} actions={out}"
            )
    lines.append(f"table=82,priority=40,ct_state=-est,ip,{reg} actions=resubmit(,93)")
    lines.append("table=93,priority=0 actions=drop")
    return "\n".join(head + line for line in lines) + "\n"
