"""Each check's status on whole recorded snapshots (tests/data/snapshots, see make_snapshots.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from shlex import quote

import pytest
from grading import RULES, Edit, edited, facts_of, grade, pasted, rubric, statuses, unreadable

from checks import load_all
from grader.facts import LINUXBRIDGE, UNKNOWN, Facts

ALL = [c["id"] for e in rubric() if e.get("default", True) for c in e["checks"]]
INSTANCE = {"devices.instance-tap", "devices.hybrid-plug", "devices.ovs-ports"}
INSTANCE |= {c for c in ALL if c.startswith("sg.")}
FALLBACK = "neutron-openvswi-sg-fallback"
FLOATING = {"routing.floating-ip", "nat.dnat", "nat.snat", "nat.pair"}


def not_passing(name: str | Facts) -> dict[str, str]:
    return {k: v for k, v in statuses(name).items() if v != "pass"}


@pytest.mark.parametrize(
    "name",
    [
        "complete",
        "icehouse",
        "kilo",
        "pike",
        "queens",
        "stein",
        "2024.1-conntrack-nft",
        "legacy-split",
        "several-instances",
        "hostile-junk",
    ],
)
def test_complete_hosts_of_every_release_pass_everything(name):
    assert not_passing(name) == {}


@pytest.mark.parametrize(
    ("name", "failing"),
    [
        ("no-ssh-rule", {"sg.ssh"}),
        ("icehouse-no-ssh-rule", {"sg.ssh"}),
        ("no-icmp-rule", {"sg.icmp"}),
        ("dhcp-down", {"dhcp.dnsmasq"}),
        ("no-metadata", {"nat.metadata-redirect", "nat.metadata-proxy"}),
        ("pasted-rule-in-stray-chain", {"sg.ssh"}),
    ],
)
def test_one_thing_missing_fails_only_its_checks(name, failing):
    assert not_passing(name) == dict.fromkeys(failing, "fail")


def test_no_floating_ip():
    result = not_passing("no-floating-ip")
    assert result["routing.floating-ip"] == "fail"
    assert set(result) == FLOATING
    assert all(result[c] in ("fail", "skip") for c in FLOATING)


@pytest.mark.parametrize("name", ["fresh", "cleaned-up"])
def test_fresh_host_fails_or_skips_instance_checks_with_reasons(name):
    results = grade(facts_of(name))
    bad = {k for k, v in results.items() if v.status != "pass"}
    assert bad <= INSTANCE | FLOATING
    for check_id in bad:
        assert results[check_id].status in ("fail", "skip")
        assert results[check_id].evidence  # a reason every time
    for check_id in (
        "namespaces.qdhcp",
        "namespaces.qrouter",
        "devices.ovs-bridges",
        "dhcp.tap",
        "dhcp.dnsmasq",
        "routing.interfaces",
        "routing.default-route",
        "nat.metadata-redirect",
        "nat.metadata-proxy",
    ):
        assert results[check_id].status == "pass", check_id


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cleaned-up", {"cleanup.instance": "pass", "cleanup.floating-ip": "pass"}),
        ("complete", {"cleanup.instance": "fail", "cleanup.floating-ip": "fail"}),
        ("stale-floating-ip", {"cleanup.instance": "pass", "cleanup.floating-ip": "fail"}),
    ],
)
def test_cleanup(name, expected):
    assert statuses(name, only="cleanup") == expected


@pytest.mark.parametrize(
    ("keys", "ns", "unread"),
    [
        ({"link"}, None, "cleanup.instance"),
        (RULES, None, "cleanup.instance"),
        ({"addr"}, "qrouter-", "cleanup.floating-ip"),
        (RULES, "qrouter-", "cleanup.floating-ip"),
    ],
)
def test_cleanup_is_an_error_when_it_could_not_look(keys, ns, unread):
    results = grade(edited("cleaned-up", unreadable(keys, ns)), only="cleanup")
    assert results[unread].status == "error"
    assert "Permission denied" in results[unread].evidence
    assert {r.status for i, r in results.items() if i != unread} == {"pass"}


def released_on_ovn(record: dict) -> None:
    """An edit for `edited`: the OVN host's floating IP released (its NAT row gone)."""
    if record["key"] == "ovn_nb_nat":
        rows = record["out"].split("\n\n")
        record["out"] = "\n\n".join(row for row in rows if "dnat_and_snat" not in row)


