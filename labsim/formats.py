"""The iptables and route text the simulated lab writes, per Neutron release.

The builders below read a release profile (labsim/releases.py) and the host's plan and return
text: the host's filter and raw tables, the router's nat/mangle/filter tables, the default
route. The builder in `script.py` never formats a rule itself, so adding a release (or a
backend variant) means adding a profile; the daemons' command lines are in daemons.py.
"""

from __future__ import annotations

from labsim.daemons import METADATA_PORT
from labsim.plan import CHAIN_PREFIX, Plan
from labsim.releases import Release

METADATA_IP = "169.254.169.254"
L3_PREFIX = "neutron-l3-agent"

COMMENT_ESTABLISHED = "Direct packets associated with a known session to the RETURN chain."
COMMENT_INVALID = (
    "Drop packets that appear related to an existing connection (e.g. TCP ACK/FIN) "
    "but do not have an entry in conntrack."
)
COMMENT_FALLBACK_JUMP = "Send unmatched traffic to the fallback chain."
COMMENT_FALLBACK = "Default drop rule for unmatched traffic."
COMMENT_FORWARD = "Direct traffic from the VM interface to the security group chain."
COMMENT_INPUT = "Direct incoming traffic from VM to the security group chain."
COMMENT_VM_CHAIN = "Jump to the VM specific chain."
COMMENT_SPOOF_OK = "Allow traffic from defined IP/MAC pairs."
COMMENT_SPOOF_DROP = "Drop traffic without an IP/MAC allow rule."
COMMENT_DHCP_CLIENT = "Allow DHCP client traffic."
COMMENT_DHCP_SPOOF = "Prevent DHCP Spoofing by VM."
COMMENT_SNAT = "Perform source NAT on outgoing traffic."


CONNTRACK_ZONE = 4097
COMMENT_ZONE = "Set zone for"


def chain(name: str) -> str:
    return f"{CHAIN_PREFIX}-{name}"


def ipset_name(security_group_id: str) -> str:
    """`NIPv4` + the group's UUID, cut to 29 characters (room for Neutron's swap suffix)."""
    return ("NIPv4" + security_group_id)[:29]


def _rule(release: Release, chain_name: str, match: str, target: str, comment: str) -> str:
    parts = [f"-A {chain_name}"]
    if match:
        parts.append(match)
    if release.comments and comment:
        parts.append(f'-m comment --comment "{comment}"')
    parts.append(f"-j {target}")
    return " ".join(parts)


def _table(name: str, builtins: tuple[str, ...], chains: list[str], rules: list[str]) -> str:
    lines = [f"*{name}"]
    lines += [f":{b} ACCEPT [0:0]" for b in builtins]
    lines += [f":{c} - [0:0]" for c in chains]
    return "\n".join([*lines, *rules, "COMMIT", ""])


def sg_rule_match(rule: dict[str, object], plan: Plan, release: Release) -> str:
    """The match part of one user security-group rule (iptables-save argument order)."""
    args: list[str] = []
    if rule.get("remote_group"):
        if release.ipset:
            return f"-m set --match-set {ipset_name(plan['security_group_id'])} src"
        return f"-s {plan['fixed_ip']}/32"  # Icehouse: one rule per group member (here: itself)
    if rule.get("remote_ip_prefix") and rule["remote_ip_prefix"] != "0.0.0.0/0":
        args.append(f"-s {rule['remote_ip_prefix']}")
    protocol = str(rule.get("protocol", "any"))
    if protocol in ("tcp", "udp"):
        args.append(f"-p {protocol} -m {protocol}")
        low, high = rule.get("port_min"), rule.get("port_max")
        if low is not None and low == high:
            args.append(f"--dport {low}")
        elif low is not None:
            args.append(f"-m multiport --dports {low}:{high}")
    elif protocol == "icmp":
        args.append("-p icmp")
        if rule.get("icmp_type") is not None:
            args.append(f"-m icmp --icmp-type {rule['icmp_type']}")
    return " ".join(args)


def _ingress_rules(plan: Plan, release: Release) -> list[str]:
    name = plan["chain_in"]
    fallback = chain("sg-fallback")
    invalid = _rule(release, name, "-m state --state INVALID", "DROP", COMMENT_INVALID)
    established = _rule(
        release, name, "-m state --state RELATED,ESTABLISHED", "RETURN", COMMENT_ESTABLISHED
    )
    rules = [invalid, established] if release.invalid_first else [established]
    dhcp = "-p udp -m udp --sport 67 --dport 68"
    if release.dhcp_ingress == "client-dest":
        rules.append(_rule(release, name, f"-d {plan['fixed_ip']}/32 {dhcp}", "RETURN", ""))
        rules.append(_rule(release, name, f"-d 255.255.255.255/32 {dhcp}", "RETURN", ""))
    rules += [
        _rule(release, name, sg_rule_match(r, plan, release), "RETURN", "")
        for r in plan["sg_rules"]
    ]
    if release.dhcp_ingress == "server-source":
        rules.append(_rule(release, name, f"-s {plan['dhcp_ip']}/32 {dhcp}", "RETURN", ""))
    if not release.invalid_first:
        rules.append(invalid)
    rules.append(_rule(release, name, "", fallback, COMMENT_FALLBACK_JUMP))
    return rules


