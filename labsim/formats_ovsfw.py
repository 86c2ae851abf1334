"""What the OVS agent's native (`openvswitch`) firewall leaves on br-int, for `--backend
ovs-firewall` (neutron-formats.md): the instance's tap is a port of br-int (no qbr/qvb/qvo,
no iptables chains), and its security group is OpenFlow flows. Tables as in Neutron's
`neutron/agent/linux/openvswitch_firewall` (firewall.py, rules.py at 24.0.0): 71/72 egress,
81 base ingress, 82 ingress rules, 92 accepted, 93 dropped. A port's flows match
`reg5=<its ofport>`; some are table-wide (table 82's INVALID drop).

The lab adds these flows for grading only: table 0 keeps its NORMAL flow, so they do not
filter the data path.

    text = flows(plan)      # for `ovs-ofctl add-flows br-int -`
"""

from __future__ import annotations

from labsim.plan import Plan

COOKIE = "0x8a5b6d2e4f1c3b7a"
LOCAL_VLAN = 1  # the network's local VLAN on br-int (reg6, ct_zone)
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


def rule_priority(rule: dict[str, object], conjunction: bool = False) -> int:
    """rules.flow_priority_offset: 70, +4 unless a conjunction, +1 ICMP without a type, +2
    ICMP with a type only, +3 any other protocol."""
    offset = 0 if conjunction else 4
    protocol = str(rule.get("protocol", "any"))
    if protocol == "any":
        return 70 + offset
    if protocol == "icmp":
        return 70 + offset + (1 if rule.get("icmp_type") is None else 2)
    return 70 + offset + 3


def flows(plan: Plan) -> str:
    """The security-group flows of the instance's port (empty without an instance), as
    Neutron 24.0.0's firewall.py/rules.py write them: table 82's INVALID drop is table-wide
    (no reg5); each rule is a pair of accept flows (+est-rel-rpl, +new-est with ct commit); a
    remote-group rule is a conjunction whose other half matches the group's members."""
    if not plan["port_id"]:
        return ""
    port, mac, ip = plan["ofport"], plan["mac"], plan["fixed_ip"]
    reg, net = f"reg5={port}", f"reg6={LOCAL_VLAN}"
    accept = f"ct(commit,zone={ZONE}),output:{port},resubmit(,92)"
    head = f"cookie={COOKIE},"
    lines = [
        f"table=71,priority=95,arp,{reg},in_port={port},dl_src={mac},arp_spa={ip} "
        "actions=resubmit(,94)",
        f"table=71,priority=65,ip,{reg},in_port={port},dl_src={mac},nw_src={ip} "
        f"actions=ct(table=72,zone={ZONE})",
        f"table=71,priority=80,udp,{reg},in_port={port},dl_src={mac},nw_src=0.0.0.0,"
        "tp_src=68,tp_dst=67 actions=resubmit(,73)",
        f"table=71,priority=10,{reg},in_port={port} actions=ct_clear,resubmit(,93)",
        "table=72,priority=50,ct_state=+inv+trk actions=resubmit(,93)",
        f"table=72,priority=74,ct_state=+new-est,ip,{reg} actions=resubmit(,73)",
        f"table=81,priority=100,arp,{reg} actions=output:{port}",
        f"table=81,priority=95,udp,{reg},tp_src=67,tp_dst=68 actions=output:{port}",
        f"table=81,priority=90,ct_state=-trk,ip,{reg} actions=ct(table=82,zone={ZONE})",
        f"table=81,priority=80,ct_state=+trk,{reg} actions=resubmit(,82)",
        "table=82,priority=50,ct_state=+inv+trk actions=resubmit(,93)",
        f"table=82,priority=50,ct_mark=0x1,{reg} actions=resubmit(,93)",
        f"table=82,priority=50,ct_state=+est-rel+rpl,ct_zone={LOCAL_VLAN},ct_mark=0,{reg} "
        f"actions=output:{port}",
        f"table=82,priority=50,ct_state=-new-est+rel-inv,ct_zone={LOCAL_VLAN},ct_mark=0,{reg} "
        f"actions=output:{port}",
        f"table=82,priority=40,ct_state=-est,{reg} actions=resubmit(,93)",
    ]
    conj_id = 0
    for rule in plan["sg_rules"]:
        match = rule_match(rule)
        if match is not None:
            priority = rule_priority(rule)
            lines.append(
                f"table=82,priority={priority},ct_state=+est-rel-rpl,{match},{reg} "
                f"actions=output:{port}"
            )
            lines.append(
                f"table=82,priority={priority},ct_state=+new-est,{match},{reg} actions={accept}"
            )
            continue
        conj_id += 8  # ConjIdMap: a block of 8 per (group, remote group, direction, ethertype)
        new_id = conj_id + 1  # the +new-est flows' id (substitute_conjunction_actions)
        priority = rule_priority({}, conjunction=True)
        lines += [
            f"table=82,priority={priority},ct_state=+new-est,ip,{net},nw_src={ip} "
            f"actions=conjunction({new_id},1/2)",
            f"table=82,priority={priority},ct_state=+new-est,ip,{reg} "
            f"actions=conjunction({new_id},2/2)",
            f"table=82,priority={priority},conj_id={new_id},ct_state=+new-est,ip,{reg} "
            f"actions=set_field:{new_id}->reg7,{accept}",
        ]
    # table-wide: _initialize_common_flows and _drop_all_unmatched_flows
    lines.append("table=71,priority=110,ct_state=+trk actions=ct_clear,resubmit(,71)")
    lines += [f"table={table},priority=0 actions=drop" for table in (71, 72, 73, 81, 82)]
    lines.append("table=92,priority=0 actions=drop")
    lines.append("table=93,priority=0 actions=drop")
    return "\n".join(head + line for line in lines) + "\n"
