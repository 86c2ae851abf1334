# ruff: noqa: E501  (recorded lines are long by nature)
"""Every release tag's host as Neutron writes it (tests/unit/neutron_host.py, forms from
neutron_release_forms.py): a complete host passes every check, and the lab's usual mistakes
fail the check they break, at every tag, not only at the two or three the other tests use.

Also the rules as Neutron's code wrote them before iptables-save printed them back: the
abbreviated NAT options (`--to`, `--to-port`) and bare host addresses (`-s 10.1.0.5`) of
l3_agent.py / iptables_firewall.py before 11.0.0. iptables-save spells them out, but a recorded
host written from the code (or an iptables front end that keeps them) must grade the same.
"""

from __future__ import annotations

import pytest
from neutron_host import (
    FIXED,
    FLOATING,
    I_CHAIN,
    L3,
    MAC,
    MEMBER,
    QDHCP,
    QROUTER,
    S_CHAIN,
    Host,
    hybrid,
    remote_group_rule,
    stateless,
)
from neutron_release_forms import TAGS, at_least, forms
from outcome_cases import graded

SSH = f"-A {I_CHAIN} -p tcp -m tcp --dport 22 -j RETURN"
ICMP = f"-A {I_CHAIN} -p icmp -j RETURN"


def _statuses(host: Host) -> dict[str, str]:
    return {k: v.status for k, v in graded(lambda _tag: host, None, "").items()}


def _not_passed(host: Host) -> dict[str, str]:
    return {k: v for k, v in _statuses(host).items() if v != "pass"}


@pytest.mark.parametrize("tag", TAGS)
def test_a_complete_host_of_every_tag_passes_every_check(tag):
    assert _not_passed(hybrid(tag)) == {}


def _no_ssh(host: Host) -> Host:
    return host.edit("iptables_save", drop=SSH)


def _no_icmp(host: Host) -> Host:
    return host.edit("iptables_save", drop=ICMP)


def _no_redirect(host: Host) -> Host:
    return host.edit("iptables_save", QROUTER, drop="REDIRECT")


def _no_float_snat(host: Host) -> Host:
    return host.edit("iptables_save", QROUTER, drop=f"-A {L3}-float-snat")


def _dnsmasq_elsewhere(host: Host) -> Host:
    """dnsmasq's process in the root namespace (no --interface from 14.0.0 on, so only where it
    runs tells it serves the tap), or bound to another tap before."""
    host.records[("netns_identify", None, "2201")] = {"rc": 0, "out": "", "err": ""}
    host.edit("netns_pids", arg=QDHCP, replace=("2201", "2202"))
    if "--interface=tap" in host.records[("processes", None, None)]["out"]:
        host.edit("processes", replace=("--interface=tap", "--interface=tapffffffff"))
    return host


BROKEN = [
    (_no_ssh, {"sg.ssh": "fail"}),
    (_no_icmp, {"sg.icmp": "fail"}),
    (_no_redirect, {"nat.metadata-redirect": "fail"}),
    (_no_float_snat, {"nat.snat": "fail", "nat.pair": "skip"}),
    (_dnsmasq_elsewhere, {"dhcp.dnsmasq": "fail"}),
]


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize(
    ("change", "failing"), [pytest.param(c, f, id=c.__name__) for c, f in BROKEN]
)
def test_a_lab_mistake_fails_what_it_breaks_at_every_tag(tag, change, failing):
    assert _not_passed(change(hybrid(tag))) == failing


@pytest.mark.parametrize("tag", [t for t in TAGS if at_least(t, "16.0.0")])
def test_a_stateless_group_is_not_stateful(tag):
    """16.0.0+ iptables_firewall.py _get_jump_rules: a group with stateful=False puts the port's
    traffic in raw PREROUTING `-j CT --notrack`; the filter chain keeps its RELATED,ESTABLISHED
    and INVALID rules, which then match nothing (untracked packets have neither state)."""
    result = graded(lambda _tag: stateless(hybrid(tag)), None, "")["sg.stateful"]
    assert result.status == "fail", result.evidence
    assert "--notrack" in result.evidence
    assert _not_passed(stateless(hybrid(tag))) == {"sg.stateful": "fail"}