def _egress_rules(plan: Plan, release: Release) -> list[str]:
    name, spoof = plan["chain_out"], plan["chain_spoof"]
    client = "-p udp -m udp --sport 68 --dport 67"
    rules: list[str] = []
    if release.dhcp_client_broadcast:
        broadcast = f"-s 0.0.0.0/32 -d 255.255.255.255/32 {client}"
        rules.append(_rule(release, name, broadcast, "RETURN", COMMENT_DHCP_CLIENT))
        rules.append(_rule(release, name, "", spoof, ""))
        rules.append(_rule(release, name, client, "RETURN", COMMENT_DHCP_CLIENT))
    else:
        rules.append(_rule(release, name, client, "RETURN", ""))
        rules.append(_rule(release, name, "", spoof, ""))
    rules.append(
        _rule(release, name, "-p udp -m udp --sport 67 --dport 68", "DROP", COMMENT_DHCP_SPOOF)
    )
    invalid = _rule(release, name, "-m state --state INVALID", "DROP", COMMENT_INVALID)
    established = _rule(
        release, name, "-m state --state RELATED,ESTABLISHED", "RETURN", COMMENT_ESTABLISHED
    )
    rules += [invalid, established] if release.invalid_first else [established]
    rules.append(_rule(release, name, "", "RETURN", ""))  # the default group's egress rule
    if not release.invalid_first:
        rules.append(invalid)
    rules.append(_rule(release, name, "", chain("sg-fallback"), COMMENT_FALLBACK_JUMP))
    return rules


def host_filter_table(plan: Plan, release: Release) -> str:
    """The compute host's filter table as the OVS agent's iptables_hybrid driver loads it."""
    chains = [chain(c) for c in ("FORWARD", "INPUT", "OUTPUT", "local", "sg-chain", "sg-fallback")]
    chains.insert(0, "neutron-filter-top")
    rules = [
        f"-A INPUT -j {chain('INPUT')}",
        "-A FORWARD -j neutron-filter-top",
        f"-A FORWARD -j {chain('FORWARD')}",
        "-A OUTPUT -j neutron-filter-top",
        f"-A OUTPUT -j {chain('OUTPUT')}",
        f"-A neutron-filter-top -j {chain('local')}",
    ]
    if plan["port_id"]:
        tap, chain_in, chain_out = plan["tap"], plan["chain_in"], plan["chain_out"]
        chains += [chain_in, chain_out, plan["chain_spoof"]]
        out_match = f"-m physdev --physdev-out {tap} --physdev-is-bridged"
        in_match = f"-m physdev --physdev-in {tap} --physdev-is-bridged"
        sg = chain("sg-chain")
        rules += [
            _rule(release, chain("FORWARD"), out_match, sg, COMMENT_FORWARD),
            _rule(release, chain("FORWARD"), in_match, sg, COMMENT_FORWARD),
            _rule(release, chain("INPUT"), in_match, chain_out, COMMENT_INPUT),
            *_ingress_rules(plan, release),
            *_egress_rules(plan, release),
            _rule(
                release,
                plan["chain_spoof"],
                f"-s {plan['fixed_ip']}/32 -m mac --mac-source {plan['mac'].upper()}",
                "RETURN",
                COMMENT_SPOOF_OK,
            ),
            _rule(release, plan["chain_spoof"], "", "DROP", COMMENT_SPOOF_DROP),
            _rule(release, sg, out_match, chain_in, COMMENT_VM_CHAIN),
            _rule(release, sg, in_match, chain_out, COMMENT_VM_CHAIN),
        ]
    rules.append(f"-A {chain('sg-chain')} -j ACCEPT")
    rules.append(_rule(release, chain("sg-fallback"), "", "DROP", COMMENT_FALLBACK))
    return _table("filter", ("INPUT", "FORWARD", "OUTPUT"), chains, rules)


def host_ipsets(plan: Plan, release: Release) -> list[tuple[str, list[str]]]:
    """(ipset name, members) the agent creates for remote-group rules (Juno+ only)."""
    if not release.ipset or not plan["port_id"]:
        return []
    if not any(r.get("remote_group") for r in plan["sg_rules"]):
        return []
    return [(ipset_name(plan["security_group_id"]), [plan["fixed_ip"]])]


def _snat_target(address: str, release: Release) -> str:
    return f"SNAT --to-source {address}" + (" --random-fully" if release.random_fully else "")


