"""Every line format the simulated lab writes, per Neutron release, in one place.

A `Release` is a profile of plain values (flags and comment texts); the builders below read the
profile and the host's plan and return text: the host's filter table, the router's nat/mangle/
filter tables, the dnsmasq command line, the default route. The builder in `script.py` never
formats a rule itself, so adding a release (or a backend variant) means adding a profile here.

`icehouse` is the era of the seed exercise (2013-14): INVALID DROP first, the DHCP server's source
rule, no comments, the metadata rule without `-i qr-+`, router SNAT per internal CIDR, qg- on br-ex.
`queens` and `2024.1` follow neutron-formats.md for later agents.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from labsim.plan import CHAIN_PREFIX, Plan

METADATA_IP = "169.254.169.254"
METADATA_PORT = 9697
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


@dataclass(frozen=True)
class Release:
    """How one Neutron release writes things. Add a release by adding an instance below."""

    name: str
    comments: bool  # Kilo+: `-m comment --comment "..."` on security-group rules
    invalid_first: bool  # Havana/Icehouse: INVALID DROP is the chain's first rule
    dhcp_ingress: str  # "server-source" (`-s DHCP/32 ...`, pre-Pike) | "client-dest" (Pike+)
    dhcp_client_broadcast: bool  # egress: the `-s 0.0.0.0/32 -d 255.255.255.255/32` rule first
    ipset: bool  # Juno+: remote-group rules match an ipset instead of one rule per member
    metadata_in_iface: bool  # metadata REDIRECT carries `-i qr-+`
    snat_per_cidr: bool  # pre-Kilo: `-s CIDR -j SNAT`; later: `-o qg-` plus the mark rule
    postrouting_in_iface: bool  # POSTROUTING ACCEPT rule carries `! -i qg-...`
    random_fully: bool  # Train+: `--random-fully` on SNAT
    route_proto_static: bool  # Train+: the default route is `proto static`
    qg_bridge: str  # "br-ex" (older DevStack) | "br-int" (Newton+, with int-br-ex/phy-br-ex)
    dnsmasq_form: str  # "icehouse" | "queens" | "stein"
    metadata_proxy: str  # listening on 9697: "neutron-ns-metadata-proxy" (pre-Pike) | "haproxy"
    conntrack_zones: bool  # Queens+: per-port `-j CT --zone N` rules in the host's raw table


@dataclass(frozen=True)
class Backend:
    """Which Neutron backend a host runs; the builders read these flags (docs/releases.md)."""

    name: str
    hybrid_plug: bool  # tap on qbr, qvb/qvo veth pair, qvo on br-int (else tap on br-int)
    iptables_sg: bool  # per-port security-group chains in the host's filter table
    agents: bool  # L3/DHCP agents: qrouter-/qdhcp- namespaces, dnsmasq, NAT in iptables
    ovs_flows: bool  # native OVS firewall: security-group flows on br-int (tables 71-82)
    ovn: bool  # ML2/OVN: northbound database, ovnmeta-<network> metadata namespace
    oldest_release: str = "icehouse"  # the oldest of RELEASES that had it
    history: str = ""  # when it appeared, for the error on an older release


ICEHOUSE = Release(
    name="icehouse",
    comments=False,
    invalid_first=True,
    dhcp_ingress="server-source",
    dhcp_client_broadcast=False,
    ipset=False,
    metadata_in_iface=False,
    snat_per_cidr=True,
    postrouting_in_iface=True,
    random_fully=False,
    route_proto_static=False,
    qg_bridge="br-ex",
    dnsmasq_form="icehouse",
    metadata_proxy="neutron-ns-metadata-proxy",
    conntrack_zones=False,
)
QUEENS = Release(
    name="queens",
    comments=True,
    invalid_first=False,
    dhcp_ingress="client-dest",
    dhcp_client_broadcast=True,
    ipset=True,
    metadata_in_iface=True,
    snat_per_cidr=False,
    postrouting_in_iface=True,
    random_fully=False,
    route_proto_static=False,
    qg_bridge="br-int",
    dnsmasq_form="queens",
    metadata_proxy="haproxy",
    conntrack_zones=True,
)
# Each later release is the one before it plus what changed (neutron-formats.md).
R2024_1 = replace(
    QUEENS,
    name="2024.1",
    postrouting_in_iface=False,
    random_fully=True,  # Train+
    route_proto_static=True,  # Train+
    dnsmasq_form="stein",  # Stein+: no --interface, --bind-dynamic
)
RELEASES: dict[str, Release] = {r.name: r for r in (ICEHOUSE, QUEENS, R2024_1)}
DEFAULT_RELEASE = "icehouse"

HYBRID = Backend("hybrid", True, True, True, False, False)
OVS_FIREWALL = Backend(
    "ovs-firewall", False, False, True, True, False, "queens",
    "the native OVS firewall appeared in Newton (DevStack's default from Rocky)",
)  # fmt: skip
OVN = Backend(
    "ovn", False, False, False, False, True, "queens",
    "OVN appeared after Icehouse (ML2/OVN is DevStack's default from Xena)",
)  # fmt: skip
BACKENDS: dict[str, Backend] = {b.name: b for b in (HYBRID, OVS_FIREWALL, OVN)}
DEFAULT_BACKEND = "hybrid"
NEWER_BACKEND_RELEASE = "2024.1"  # the release when --backend is not hybrid and none is given
# Where the rules live: loaded with iptables-<name>-restore; the other one stays empty.
IPTABLES = ("nft", "legacy")
DEFAULT_IPTABLES = "nft"
CONNTRACK_ZONE = 4097
COMMENT_ZONE = "Set zone for"
METADATA_PROXY_ARGS = (
    "--metadata_proxy_socket=/opt/stack/data/neutron/metadata_proxy",
    "--state_path=/opt/stack/data/neutron",
    "--metadata_proxy_user=1000",
    "--metadata_proxy_group=1000",
    "--debug",
    "--verbose",
)


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


def dhcp_files(plan: Plan, run_dir: str) -> dict[str, str]:
    """Paths of the DHCP agent's per-network files inside the host."""
    base = f"{run_dir}/dhcp/{plan['network_id']}"
    return {
        "dir": base,
        "pid": f"{base}/pid",
        "host": f"{base}/host",
        "addn_hosts": f"{base}/addn_hosts",
        "opts": f"{base}/opts",
        "leases": f"{base}/leases",
    }


