"""Issue 9 item 8e: an inbound chain is read as the kernel reads it, in order, up to the first
rule that decides for a new packet; an earlier DROP of the same traffic blocks a later RETURN."""

from __future__ import annotations

import pytest
from grading import edited, grade, pasted

from checks._chain import first_verdict
from grader.parsers.iptables_save import parse_iptables_save

CHAIN = "neutron-openvswi-ia1b2c3d4-e"


def ssh_and_icmp(*lines: str) -> tuple[str, str]:
    results = grade(edited("complete", pasted("filter", *lines)))
    return results["sg.ssh"].status, results["sg.icmp"].status


def test_a_drop_of_port_22_before_the_return_blocks_ssh() -> None:
    results = grade(
        edited("complete", pasted("filter", f"-A {CHAIN} -p tcp -m tcp --dport 22 -j DROP"))
    )
    ssh = results["sg.ssh"]
    assert ssh.status == "fail"
    assert ssh.evidence.startswith(
        "a tcp port 22 RETURN rule is at position 6, after the tcp port 22 DROP at position 1,"
        " so it is never reached"
    ), ssh.evidence
    assert results["sg.icmp"].status == "pass"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ((f"-A {CHAIN} -p icmp -j REJECT --reject-with icmp-port-unreachable",), ("pass", "fail")),
        ((f"-A {CHAIN} -p tcp -m multiport --dports 20:30 -j DROP",), ("fail", "pass")),
        ((f"-A {CHAIN} -p tcp -m conntrack --ctstate NEW -j DROP",), ("fail", "pass")),
        # cannot hold for a host from outside, or only for some: never blocks
        ((f"-A {CHAIN} -p tcp -m tcp --dport 23 -j DROP",), ("pass", "pass")),
        ((f"-A {CHAIN} -s 203.0.113.0/24 -p tcp -m tcp --dport 22 -j DROP",), ("pass", "pass")),
        ((f"-A {CHAIN} -p icmp -m icmp --icmp-type 0 -j DROP",), ("pass", "pass")),
        ((f"-A {CHAIN} -m state --state INVALID -j DROP",), ("pass", "pass")),
        ((f"-A {CHAIN} -m set --match-set NIPv4bad src -j DROP",), ("pass", "pass")),
        # jumps are followed; a RETURN in the called chain goes back to the caller
        (
            (
                ":student - [0:0]",
                f"-A {CHAIN} -p tcp -j student",
                "-A student -p tcp --dport 22 -j DROP",
            ),
            ("fail", "pass"),
        ),
        (
            (
                ":student - [0:0]",
                f"-A {CHAIN} -j student",
                "-A student -p tcp -j RETURN",
                "-A student -j DROP",
            ),
            ("pass", "fail"),
        ),
        ((f"-A {CHAIN} -j LOG --log-prefix x",), ("pass", "pass")),
    ],
)
def test_each_earlier_rule_decides_as_the_kernel_would(
    lines: tuple[str, ...], expected: tuple[str, str]
) -> None:
    assert ssh_and_icmp(*lines) == expected


def test_an_accept_in_a_called_chain_admits_and_a_return_there_does_not() -> None:
    rules = parse_iptables_save(
        "*filter\n:i - [0:0]\n:a - [0:0]\n:r - [0:0]\n"
        "-A i -p tcp -j r\n-A i -p tcp -j a\n-A i -j DROP\n"
        "-A r -p tcp --dport 22 -j RETURN\n-A a -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
    )
    verdict = first_verdict(rules, "i", "tcp", 22)
    assert verdict.allowed is True and verdict.rule is not None
    assert verdict.rule.line == "-A i -p tcp -j a"
    assert first_verdict(rules, "i", "tcp", 80).allowed is False
    assert first_verdict(rules, "r", "udp", 53).allowed is None  # falls off the end