def router_nat_table(plan: Plan, release: Release) -> str:
    """The nat table the L3 agent loads in qrouter-<id>."""
    l3 = L3_PREFIX
    qg, gw_ip = plan["qg_dev"], plan["qg_ip"]
    chains = [f"{l3}-{c}" for c in ("OUTPUT", "POSTROUTING", "PREROUTING", "float-snat", "snat")]
    chains.append("neutron-postrouting-bottom")
    accept = f"! -i {qg} ! -o {qg}" if release.postrouting_in_iface else f"! -o {qg}"
    rules = [
        f"-A PREROUTING -j {l3}-PREROUTING",
        f"-A OUTPUT -j {l3}-OUTPUT",
        f"-A POSTROUTING -j {l3}-POSTROUTING",
        "-A POSTROUTING -j neutron-postrouting-bottom",
        f"-A {l3}-POSTROUTING {accept} -m conntrack ! --ctstate DNAT -j ACCEPT",
    ]
    if plan["metadata"]:
        iface = " -i qr-+" if release.metadata_in_iface else ""
        rules.append(
            f"-A {l3}-PREROUTING -d {METADATA_IP}/32{iface} -p tcp -m tcp --dport 80 "
            f"-j REDIRECT --to-ports {METADATA_PORT}"
        )
    if plan["floating_ip"]:
        fip, fixed = plan["floating_ip"], plan["fixed_ip"]
        rules += [
            f"-A {l3}-PREROUTING -d {fip}/32 -j DNAT --to-destination {fixed}",
            f"-A {l3}-OUTPUT -d {fip}/32 -j DNAT --to-destination {fixed}",
            f"-A {l3}-float-snat -s {fixed}/32 -j {_snat_target(fip, release)}",
        ]
    rules.append(f"-A {l3}-snat -j {l3}-float-snat")
    if release.snat_per_cidr:
        rules.append(f"-A {l3}-snat -s {plan['private_cidr']} -j {_snat_target(gw_ip, release)}")
    else:
        rules.append(f"-A {l3}-snat -o {qg} -j {_snat_target(gw_ip, release)}")
        rules.append(
            f"-A {l3}-snat -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT "
            f"-j {_snat_target(gw_ip, release)}"
        )
    comment = f' -m comment --comment "{COMMENT_SNAT}"' if release.comments else ""
    rules.append(f"-A neutron-postrouting-bottom{comment} -j {l3}-snat")
    return _table("nat", ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"), chains, rules)


def router_filter_table(plan: Plan, release: Release) -> str:
    """The filter table of qrouter-<id>: wrapped chains and the metadata proxy's INPUT rule."""
    l3 = L3_PREFIX
    chains = ["neutron-filter-top", *(f"{l3}-{c}" for c in ("FORWARD", "INPUT", "OUTPUT", "local"))]
    rules = [
        f"-A INPUT -j {l3}-INPUT",
        "-A FORWARD -j neutron-filter-top",
        f"-A FORWARD -j {l3}-FORWARD",
        "-A OUTPUT -j neutron-filter-top",
        f"-A OUTPUT -j {l3}-OUTPUT",
        f"-A neutron-filter-top -j {l3}-local",
    ]
    if plan["metadata"]:
        rules.append(
            f"-A {l3}-INPUT -d 127.0.0.1/32 -p tcp -m tcp --dport {METADATA_PORT} -j ACCEPT"
        )
    return _table("filter", ("INPUT", "FORWARD", "OUTPUT"), chains, rules)


def router_mangle_table(plan: Plan, release: Release) -> str:
    """Kilo+ marks traffic entering qg- (the `--mark 0x2` SNAT rule depends on it); else ''."""
    if release.snat_per_cidr:
        return ""
    l3 = L3_PREFIX
    chains = [f"{l3}-PREROUTING", f"{l3}-mark"]
    rules = [
        f"-A PREROUTING -j {l3}-PREROUTING",
        f"-A {l3}-PREROUTING -j {l3}-mark",
        f"-A {l3}-mark -i {plan['qg_dev']} -j MARK --set-xmark 0x2/0xffff",
    ]
    builtins = ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
    return _table("mangle", builtins, chains, rules)


def router_default_route(plan: Plan, release: Release) -> str:
    """Arguments to `ip route add` for the router's default route."""
    proto = " proto static" if release.route_proto_static else ""
    return f"default via {plan['public_gateway']} dev {plan['qg_dev']}{proto}"


def restore_command(iptables: str) -> str:
    """The program that loads a table where the host's rules live (`iptables-nft-restore`)."""
    return f"iptables-{iptables}-restore"


def host_raw_table(plan: Plan, release: Release) -> str:
    """Queens+: the instance's conntrack zone in the host's raw table; '' otherwise."""
    if not release.conntrack_zones or not plan["port_id"]:
        return ""
    pre, out = chain("PREROUTING"), chain("OUTPUT")
    comment = f"{COMMENT_ZONE} {plan['port_id'][:11]}"
    zone = f"CT --zone {CONNTRACK_ZONE}"
    rules = [
        f"-A PREROUTING -j {pre}",
        f"-A OUTPUT -j {out}",
        _rule(release, pre, f"-m physdev --physdev-in {plan['qvb']}", zone, comment),
        _rule(release, pre, f"-i {plan['qvb']}", zone, comment),
        _rule(release, pre, f"-m physdev --physdev-in {plan['tap']}", zone, comment),
    ]
    return _table("raw", ("PREROUTING", "OUTPUT"), [out, pre], rules)