# --- as the code wrote them ------------------------------------------------------------------
def _as_l3_agent_wrote_it(host: Host, tag: str) -> Host:
    """2014.1 neutron/agent/l3_agent.py floating_forward_rules (`-d F -j DNAT --to X`, `-s X -j
    SNAT --to F`, also router_info.py until 11.0.0) and metadata_nat_rules (`-s 0.0.0.0/0 ...
    -j REDIRECT --to-port 9697`, metadata/driver.py `--to-port` until 12.0.0)."""
    for old, new in (
        (
            f"-d {FLOATING}/32 -j DNAT --to-destination {FIXED}",
            f"-d {FLOATING} -j DNAT --to {FIXED}",
        ),
        (f"-s {FIXED}/32 -j SNAT --to-source {FLOATING}", f"-s {FIXED} -j SNAT --to {FLOATING}"),
        ("-d 169.254.169.254/32", "-s 0.0.0.0/0 -d 169.254.169.254/32"),
        ("REDIRECT --to-ports 9697", "REDIRECT --to-port 9697"),
    ):
        host.edit("iptables_save", QROUTER, replace=(old, new))
    return host


def _as_firewall_wrote_it(host: Host, tag: str) -> Host:
    """2014.1 iptables_firewall.py _setup_spoof_filter_chain: `-m mac --mac-source MAC -s IP
    -j RETURN` with the port's address as Neutron holds it (no /32; 8.0.0 added ip_to_cidr)."""
    comment = (
        ' -m comment --comment "Allow traffic from defined IP/MAC pairs."'
        if forms(tag).comments
        else ""
    )
    old = f"-A {S_CHAIN} -s {FIXED}/32 -m mac --mac-source {MAC.upper()}{comment} -j RETURN"
    new = f"-A {S_CHAIN} -m mac --mac-source {MAC} -s {FIXED}{comment} -j RETURN"
    return host.edit("iptables_save", replace=(old, new))


WRITTEN_TAGS = [t for t in TAGS if not at_least(t, "11.0.0")]


@pytest.mark.parametrize("tag", WRITTEN_TAGS)
def test_nat_rules_as_the_l3_agent_wrote_them_grade_as_printed(tag):
    assert _not_passed(_as_l3_agent_wrote_it(hybrid(tag), tag)) == {}


@pytest.mark.parametrize("tag", [t for t in TAGS if not at_least(t, "8.0.0")])
def test_the_anti_spoofing_pair_as_the_firewall_wrote_it_names_the_fixed_ip(tag):
    host = _as_firewall_wrote_it(hybrid(tag), tag)
    assert host.facts().instance.fixed_ips == (FIXED,)
    assert _not_passed(host) == {}


# --- a remote-group SSH rule costs the same at every tag --------------------------------------
MEMBER_PORT = (
    "7e6f5a4b-3c2d-4e1f-8a9b-0c1d2e3f4a5b"  # another instance of the group, fixed 10.1.0.7
)


def _with_member(host: Host) -> Host:
    """A second instance on the host (its tap, and its anti-spoofing pair naming 10.1.0.7)."""
    tap, qbr = f"tap{MEMBER_PORT[:11]}", f"qbr{MEMBER_PORT[:11]}"
    link = f"12: {tap}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc fq_codel master {qbr} state UNKNOWN mode DEFAULT group default qlen 1000\\    link/ether fe:16:3e:00:00:07 brd ff:ff:ff:ff:ff:ff"
    host.edit("link", add=link)
    pair = f"-A neutron-openvswi-s{MEMBER_PORT[:10]} -s {MEMBER}/32 -m mac --mac-source FA:16:3E:00:00:07 -j RETURN"
    return host.edit("iptables_save", add=pair)


def _ssh_from_the_group(host: Host, tag: str) -> Host:
    """`--remote-group-id default` for tcp/22: 2014.1 one `-s <member>/32` rule per other member
    (securitygroups_rpc_base._convert_remote_group_id_to_ip_prefix), later the group's ipset
    (iptables_firewall._generate_ipset_chain / _generate_ipset_rule_args)."""
    group = remote_group_rule(tag).split(f"-A {I_CHAIN} ")[1].removesuffix(" -j RETURN")
    if group.startswith("-s "):
        ssh = f"-A {I_CHAIN} {group} -p tcp -m tcp --dport 22 -j RETURN"
    else:
        ssh = f"-A {I_CHAIN} -p tcp -m tcp --dport 22 {group} -j RETURN"
    return host.edit("iptables_save", replace=(SSH, ssh))


@pytest.mark.parametrize("tag", ["2014.1", "2014.2", "8.0.0", "15.0.0", "24.0.0"])
def test_ssh_from_the_group_only_is_not_ssh_allowed_at_any_tag(tag):
    host = _ssh_from_the_group(_with_member(hybrid(tag)), tag)
    assert host.facts().other_instances[0].fixed_ips == (MEMBER,)
    result = graded(lambda _tag: host, None, "")["sg.ssh"]
    assert result.status == "fail", result.evidence