def dhcp_file_contents(plan: Plan, release: Release) -> dict[str, str]:
    """Contents of the hosts, addn_hosts and opts files dnsmasq reads."""
    tag = "tag0" if release.dnsmasq_form != "stein" else f"subnet-{plan['subnet_id']}"
    host = ""
    addn = ""
    if plan["port_id"]:
        name = "host-" + plan["fixed_ip"].replace(".", "-")
        host = f"{plan['mac']},{name}.openstacklocal.,{plan['fixed_ip']}\n"
        addn = f"{plan['fixed_ip']}\t{name}.openstacklocal. {name}\n"
    opts = (
        f"tag:{tag},option:dns-server,{plan['dhcp_ip']}\n"
        f"tag:{tag},option:router,{plan['private_gateway']}\n"
    )
    return {"host": host, "addn_hosts": addn, "opts": opts}


def dnsmasq_argv(plan: Plan, release: Release, run_dir: str) -> list[str]:
    """The dnsmasq command line the DHCP agent of `release` runs in qdhcp-<network id>."""
    files = dhcp_files(plan, run_dir)
    network = plan["private_cidr"].split("/")[0]
    mask = "255.255.255.0"
    tap = plan["dhcp_tap"]
    if release.dnsmasq_form == "icehouse":
        return [
            "dnsmasq", "--no-hosts", "--no-resolv", "--strict-order", "--bind-interfaces",
            f"--interface={tap}", "--except-interface=lo", f"--pid-file={files['pid']}",
            f"--dhcp-hostsfile={files['host']}", f"--addn-hosts={files['addn_hosts']}",
            f"--dhcp-optsfile={files['opts']}", "--leasefile-ro",
            f"--dhcp-range=set:tag0,{network},static,86400s", "--dhcp-lease-max=256",
            "--conf-file=", "--domain=openstacklocal",
        ]  # fmt: skip
    common = [
        "dnsmasq", "--no-hosts", "--no-resolv", f"--pid-file={files['pid']}",
        f"--dhcp-hostsfile={files['host']}", f"--addn-hosts={files['addn_hosts']}",
        f"--dhcp-optsfile={files['opts']}", f"--dhcp-leasefile={files['leases']}",
        "--dhcp-match=set:ipxe,175",
    ]  # fmt: skip
    if release.dnsmasq_form == "queens":
        return [
            *common[:3], "--except-interface=lo", *common[3:], "--bind-interfaces",
            f"--interface={tap}", f"--dhcp-range=set:tag0,{network},static,{mask},86400s",
            "--dhcp-option-force=option:mtu,1450", "--dhcp-lease-max=256", "--conf-file=",
            "--domain=openstacklocal",
        ]  # fmt: skip
    return [
        *common, "--dhcp-userclass=set:ipxe6,iPXE", "--local-service", "--bind-dynamic",
        f"--dhcp-range=set:subnet-{plan['subnet_id']},{network},static,{mask},86400s",
        "--dhcp-option-force=option:mtu,1450", "--dhcp-lease-max=256",
        "--conf-file=/dev/null", "--domain=openstacklocal",
    ]  # fmt: skip


