from grader.parsers.iptables_save import parse_iptables_save, parse_rule

CHAIN = "neutron-openvswi-ia1b2c3d4-e"


def test_icehouse_listing(output):
    rules = parse_iptables_save(output("iptables-icehouse.txt"))
    chain = rules.rules("filter", "neutron-openvswi-ib5e2060e-0")
    assert [r.target for r in chain] == [
        "DROP",
        "RETURN",
        "RETURN",
        "RETURN",
        "RETURN",
        "neutron-openvswi-sg-fallback",
    ]
    assert chain[0].states == {"INVALID"}
    assert (
        chain[2].protocol == "tcp" and chain[2].covers_dport(22) and not chain[2].covers_dport(23)
    )
    assert chain[4].value("-s") == "10.0.0.2/32" and chain[4].sports == ((67, 67),)
    assert [r.position for r in chain] == list(range(6))
    assert rules.table("filter").policies["INPUT"] == "ACCEPT"
    assert rules.has_chain("filter", "neutron-filter-top")  # declared, no rules
    assert "neutron-openvswi-ib5e2060e-0" in rules.reachable("filter", "FORWARD")


def test_conntrack_comments_multiport_ipset(output):
    rules = parse_iptables_save(output("iptables-variants.txt")).rules("filter", CHAIN)
    related, ssh, multiport, icmp, numeric, ipset, invalid = rules[:7]
    assert related.states == {"RELATED", "ESTABLISHED"}
    assert related.comment.startswith("Direct packets")
    assert ssh.comment == 'a "quoted" comment' and ssh.target == "RETURN" and ssh.covers_dport(22)
    assert multiport.dports == ((10, 100), (443, 443)) and multiport.covers_dport(50)
    assert multiport.value("-s") == "192.168.0.0/16"
    assert icmp.value("--icmp-type") == "8"
    assert numeric.protocol == "tcp"
    assert ipset.match_sets == ("NIPv4f0e1d2c3-b4a5-4697-8877-",)
    assert ipset.get("--match-set").values == ("NIPv4f0e1d2c3-b4a5-4697-8877-", "src")
    assert invalid.states == {"INVALID"} and invalid.target == "DROP"


def test_unbalanced_quote_and_junk_lines_do_not_break(output):
    ruleset = parse_iptables_save(output("iptables-variants.txt"))
    chain = ruleset.rules("filter", CHAIN)
    assert len(chain) == 8  # the unbalanced line still parses; junk and bare "-A" are dropped
    assert chain[-1].target == "RETURN"


def test_negations_and_random_fully(output):
    ruleset = parse_iptables_save(output("iptables-variants.txt"))
    post = ruleset.rules("nat", "neutron-l3-agent-POSTROUTING")[0]
    assert {(o.name, o.negated) for o in post.negations} == {
        ("-i", True),
        ("-o", True),
        ("--ctstate", True),
    }
    assert post.states == frozenset()  # only a negated state: nothing positively matched
    snat = ruleset.rules("nat", "neutron-l3-agent-float-snat")[0]
    assert snat.value("--to-source") == "172.24.4.229" and snat.has("--random-fully")
    other = ruleset.rules("nat", "neutron-l3-agent-snat")[0]
    assert other.get("--mark", negated=True).value == "0x2/0xffff"
    assert other.states == {"DNAT"}


def test_raw_table_conntrack_zone(output):
    raw = parse_iptables_save(output("iptables-variants.txt")).rules("raw")
    assert raw[0].target == "CT" and raw[0].value("--zone") == "4097"


def test_old_style_negation_and_aliases():
    rule = parse_rule("-A X --protocol tcp --destination-port 22 -s ! 10.0.0.0/8 --jump RETURN")
    assert rule.protocol == "tcp" and rule.covers_dport(22) and rule.target == "RETURN"
    assert rule.get("-s", negated=True).value == "10.0.0.0/8"


def test_not_a_rule():
    assert parse_rule("-I X -j DROP") is None
    assert parse_rule("") is None
    assert len(parse_iptables_save("-A X -j DROP\n")) == 0  # no table header: ignored