def test_cleanup_of_the_floating_ip_on_ovn_looks_at_the_nat_rows():
    left = grade(facts_of("ovn"), only="cleanup")["cleanup.floating-ip"]
    assert left.status == "fail" and "dnat_and_snat 172.24.4.229 10.0.0.12" in left.evidence
    assert statuses(edited("ovn", released_on_ovn), only="cleanup.floating-ip") == {
        "cleanup.floating-ip": "pass"
    }
    unread = edited("ovn", unreadable({"ovn_nb_nat"}))
    assert statuses(unread, only="cleanup.floating-ip") == {"cleanup.floating-ip": "error"}


def test_ovn_hosts_get_the_ovn_variants_and_hybrid_checks_are_errors_when_asked():
    result = statuses("ovn")
    assert not any(c.startswith(("sg.", "nat.", "namespaces.")) for c in result)
    assert "devices.hybrid-plug" not in result and result["devices.instance-tap"] == "pass"
    assert {c for c in result if c.startswith("ovn.")} >= {"ovn.sg-ssh", "ovn.floating-ip"}
    asked = statuses("ovn", only="security-groups")
    assert asked["sg.chain"] == "error" and "fail" not in asked.values()
    assert set(asked.values()) == {"error"}  # its dependants cannot be graded either: no skip
    assert statuses("ovn", only="namespaces") == {
        "namespaces.qdhcp": "error",
        "namespaces.qrouter": "error",
    }


def test_native_firewall_hosts_get_the_ovsfw_variants():
    result = statuses("native-firewall")
    assert "devices.hybrid-plug" not in result and "sg.chain" not in result
    assert result["devices.ovs-ports"] == "pass"  # tap directly on br-int
    assert result["devices.tap-on-br-int"] == "pass"
    assert {c for c in result if c.startswith("ovsfw.")} == {
        "ovsfw.port-flows",
        "ovsfw.sg-ssh",
        "ovsfw.sg-icmp",
        "ovsfw.stateful",
    }
    assert statuses("native-firewall", only="security-groups")["sg.chain"] == "error"


def test_evidence_teaches():
    results = grade(facts_of("no-ssh-rule"))
    ssh = results["sg.ssh"]
    assert "no rule allowing tcp port 22 in neutron-openvswi-ia1b2c3d4-e" in ssh.evidence
    assert "-p icmp -j RETURN" in ssh.evidence  # the chain's rules are shown
    assert ssh.see == "sudo iptables -S neutron-openvswi-ia1b2c3d4-e"
    assert "--dport 22" in ssh.expected
    dnat = grade(facts_of("complete"))["nat.dnat"]
    assert dnat.see.startswith("sudo ip netns exec qrouter-9e5f2802-2462-4f5c-a95b-c60b99744451 ")
    assert (
        "-A neutron-l3-agent-PREROUTING -d 172.24.4.229/32 -j DNAT --to-destination 10.0.0.12"
        in dnat.evidence
    )


def test_stray_chain_rule_is_named_but_does_not_score():
    ssh = grade(facts_of("pasted-rule-in-stray-chain"))["sg.ssh"]
    assert ssh.status == "fail"
    assert "neutron-openvswi-ideadbeef-0 -p tcp -m tcp --dport 22 -j RETURN" in ssh.evidence


def moved_after_the_fallback(line: str) -> Edit:
    """An edit for `edited`: the root rules with LINE of the inbound chain moved to its end,
    after the unconditional jump to sg-fallback."""

    def edit(record: dict) -> None:
        if record["ns"] is None and record["key"] in RULES and f"{line}\n" in record["out"]:
            rows = record["out"].replace(f"{line}\n", "", 1).splitlines(keepends=True)
            end = next(i for i, row in enumerate(rows) if row.endswith(" -j " + FALLBACK + "\n"))
            rows.insert(end + 1, f"{line}\n")
            record["out"] = "".join(rows)

    return edit


