"""Helpers shared by the lab's checks: what a check reads, the graded instance, evidence text.

Which backends a check applies to is said in exercises.yaml `backends:` alone (the engine
makes it `error` elsewhere, grader/backends.py): a check never tests the backend to refuse."""

from __future__ import annotations

from collections.abc import Iterable
from shlex import quote

from grader.facts import Facts, Instance, NamespaceView, NatRule, Router
from grader.outcome import CannotGrade, Outcome, failed
from grader.parsers.iptables_save import Rule

MAX_EVIDENCE_LINES = 12


NEEDS = {"rules": "rules", "link": "links", "addr": "addresses", "route": "routes"}


def view_or_error(view: NamespaceView, *needs: str) -> None:
    """CannotGrade up front when what a check reads in VIEW's namespace could not be gathered
    there: `rules` (iptables-save), or the `ip` listings `link`, `addr`, `route` (e.g. `ip netns
    exec` refused), or `listeners`. Reading the attribute is what raises (the facts know their
    records, grader/facts/sourced.py); this only makes the check's whole input explicit."""
    for need in needs:
        getattr(view, NEEDS.get(need, need))


def router_or_error(facts: Facts, needs: Iterable[str] = ()) -> Router | None:
    """The graded qrouter (None: there is none), once what the check reads in it (NEEDS, see
    `view_or_error`) is known to have been gathered."""
    if facts.router is not None:
        view_or_error(facts.router.view, *needs)
    return facts.router


def gateway_view(router: Router, *needs: str) -> NamespaceView:
    """Where ROUTER's qg-, gateway address and default route live: its own namespace, or with
    DVR (neutron/agent/l3/dvr_edge_router.py) snat-<router id>; CannotGrade naming DVR on a
    compute node that has no snat- namespace, or when NEEDS could not be read there."""
    if router.dvr and router.gateway_view is None:
        raise CannotGrade(
            f"{router.ns} is a distributed router (DVR: an rfp- device, no qg-): its qg-, "
            "public address and default route live in snat-<router id> on the network node, "
            "which this host does not have; grade the network node"
        )
    view = router.gateway_view or router.view
    view_or_error(view, *needs)
    return view


def no_router(expected: str = "a qrouter-<router id> namespace") -> Outcome:
    return failed("no qrouter namespace", expected=expected, see="sudo ip netns list")


def lines(items: Iterable[str], empty: str = "(nothing)") -> str:
    found = list(items)
    if not found:
        return empty
    shown = found[:MAX_EVIDENCE_LINES]
    more = len(found) - len(shown)
    return "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")


def rule_lines(rules: Iterable[Rule], empty: str = "(no rules)") -> str:
    return lines((rule.line for rule in rules), empty)


def no_instance(facts: Facts) -> str:
    """Evidence when no instance port was found."""
    taps = [link.name for link in facts.root.links_named("tap")]
    if facts.stale_ports:
        return (
            "no instance tap device in the root namespace; left-over port devices/chains: "
            + ", ".join(facts.stale_ports)
        )
    return "no instance tap device in the root namespace" + (
        f" (tap devices seen: {', '.join(taps)})" if taps else " (`ip -o link` shows no tap*)"
    )


def instance_chain_see(facts: Facts, instance: Instance) -> str:
    return facts.root.iptables(f"-S {quote(instance.chain_in)}")


def for_instance(facts: Facts, nat: Iterable[NatRule]) -> list[NatRule]:
    """The NAT rules whose fixed address is the graded instance's (all when it is unknown):
    NAT pasted for some other address does not count."""
    fixed = set(facts.instance.fixed_ips) if facts.instance else set()
    return [rule for rule in nat if not fixed or rule.fixed in fixed]
