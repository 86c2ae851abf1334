# ruff: noqa: E501  (tables of forms read best one per line)
"""Every form listed in the parsers' tables, one at a time: route types before the
destination (`ip route show table all`), protocol numbers (`-p 6`, as iptables-save prints a
protocol it has no name for), long option names, options that take no value (a `!` after
them negates the next option, not them), and the shapes of `ip -o addr` / `ip -o link` lines
the lab's hosts do not print."""

from __future__ import annotations

import pytest

from grader.parsers.ip_addr import parse_ip_addr
from grader.parsers.ip_link import parse_ip_link
from grader.parsers.ip_route import parse_ip_route
from grader.parsers.iptables_save import parse_iptables_save, parse_rule
from grader.parsers.listeners import parse_listeners
from grader.parsers.ovn_nbctl import ovn_map
from grader.parsers.ovs import parse_flows
from grader.parsers.processes import parse_processes

ROUTE_TYPES = ["unicast", "local", "broadcast", "multicast", "throw", "unreachable", "prohibit"]
ROUTE_TYPES += ["blackhole", "nat", "anycast"]


@pytest.mark.parametrize("kind", ROUTE_TYPES)
def test_a_route_type_word_comes_before_the_destination(kind):
    (route,) = parse_ip_route(f"{kind} 10.9.0.0/24 dev qg-0a1b2c3d-4e proto static\n")
    assert (route.dest, route.dev, route.proto) == ("10.9.0.0/24", "qg-0a1b2c3d-4e", "static")
    (bare,) = parse_ip_route(f"{kind} 10.9.0.0/24\n")
    assert bare.dest == "10.9.0.0/24"


@pytest.mark.parametrize(
    ("number", "name"), [("1", "icmp"), ("6", "tcp"), ("17", "udp"), ("58", "ipv6-icmp"), ("132", "sctp")]
)  # fmt: skip
def test_a_protocol_number_is_its_name(number, name):
    assert parse_rule(f"-A X -p {number} -j RETURN").protocol == name


@pytest.mark.parametrize(
    ("long", "short", "value"),
    [("--source", "-s", "10.0.0.0/8"), ("--destination", "-d", "10.0.0.5/32"), ("--protocol", "-p", "tcp"),
     ("--in-interface", "-i", "qr-+"), ("--out-interface", "-o", "qg-0a1b2c3d-4e"), ("--match", "-m", "tcp"),
     ("--source-port", "--sport", "67"), ("--destination-port", "--dport", "22"),
     ("--source-ports", "--sports", "67,68"), ("--destination-ports", "--dports", "22,80")],
)  # fmt: skip
def test_long_option_names_mean_the_short_ones(long, short, value):
    assert parse_rule(f"-A X {long} {value} -j RETURN").value(short) == value
    assert parse_rule("-A X -p tcp --jump RETURN").target == "RETURN"
    assert parse_rule("-A X -p tcp --goto Y").value("-g") == "Y"


FLAGS = ["--physdev-is-bridged", "--physdev-is-in", "--physdev-is-out", "--random"]
FLAGS += ["--random-fully", "--persistent", "--rcheck", "--update", "--set", "--syn"]
FLAGS += ["--fragment", "-f", "--log-uid", "--notrack"]


@pytest.mark.parametrize("flag", FLAGS)
def test_an_option_without_value_leaves_a_following_bang_to_the_next_option(flag):
    rule = parse_rule(f"-A X -p tcp {flag} ! -s 10.0.0.0/8 -j RETURN")
    assert [o.name for o in rule.negations] == ["-s"]
    assert rule.get(flag) is not None and rule.get(flag).values == ()


def test_match_set_takes_a_name_and_a_direction():
    rule = parse_rule("-A X -m set --match-set NIPv4e3d2c1b0 src -p tcp -j RETURN")
    assert rule.get("--match-set").values == ("NIPv4e3d2c1b0", "src") and rule.protocol == "tcp"


def test_ip_addr_lines_without_prefix_or_with_junk_between():
    text = (
        "2: eth0    inet 999.1.1.1/24 scope global eth0\\       valid_lft forever\n"
        "2: eth0    inet 10.0.0.5 scope global eth0\\       valid_lft forever\n"
        "2: eth0    inet6 2001:db8::5 scope global \\       valid_lft forever\n"
    )
    found = [(a.family, a.address, a.prefixlen) for a in parse_ip_addr(text)]
    assert found == [("inet", "10.0.0.5", 32), ("inet6", "2001:db8::5", 128)]


def test_ip_link_mac_at_the_end_and_the_evidence_line():
    (link,) = parse_ip_link(
        "9: tap5d6c7b8a-1f: <BROADCAST,UP> mtu 1450 qdisc noop state DOWN\\    link/ether fa:16:3e:5a:6b:7c\n"
    )  # fmt: skip
    assert link.mac == "fa:16:3e:5a:6b:7c" and link.kind == "ether"
    assert link.line == "9: tap5d6c7b8a-1f: <BROADCAST,UP> mtu 1450 qdisc noop state DOWN"