@pytest.mark.parametrize(
    ("check_id", "line", "what", "target"),
    [
        ("sg.icmp", "-p icmp -j RETURN", "an icmp", "RETURN"),
        ("sg.ssh", "-p tcp -m tcp --dport 22 -j RETURN", "a tcp port 22", "RETURN"),
    ],
)
def test_a_rule_after_the_fallback_jump_is_named_as_never_reached(check_id, line, what, target):
    chain = "neutron-openvswi-ia1b2c3d4-e"
    result = grade(edited("complete", moved_after_the_fallback(f"-A {chain} {line}")))[check_id]
    assert result.status == "fail"
    assert result.evidence.startswith(
        f"{what} {target} rule is at position 9, after the unconditional jump to "
        f"{FALLBACK} at position 8, so it is never reached; its rules:\n"
    ), result.evidence
    assert "no rule allowing" not in result.evidence


def test_what_counts_as_allowing_ssh_and_icmp():
    from checks.sg import _allows
    from grader.parsers.iptables_save import parse_rule

    def allows(line: str, protocol: str = "tcp", port: int | None = 22) -> bool:
        return _allows(parse_rule(f"-A c {line}"), protocol, port)

    assert allows("-p tcp -m tcp --dport 22 -j RETURN")
    assert allows("-s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j RETURN")
    assert allows("-p tcp -m multiport --dports 20:30 -j RETURN")
    assert allows("-p 6 -j RETURN") and allows("-j RETURN")
    assert not allows("-p tcp -m tcp --dport 23 -j RETURN")
    assert not allows("-p tcp -m tcp --dport 22 -j DROP")
    assert not allows("! -p tcp -j RETURN")
    assert not allows("-s 10.0.0.5/32 -j RETURN")  # a remote-group member, before ipset
    assert not allows("-m set --match-set NIPv4x src -j RETURN")
    assert not allows("-m state --state RELATED,ESTABLISHED -j RETURN")
    assert allows("-p icmp -j RETURN", "icmp", None)
    assert allows("-p icmp -m icmp --icmp-type 8 -j RETURN", "icmp", None)
    assert not allows("-p icmp -m icmp --icmp-type 0 -j RETURN", "icmp", None)
    assert not allows("-p udp -m udp --sport 67 --dport 68 -j RETURN", "udp", 68)


def test_what_could_not_be_read_in_the_router_is_an_error_where_it_is_read():
    results = grade(edited("complete", unreadable(RULES, "qrouter-")))
    for check_id in ("routing.floating-ip", "nat.dnat", "nat.snat", "nat.pair"):
        assert results[check_id].status == "error", check_id
        assert "could not read the iptables rules in qrouter-" in results[check_id].evidence
    assert results["nat.metadata-redirect"].status == "error"
    # what does not read the nat table still grades
    for check_id in ("routing.interfaces", "routing.default-route", "nat.metadata-proxy"):
        assert results[check_id].status == "pass", check_id
    no_ss = grade(edited("complete", unreadable({"listeners"}, "qrouter-")))
    assert no_ss["nat.metadata-proxy"].status == "pass"  # the haproxy process in it
    no_ps = unreadable({"processes"})
    neither = grade(edited("complete", unreadable({"listeners"}, "qrouter-"), no_ps))
    assert neither["nat.metadata-proxy"].status == "error"
    no_route = grade(edited("complete", unreadable({"route"}, "qrouter-")))
    assert no_route["routing.default-route"].status == "error"
    assert no_route["routing.floating-ip"].status == "pass"


TAP = "tapa1b2c3d4-e5"


def sg_chain_nothing_jumps_to(target: str, *rules: str) -> Edit:
    """A chain `a-sg-chain` (listed first, reached from nowhere) sending the instance's traffic
    to TARGET, which holds RULES."""
    declared = [":a-sg-chain - [0:0]"] + ([f":{target} - [0:0]"] if rules else [])
    return pasted(
        "filter",
        *declared,
        f"-A a-sg-chain -m physdev --physdev-out {TAP} --physdev-is-bridged -j {target}",
        *(f"-A {target} {rule}" for rule in rules),
    )


