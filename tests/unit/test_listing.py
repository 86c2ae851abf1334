"""The `iptables -L` view of a chain shown under a failing sg.* check (checks/listing.py): the
seed's own listing words, with the rules that are not the student's annotated."""

from __future__ import annotations

from checks.listing import list_view
from grader.parsers.iptables_save import parse_iptables_save

CHAIN = "neutron-openvswi-ib5e2060e-0"
SAVE = f"""*filter
:{CHAIN} - [0:0]
-A {CHAIN} -m state --state INVALID -j DROP
-A {CHAIN} -m state --state RELATED,ESTABLISHED -j RETURN
-A {CHAIN} -p tcp -m tcp --dport 22 -j RETURN
-A {CHAIN} -p icmp -j RETURN
-A {CHAIN} -s 10.0.0.2/32 -p udp -m udp --sport 67 --dport 68 -j RETURN
-A {CHAIN} -m set --match-set NIPv4f0e1d2c3-b4a5-4697-8877- src -j RETURN
-A {CHAIN} -j neutron-openvswi-sg-fallback
COMMIT
"""


def test_the_seeds_listing_words_and_what_does_not_count() -> None:
    rules = parse_iptables_save(SAVE).rules("filter", CHAIN)
    lines = [" ".join(line.split()) for line in list_view(CHAIN, rules).splitlines()]
    assert lines[0] == f"Chain {CHAIN}"
    assert "DROP all -- anywhere anywhere state INVALID" in lines
    assert "RETURN all -- anywhere anywhere state ESTABLISHED,RELATED" in lines
    assert "RETURN tcp -- anywhere anywhere tcp dpt:ssh" in lines  # as the seed prints it
    assert "RETURN icmp -- anywhere anywhere" in lines
    dhcp = next(line for line in lines if "bootps" in line)
    assert dhcp.startswith("RETURN udp -- 10.0.0.2 anywhere udp spt:bootps dpt:bootpc")
    assert "not yours" in dhcp
    remote = next(line for line in lines if "match-set" in line)
    assert "remote-group rule" in remote and "does not count" in remote
    assert not any("<-" in line for line in lines if "dpt:ssh" in line or "icmp" in line)