def haproxy_config(plan: Plan, release: Release, pid_file: str) -> str:
    """A metadata proxy on 9697 in qrouter-<id> that answers HTTP itself."""
    header = f"X-Neutron-Router-ID {plan['router_id']}"
    return haproxy_text(pid_file, "metadata", f"0.0.0.0:{METADATA_PORT}", header)


def haproxy_text(pid_file: str, listen: str, bind: str, header: str) -> str:
    """haproxy configuration: one `listen` section on BIND that answers every request."""
    return "\n".join(
        [
            "global",
            f"    pidfile {pid_file}",
            "    maxconn 64",
            "    nbthread 1",
            "    daemon",
            "defaults",
            "    mode http",
            "    timeout connect 5s",
            "    timeout client 30s",
            "    timeout server 30s",
            f"listen {listen}",
            f"    bind {bind}",
            f"    http-request set-header {header}",
            '    http-request return status 200 content-type text/plain string "latest\\n"',
            "",
        ]
    )


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


def metadata_proxy_argv(plan: Plan, release: Release, pid_file: str) -> list[str]:
    """Pre-Pike: the neutron-ns-metadata-proxy command line (after the interpreter)."""
    return [
        f"--pid_file={pid_file}",
        METADATA_PROXY_ARGS[0],
        f"--router_id={plan['router_id']}",
        METADATA_PROXY_ARGS[1],
        f"--metadata_port={METADATA_PORT}",
        *METADATA_PROXY_ARGS[2:],
    ]


def get_backend(name: str) -> Backend:
    from grader.errors import LabError

    if name not in BACKENDS:
        raise LabError(f"unknown backend '{name}' (known: {', '.join(BACKENDS)})")
    return BACKENDS[name]


def default_release(backend: str) -> str:
    """The release when none is given: Icehouse (the seed's) for hybrid, else 2024.1."""
    return DEFAULT_RELEASE if backend == DEFAULT_BACKEND else NEWER_BACKEND_RELEASE


def check_combination(release: str, backend: str) -> None:
    """LabError if BACKEND did not exist yet in RELEASE (no OVN in Icehouse)."""
    from grader.errors import LabError

    wanted = get_backend(backend)
    order = list(RELEASES)
    if order.index(get_release(release).name) < order.index(wanted.oldest_release):
        newer = " or ".join(order[order.index(wanted.oldest_release) :])
        raise LabError(
            f"--backend {backend} with --release {release}: {wanted.history}; give "
            f"--release {newer}, or no --release ({NEWER_BACKEND_RELEASE} with this backend)"
        )


def get_release(name: str) -> Release:
    from grader.errors import LabError

    if name not in RELEASES:
        raise LabError(f"unknown release '{name}' (known: {', '.join(RELEASES)})")
    return RELEASES[name]
