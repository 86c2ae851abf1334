"""What Neutron writes differently at each release tag, read from its code (openstack/neutron,
`git show TAG:PATH`), for the recorded hosts of tests/unit/neutron_host.py.

    forms("8.0.0").invalid_first   # False: Mitaka moved the INVALID DROP after the rules

Each field names the function it follows; `tag < X` below means "before tag X".
"""

from __future__ import annotations

from dataclasses import dataclass

# Tags the recorded hosts are written for (the release each stands for in the comment).
TAGS = (
    "2014.1",  # Icehouse, the seed's era
    "2014.2",  # Juno
    "2015.1.0",  # Kilo
    "8.0.0",  # Mitaka
    "11.0.0",  # Pike
    "12.0.0",  # Queens
    "13.0.0",  # Rocky
    "14.0.0",  # Stein
    "15.0.0",  # Train
    "16.0.0",  # Ussuri
    "17.0.0",  # Victoria
    "19.0.0",  # Xena
    "20.0.0",  # Yoga
    "24.0.0",  # 2024.1
)


def _key(tag: str) -> tuple[int, ...]:
    return tuple(int(part) for part in tag.split("."))


def at_least(tag: str, since: str) -> bool:
    """TAG is SINCE or later (2014.x/2015.x date tags come before 7.0.0 Liberty)."""
    era = [(0, *_key(t)) if _key(t)[0] >= 2000 else (1, *_key(t)) for t in (tag, since)]
    return era[0] >= era[1]


@dataclass(frozen=True)
class Forms:
    tag: str
    # neutron/agent/linux/iptables_manager.py comment_rule, iptables_comments.py (2015.1.0+)
    comments: bool
    # iptables_firewall.py _convert_sgr_to_iptables_rules: INVALID DROP first (tag < 8.0.0),
    # else RELATED,ESTABLISHED first and the INVALID DROP after the user's rules
    invalid_first: bool
    # neutron/db/securitygroups_rpc_base.py _add_ingress_dhcp_rule: `-s <dhcp server>/32`
    # (tag < 11.0.0) or `-d <fixed>/32` and `-d 255.255.255.255/32` (11.0.0+)
    dhcp_from_server: bool
    # remote-group rule: members as `-s IP/32` (2014.1, securitygroups_rpc_base.py
    # _convert_remote_group_id_to_ip_prefix), else an ipset named by ipset_manager.get_name
    # (2014.2 iptables_firewall._generate_ipset_chain: 'IPv4' + id[:20]; 2015.1.0 'NETIPv4';
    # 8.0.0+ 'NIPv4'), cut to 29 characters
    ipset_prefix: str | None
    # neutron/agent/metadata/driver.py metadata_nat_rules: `-i qr-+` (2015.1.0+; l3_agent.py
    # before: `-s 0.0.0.0/0`, no -i)
    metadata_in_qr: bool
    # router_info.py external_gateway_nat_rules: `-o qg- -j SNAT` and the mark rule (2015.1.0+);
    # l3_agent.py internal_network_nat_rules before: `-s <cidr> -j SNAT`
    snat_on_qg: bool
    # router_info.py floating_forward_rules: `--random-fully` (iptables_manager.random_fully,
    # 15.0.0+)
    random_fully: bool
    # metadata proxy: neutron-ns-metadata-proxy (tag < 11.0.0), haproxy (11.0.0+), bound on
    # `::` when IPv6 is on (metadata/driver.py after_router_added, 17.0.0+)
    haproxy: bool
    haproxy_on_any6: bool
    # dhcp.py Dnsmasq._build_cmdline_callback: --bind-interfaces --interface=tap (tag < 14.0.0),
    # --local-service --bind-interfaces (14.0.0), --local-service --bind-dynamic (15.0.0+);
    # --except-interface=lo (tag < 14.0.0); the netmask in --dhcp-range (11.0.0+); the range tag
    # `tag0` (_TAG_PREFIX, tag < 16.0.0) or `subnet-<id>` (_SUBNET_TAG_PREFIX, 16.0.0+)
    dnsmasq_interface: bool
    dnsmasq_bind_dynamic: bool
    dhcp_range_netmask: bool
    dhcp_range_subnet_tag: bool
    # iptables_firewall.py _get_jump_rules: per-port conntrack zones in the raw table (12.0.0+)
    ct_zones: bool
    # DevStack plugged qg- on br-ex before Newton, on br-int (with int-br-ex) after
    qg_on_br_ex: bool
    # ip_lib's pyroute2 route add prints `proto static` (15.0.0+)
    proto_static: bool


def forms(tag: str) -> Forms:
    if tag not in TAGS:
        raise ValueError(f"no recorded host for tag {tag}: one of {', '.join(TAGS)}")
    since = lambda first: at_least(tag, first)  # noqa: E731
    prefix = None if tag == "2014.1" else "IPv4" if tag == "2014.2" else "NETIPv4"
    return Forms(
        tag=tag,
        comments=since("2015.1.0"),
        invalid_first=not since("8.0.0"),
        dhcp_from_server=not since("11.0.0"),
        ipset_prefix="NIPv4" if since("8.0.0") else prefix,
        metadata_in_qr=since("2015.1.0"),
        snat_on_qg=since("2015.1.0"),
        random_fully=since("15.0.0"),
        haproxy=since("11.0.0"),
        haproxy_on_any6=since("17.0.0"),
        dnsmasq_interface=not since("14.0.0"),
        dnsmasq_bind_dynamic=since("15.0.0"),
        dhcp_range_netmask=since("11.0.0"),
        dhcp_range_subnet_tag=since("16.0.0"),
        ct_zones=since("12.0.0"),
        qg_on_br_ex=not since("11.0.0"),
        proto_static=since("15.0.0"),
    )