def test_a_student_made_sg_chain_nothing_jumps_to_is_not_the_wiring():
    stray = sg_chain_nothing_jumps_to("stray", "-p tcp -m tcp --dport 22 -j RETURN")
    facts = edited("no-ssh-rule", stray)
    assert facts.instance.chain_in == "neutron-openvswi-ia1b2c3d4-e"  # the honest wiring
    assert load_all()["sg_rule"](facts, protocol="tcp", port=22).status == "fail"
    assert not_passing(facts) == {"sg.ssh": "fail"}
    # the check itself counts only a chain wired from a chain FORWARD reaches
    a_sg_chain = next(r for r in facts.root.rules.rules("filter") if r.chain == "a-sg-chain")
    facts.instance = replace(facts.instance, chain_in="stray", wiring_rule=a_sg_chain)
    for check, params in (("sg_rule", {"protocol": "tcp", "port": 22}), ("sg_stateful", {})):
        outcome = load_all()[check](facts, **params)
        assert outcome.status == "fail" and "FORWARD never reaches a-sg-chain" in outcome.evidence


def test_an_extra_sg_chain_listed_first_does_not_hide_the_real_wiring():
    extra = sg_chain_nothing_jumps_to("neutron-openvswi-sg-fallback")
    facts = edited("complete", extra)
    assert facts.instance.chain_in == "neutron-openvswi-ia1b2c3d4-e"
    assert not_passing(facts) == {}


def linux_bridge(record: dict) -> None:
    """An edit for `edited`: the complete host as the Linux bridge agent names things."""
    if record["ns"] is None and record["key"] in {"link", "addr", *RULES}:
        out = record["out"].replace("neutron-openvswi-", "neutron-linuxbri-")
        record["out"] = out.replace("qbr", "brq")


def test_linux_bridge_hosts_get_errors_never_fails():
    facts = edited("complete", linux_bridge)
    assert facts.backend == LINUXBRIDGE
    results = statuses(facts)
    assert "fail" not in results.values() and "skip" not in results.values()
    for check_id in ("devices.hybrid-plug", "sg.chain", "sg.ssh", "devices.ovs-ports"):
        assert results[check_id] == "error", check_id


def test_a_host_without_neutron_fails_the_hybrid_checks():
    def before_stack_sh(record: dict) -> None:  # the host's own devices and nothing else
        if record["ns"] is not None or record["key"] not in {"link", "addr", *RULES}:
            record.clear()
        elif record["key"] in RULES:
            record["out"] = ""

    facts = edited("fresh", before_stack_sh)
    assert facts.backend == UNKNOWN
    for check in ("sg_chain", "hybrid_plug"):
        assert load_all()[check](facts).status == "fail"  # not CannotGrade


def renamed(old: str, new: str) -> Edit:
    """An edit for `edited`: every OLD in the records (names, outputs, arguments) is NEW."""

    def edit(record: dict) -> None:
        for field in ("ns", "arg", "out"):
            if isinstance(record.get(field), str):
                record[field] = record[field].replace(old, new)

    return edit


def _ovnmeta(facts: Facts) -> str:
    return next(n for n in facts.namespace_names if n.startswith("ovnmeta-"))


@pytest.mark.parametrize(
    ("name", "old", "new", "full"),
    [
        ("complete", "qrouter-9e5f", "qrouter-9e5f;id", lambda f: f.router.ns),
        ("complete", "qdhcp-4b52", "qdhcp-4b52$(id)", lambda f: f.dhcp.ns),
        ("complete", "openvswi-ia1b2", "openvswi-ia1b2`id`", lambda f: f.instance.chain_in),
        ("ovn", "neutron-9e5f", "neutron-9e5f&id", lambda f: f.northbound.routers[0].name),
        ("ovn", "ovnmeta-", "ovnmeta-;id;", _ovnmeta),
    ],
)
def test_host_derived_names_are_quoted_in_see_commands(
    name: str, old: str, new: str, full: Callable[[Facts], str]
):
    facts = edited(name, renamed(old, new))
    hostile = full(facts)
    assert new in hostile
    sees = [r.see for r in grade(facts).values() if new in r.see]
    sees += [r.see for r in grade(facts, only="cleanup").values() if new in r.see]
    assert sees  # the name is in some `see`, and only ever as one quoted word
    for see in sees:
        assert new not in see.replace(quote(hostile), ""), see
