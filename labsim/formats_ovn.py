"""What ML2/OVN leaves on a host, for the simulated lab's `--backend ovn` (neutron-formats.md).

The northbound database holds the network (`neutron-<network id>` logical switch), the router
(`neutron-<router id>`), its NAT rows (`snat` for the subnet, `dnat_and_snat` per floating IP),
the security group as port group `pg_<sg id with _>` with `to-lport` ACLs at priority 1002, the
default drop group `neutron_pg_drop`, and the subnet's DHCP_Options. The metadata proxy is
haproxy in `ovnmeta-<network id>`, bound to 169.254.169.254:80.

    args = nbctl_args(plan)        # one `ovn-nbctl` transaction: ["--", "ls-add", ...]
"""

from __future__ import annotations

import shlex

from labsim.daemons import haproxy_text
from labsim.plan import Plan

NB_SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema"
NB_DIR = "/run/ovn"  # ovn-nbctl's default database is unix:/var/run/ovn/ovnnb_db.sock
NB_SOCKET = f"{NB_DIR}/ovnnb_db.sock"
NB_DB = f"{NB_DIR}/ovnnb_db.db"
METADATA_IP = "169.254.169.254"
ACL_PRIORITY = 1002
DROP_PRIORITY = 1001
DROP_GROUP = "neutron_pg_drop"


def port_group(security_group_id: str) -> str:
    """`pg_` + the security group's id with `-` -> `_`."""
    return "pg_" + security_group_id.replace("-", "_")


def acl_match(rule: dict[str, object], group: str) -> str:
    """The to-lport ACL match Neutron's OVN driver writes for one ingress rule."""
    parts = [f"outport == @{group}", "ip4"]
    if rule.get("remote_group"):
        return " && ".join([*parts, f"ip4.src == ${group}_ip4"])
    prefix = rule.get("remote_ip_prefix")
    if prefix and prefix != "0.0.0.0/0":
        parts.append(f"ip4.src == {prefix}")
    protocol = str(rule.get("protocol", "any"))
    if protocol in ("tcp", "udp"):
        parts.append(protocol)
        low, high = rule.get("port_min"), rule.get("port_max")
        if low is not None and low == high:
            parts.append(f"{protocol}.dst == {low}")
        elif low is not None:
            parts.append(f"{protocol}.dst >= {low} && {protocol}.dst <= {high}")
    elif protocol == "icmp":
        parts.append("icmp4")
        if rule.get("icmp_type") is not None:
            parts.append(f"icmp4.type == {rule['icmp_type']}")
    return " && ".join(parts)


def _cmd(*words: str) -> list[str]:
    return ["--", *words]


def _network(plan: Plan) -> list[str]:
    switch = f"neutron-{plan['network_id']}"
    args = _cmd("ls-add", switch)
    args += _cmd("lsp-add", switch, plan["dhcp_port_id"])
    args += _cmd("lsp-set-type", plan["dhcp_port_id"], "localport")
    args += _cmd("lsp-set-addresses", plan["dhcp_port_id"], f"{plan['dhcp_mac']} {plan['dhcp_ip']}")
    args += _cmd("lsp-add", switch, plan["qr_port_id"])
    args += _cmd("lsp-set-type", plan["qr_port_id"], "router")
    args += _cmd("lsp-set-addresses", plan["qr_port_id"], "router")
    args += _cmd("lsp-set-options", plan["qr_port_id"], f"router-port=lrp-{plan['qr_port_id']}")
    options = (
        f'lease_time="43200" router="{plan["private_gateway"]}" '
        f'server_id="{plan["private_gateway"]}" server_mac="{plan["qr_mac"]}" mtu="1442"'
    )
    args += _cmd(
        "--id=@dhcp", "create", "DHCP_Options", f"cidr={plan['private_cidr']}",
        f"options={{{options.replace(' ', ',')}}}",
        f'external_ids:"neutron:subnet_id"="{plan["subnet_id"]}"',
    )  # fmt: skip
    if plan["port_id"]:
        address = f"{plan['mac']} {plan['fixed_ip']}"
        args += _cmd("lsp-add", switch, plan["port_id"])
        args += _cmd("lsp-set-addresses", plan["port_id"], address)
        args += _cmd("lsp-set-port-security", plan["port_id"], address)
        args += _cmd("set", "Logical_Switch_Port", plan["port_id"], "dhcpv4_options=@dhcp")
    return args


def _router(plan: Plan) -> list[str]:
    router = f"neutron-{plan['router_id']}"
    private = plan["private_cidr"].split("/")[1]
    public = plan["public_cidr"].split("/")[1]
    args = _cmd("lr-add", router)
    args += _cmd(
        "lrp-add", router, f"lrp-{plan['qr_port_id']}", plan["qr_mac"],
        f"{plan['private_gateway']}/{private}",
    )  # fmt: skip
    args += _cmd(
        "lrp-add", router, f"lrp-{plan['qg_port_id']}", plan["qg_mac"], f"{plan['qg_ip']}/{public}"
    )
    args += _cmd("lr-route-add", router, "0.0.0.0/0", plan["public_gateway"])
    args += _cmd("lr-nat-add", router, "snat", plan["qg_ip"], plan["private_cidr"])
    if plan["floating_ip"]:
        args += _cmd("lr-nat-add", router, "dnat_and_snat", plan["floating_ip"], plan["fixed_ip"])
    return args


def _security_group(plan: Plan) -> list[str]:
    if not plan["port_id"]:
        return []
    group = port_group(plan["security_group_id"])
    args = _cmd("pg-add", group, plan["port_id"])
    args += _cmd("pg-add", DROP_GROUP, plan["port_id"])
    for direction, port in (("to-lport", "outport"), ("from-lport", "inport")):
        args += _cmd(
            "acl-add", DROP_GROUP, direction, str(DROP_PRIORITY), f"{port} == @{DROP_GROUP} && ip",
            "drop",
        )  # fmt: skip
    args += _cmd(
        "acl-add", group, "from-lport", str(ACL_PRIORITY), f"inport == @{group} && ip4",
        "allow-related",
    )  # fmt: skip
    for rule in plan["sg_rules"]:
        args += _cmd(
            "acl-add", group, "to-lport", str(ACL_PRIORITY), acl_match(rule, group),
            "allow-related",
        )  # fmt: skip
    return args


def nbctl_args(plan: Plan) -> list[str]:
    """Arguments of one `ovn-nbctl` call that writes the host's whole northbound state."""
    return [*_network(plan), *_router(plan), *_security_group(plan)]


def nbctl_command(plan: Plan) -> str:
    return "ovn-nbctl " + " ".join(shlex.quote(a) for a in nbctl_args(plan))


def ovs_external_ids() -> str:
    """What an OVN chassis sets in Open_vSwitch external_ids (the grader recognises OVN by it)."""
    return (
        'external_ids:ovn-remote="unix:/run/ovn/ovnsb_db.sock" '
        "external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip=127.0.0.1 "
        'external_ids:ovn-bridge-mappings="public:br-ex" external_ids:system-id=chassis-1'
    )


def metadata_haproxy_config(plan: Plan, pid_file: str) -> str:
    """haproxy in ovnmeta-<network id>: 169.254.169.254:80, answering HTTP itself."""
    header = f"X-OVN-Network-ID {plan['network_id']}"
    return haproxy_text(pid_file, "listener", f"{METADATA_IP}:80", header)
