"""Issue 9 item 9: partial credit that does not punish twice (docs/checks.md). A /32 on qg- tied
to the instance by its DNAT or its SNAT is its floating IP: a missing DNAT costs nat.dnat and
nat.pair only, a missing SNAT nat.snat and nat.pair only. A /32 with no NAT scores nothing; a
floating IP left over with no instance passes none of the floating-IP checks. No floating IP at
all costs the same on every backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from grading import edited, facts_of, grade
from neutron_host import FLOATING, QROUTER, hybrid

from checks import load_all
from grader.facts import Facts
from grader.model import load_exercises
from grader.result import CheckResult
from grader.rubric_rules import mistake_costs

FLOATING_CHECKS = {"routing.floating-ip", "nat.dnat", "nat.snat", "nat.pair"}


def lost(results: dict[str, CheckResult]) -> dict[str, tuple[str, int]]:
    """{check id: (status, points lost)} of every check not passing."""
    return {
        k: (c.status, c.max_points - c.points) for k, c in results.items() if c.status != "pass"
    }


def total(results: dict[str, CheckResult]) -> int:
    return sum(points for _, points in lost(results).values())


def without(*texts: str, ns_prefix: str = "qrouter-") -> Callable[[dict], None]:
    """An edit for `edited`: lines holding any of TEXTS removed from the namespace's records."""

    def edit(record: dict) -> None:
        if (record["ns"] or "").startswith(ns_prefix):
            kept = [line for line in record["out"].splitlines(keepends=True)]
            record["out"] = "".join(x for x in kept if not any(t in x for t in texts))

    return edit


P = {c.id: c.points for c in load_exercises().checks()}  # the rubric's points
NO_DNAT = without("-j DNAT")
NO_SNAT = without("-j SNAT --to-source 172.24.4.229")
NO_NAT = without("-j DNAT", "-j SNAT --to-source 172.24.4.229")


@pytest.mark.parametrize("snapshot", ["complete", "native-firewall", "icehouse", "queens"])
@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (NO_DNAT, {"nat.dnat": ("fail", P["nat.dnat"]), "nat.pair": ("skip", P["nat.pair"])}),
        (NO_SNAT, {"nat.snat": ("fail", P["nat.snat"]), "nat.pair": ("skip", P["nat.pair"])}),
        (
            NO_NAT,  # a /32 with no NAT behind it: nothing of the floating IP scores
            {
                "routing.floating-ip": ("fail", P["routing.floating-ip"]),
                "nat.dnat": ("skip", P["nat.dnat"]),
            }
            | {"nat.snat": ("skip", P["nat.snat"]), "nat.pair": ("skip", P["nat.pair"])},
        ),
    ],
    ids=["no-dnat", "no-snat", "no-nat"],
)
def test_a_missing_nat_rule_costs_its_own_checks_only(
    snapshot: str, edit: Callable[[dict], None], expected: dict[str, tuple[str, int]]
) -> None:
    assert lost(grade(edited(snapshot, edit))) == expected


@pytest.mark.parametrize("tag", ["2014.1", "15.0.0"])
def test_on_hosts_written_from_neutrons_code(tag: str) -> None:
    no_dnat = hybrid(tag).edit("iptables_save", QROUTER, drop="-j DNAT")
    assert lost(grade(no_dnat.facts())) == {
        "nat.dnat": ("fail", P["nat.dnat"]),
        "nat.pair": ("skip", P["nat.pair"]),
    }
    hand_made = hybrid(tag).edit("iptables_save", QROUTER, drop=FLOATING)
    assert set(lost(grade(hand_made.facts()))) == FLOATING_CHECKS


def leftover() -> Facts:
    """A floating IP (its /32 and its NAT) left behind after the instance was deleted."""
    return facts_of("stale-floating-ip")


def test_a_leftover_floating_ip_without_an_instance_passes_nothing_of_it() -> None:
    facts = leftover()
    assert facts.instance is None and facts.router is not None and facts.router.floating
    results = grade(facts)
    assert {k: results[k].status for k in FLOATING_CHECKS} == {
        "routing.floating-ip": "fail",
        "nat.dnat": "skip",
        "nat.snat": "skip",
        "nat.pair": "skip",
    }
    assert "no instance was found" in results["routing.floating-ip"].evidence
    for name in ("nat_dnat", "nat_snat", "nat_pair"):  # the functions alone: fail too
        assert load_all()[name](facts).status == "fail"


@pytest.mark.parametrize(
    "snapshot", ["no-floating-ip", "ovn-no-floating-ip", "native-firewall-no-floating-ip"]
)
def test_no_floating_ip_costs_the_same_on_every_backend(snapshot: str) -> None:
    if snapshot == "native-firewall-no-floating-ip":
        facts = edited("native-firewall", NO_NAT, without("172.24.4.229/32"))
    else:
        facts = facts_of(snapshot)
    # what the rubric declares one missing floating IP costs (mistakes:), the same on every
    # backend; the grade must lose exactly that
    declared = mistake_costs(load_exercises())["no-floating-ip"]
    assert total(grade(facts)) == declared[facts.backend]
    assert max(declared.values()) - min(declared.values()) <= 2