def test_iptables_values_that_look_like_options_and_quoted_words():
    assert (
        parse_rule("-A X -m hashlimit --hashlimit-above -5 -j DROP").value("--hashlimit-above")
        == "-5"
    )
    escaped = parse_rule(r"-A X -m comment --comment Direct\ packets -j RETURN")
    assert escaped.value("--comment") == "Direct packets" and escaped.target == "RETURN"


def test_open_ended_port_ranges():
    assert parse_rule("-A X -p tcp -m tcp --dport :100 -j RETURN").covers_dport(22)
    assert not parse_rule("-A X -p tcp -m tcp --dport 1024: -j RETURN").covers_dport(22)
    assert parse_rule("-A X -p tcp -m tcp --dport 1024: -j RETURN").covers_dport(65535)


def test_chain_policies_and_user_chains():
    rules = parse_iptables_save("*filter\n:INPUT DROP [0:0]\n:neutron-x\nCOMMIT\n")
    assert rules.table("filter").policies == {"INPUT": "DROP", "neutron-x": "-"}


def test_a_four_word_ss_line_and_ovsdb_maps():
    (listener,) = parse_listeners("LISTEN 0 128 0.0.0.0:9697\n")
    assert listener.port == 9697 and listener.process is None
    assert ovn_map("{mtu=1442}") == {"mtu": "1442"}


def test_flow_statistics_are_not_match_fields():
    (flow,) = parse_flows(
        " cookie=0x1, duration=9.9s, table=82, n_packets=0, n_bytes=0, idle_age=5, hard_age=7, priority=77,tcp,reg5=0x7,tp_dst=22 actions=output:7\n"
    )  # fmt: skip
    assert [name for name, _ in flow.match] == ["tcp", "reg5", "tp_dst"]


def test_interpreted_programs_and_junk_between_processes():
    text = "    PID COMMAND\n   junk line\n   77 /usr/bin/python3 -u -B /usr/local/bin/neutron-ns-metadata-proxy --x=1\n"
    (process,) = parse_processes(text)
    assert process.pid == 77 and process.program == "neutron-ns-metadata-proxy"


@pytest.mark.parametrize(
    ("written", "name", "value"),
    [("-j DNAT --to 10.1.0.5", "--to-destination", "10.1.0.5"), ("-j SNAT --to 172.24.4.10", "--to-source", "172.24.4.10"),
     ("-j REDIRECT --to-port 9697", "--to-ports", "9697"), ("-j MASQUERADE --to 1024-2048", "--to-ports", "1024-2048"),
     ("-j SNAT --to-source 172.24.4.3 --random-fully", "--random-fully", ""), ("-j SNAT --to-s 172.24.4.3 --random", "--random", "")],
)  # fmt: skip
def test_a_nat_target_option_by_a_unique_prefix_is_the_option(written, name, value):
    """iptables takes a unique prefix of a target's option; Neutron wrote `--to` and
    `--to-port` before 11.0.0 (l3_agent.py floating_forward_rules, metadata_nat_rules)."""
    rule = parse_rule(f"-A neutron-l3-agent-PREROUTING -d 172.24.4.10 {written}")
    assert rule.get(name) is not None and rule.value(name) == value


def test_an_ambiguous_or_unknown_target_option_stays_as_written():
    assert parse_rule("-A X -j SNAT --to-source 1.2.3.4 --ran").has("--ran")  # --random(-fully)
    assert parse_rule("-A X -j LOG --to 1").has("--to")  # LOG has no --to...
    assert parse_rule("-A X -p tcp --to 1 -j DNAT").has("--to")  # before the target: a match's


def test_rules_with_counters_as_iptables_save_c_prints_them():
    ruleset = parse_iptables_save(
        "*nat\n:PREROUTING ACCEPT [3:180]\n:neutron-l3-agent-PREROUTING - [0:0]\n"
        "[3:180] -A PREROUTING -j neutron-l3-agent-PREROUTING\n"
        "[0:0] -A neutron-l3-agent-PREROUTING -d 172.24.4.10/32 -j DNAT --to-destination 10.1.0.5\n"
        "COMMIT\n"
    )
    (jump,) = ruleset.rules("nat", "PREROUTING")
    (dnat,) = ruleset.rules("nat", "neutron-l3-agent-PREROUTING")
    assert jump.target == "neutron-l3-agent-PREROUTING"
    assert dnat.value("--to-destination") == "10.1.0.5"
    assert ruleset.reachable("nat", "PREROUTING") == {"PREROUTING", "neutron-l3-agent-PREROUTING"}
