"""namespaces.*: the DHCP agent's qdhcp- and the L3 agent's qrouter- namespaces."""

from __future__ import annotations

from checks._common import lines
from checks._registry import check
from grader.facts import Facts
from grader.outcome import Outcome, failed, passed

SEE = "sudo ip netns list"


def _namespace(facts: Facts, prefix: str, chosen: str | None) -> Outcome:
    names = [n for n in facts.namespace_names if n.startswith(prefix)]
    expected = f"a namespace {prefix}<uuid>"
    if not names:
        listed = lines(facts.namespace_names, "(no namespaces at all)")
        return failed(
            f"no {prefix}* namespace; `ip netns list` shows:\n{listed}", expected=expected, see=SEE
        )
    evidence = lines(names)
    if chosen and len(names) > 1:
        evidence += f"\n(graded: {chosen})"
    return passed(evidence, see=SEE, expected=expected)


@check("dhcp_namespace")
def dhcp_namespace(facts: Facts) -> Outcome:
    """A qdhcp-<network id> namespace exists."""
    return _namespace(facts, "qdhcp-", facts.dhcp.ns if facts.dhcp else None)


@check("router_namespace")
def router_namespace(facts: Facts) -> Outcome:
    """A qrouter-<router id> namespace exists."""
    return _namespace(facts, "qrouter-", facts.router.ns if facts.router else None)
