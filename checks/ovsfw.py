"""ovsfw.*: security groups of the native OVS firewall, read from br-int's OpenFlow flows.

A port's flows match `reg5=<its ofport>` (`ovs-ofctl show br-int`): table 81 is the base of
ingress (conntrack), table 82 holds the rules (`ct_state=+new-est,tcp,...,tp_dst=22`), and a
rule counts only for the instance's own ofport. Some flows are table-wide, for every port:
Neutron (Newton on) writes table 82's INVALID drop without `reg5`. A remote-group rule is a
conjunction (`conjunction(N,2/2)` on the port's flow, `nw_src=<member>` on the other half,
`conj_id=N` accepting): it admits group members only, so it never counts as SSH/ICMP allowed.
"""

from __future__ import annotations

from checks._common import lines, no_instance
from checks._registry import check
from grader.facts import Facts
from grader.facts.openflow import INGRESS, port_flows, table_wide
from grader.outcome import CannotGrade, Outcome, failed, passed
from grader.parsers.numbers import ascii_number
from grader.parsers.ovs import Flow

SEE = "sudo ovs-ofctl dump-flows br-int table=82"
PROTOCOLS = {"tcp": ("tcp", "tcp6"), "udp": ("udp", "udp6"), "icmp": ("icmp",)}


def _ofport(facts: Facts) -> tuple[str, int] | Outcome:
    """(tap, ofport) of the graded instance, or the failing Outcome."""
    expected = "the instance's tap as a port of br-int (`ovs-ofctl show br-int`)"
    if facts.openflow_error:
        raise CannotGrade(f"could not read br-int's OpenFlow state: {facts.openflow_error}", SEE)
    instance = facts.instance
    if instance is None or instance.tap is None:
        return failed(no_instance(facts), expected=expected, see="ip a")
    if instance.tap not in facts.ofports:
        shown = ", ".join(facts.ofports) or "(nothing)"
        return failed(
            f"{instance.tap} is not a port of br-int (ports: {shown})", expected=expected, see=SEE
        )
    return instance.tap, facts.ofports[instance.tap]


def _accepts(flow: Flow) -> bool:
    actions = flow.actions.replace(" ", "")
    return actions not in ("drop", "") and "resubmit(,93)" not in actions


def _covers(value: str | None, port: int | None) -> bool:
    """tp_dst=22, tcp_dst=0x16, or VALUE/MASK covering PORT; no value = every port."""
    if value is None or port is None:
        return value is None or port is None
    number, _, mask = value.partition("/")
    wanted, bits = ascii_number(number), ascii_number(mask) if mask else 0xFFFF
    if wanted is None or bits is None:
        return False
    return (port & bits) == (wanted & bits)


def _conjunctive(flow: Flow) -> bool:
    """A flow of a remote-group rule (Neutron's ConjIPFlowManager): one half of a conjunction
    (`actions=conjunction(N,k/2)`) or its accepting flow (`conj_id=N`). It admits members of
    the remote group only, never SSH/ICMP from outside."""
    return flow.has("conj_id") or "conjunction(" in flow.actions


def _allows(flow: Flow, protocol: str, port: int | None) -> bool:
    state = flow.get("ct_state")
    if flow.table != 82 or not _accepts(flow) or (state is not None and "+new" not in state):
        return False  # only a flow that lets new connections in is a rule
    if _conjunctive(flow):
        return False
    names = PROTOCOLS.get(protocol, (protocol,))
    if not any(flow.has(name) for name in names):
        everything = flow.has("ip") and not any(
            flow.has(p) for ps in PROTOCOLS.values() for p in ps
        )
        return everything and not flow.has("nw_src")
    if protocol == "icmp":
        return flow.get("icmp_type") in (None, "8")
    dst = flow.get("tp_dst") or flow.get(f"{protocol}_dst")
    return _covers(dst, port)


@check("ovsfw_port_flows")
def ovsfw_port_flows(facts: Facts) -> Outcome:
    """br-int holds ingress firewall flows (tables 81/82) for the instance's ofport."""
    found = _ofport(facts)
    if isinstance(found, Outcome):
        return found
    tap, ofport = found
    expected = f"flows in tables 81 and 82 matching reg5={hex(ofport)} ({tap})"
    flows = port_flows(facts.flows, ofport)
    tables = {f.table for f in flows}
    if not set(INGRESS) <= tables:
        return failed(
            f"{tap} is ofport {ofport}; ingress tables with its flows: "
            f"{', '.join(map(str, sorted(tables))) or 'none'}",
            expected=expected,
            see="sudo ovs-ofctl dump-flows br-int",
        )
    return passed(
        lines(f.line for f in flows), see="sudo ovs-ofctl dump-flows br-int", expected=expected
    )


@check("ovsfw_sg_rule")
def ovsfw_sg_rule(facts: Facts, *, protocol: str, port: int | None = None) -> Outcome:
    """A table-82 flow for the instance's ofport that accepts new PROTOCOL (PORT) traffic."""
    found = _ofport(facts)
    if isinstance(found, Outcome):
        return found
    tap, ofport = found
    what = f"{protocol}" + (f",tp_dst={port}" if port is not None else "")
    expected = (
        f"table=82 ... ct_state=+new-est,{what},reg5={hex(ofport)} actions=...output:{ofport}"
    )
    flows = port_flows(facts.flows, ofport, (82,))
    allowing = [f for f in flows if _allows(f, protocol.lower(), port)]
    if allowing:
        return passed(lines(f.line for f in allowing), see=SEE, expected=expected)
    return failed(
        f"no table-82 flow for {tap} (reg5={hex(ofport)}) accepts {what}; its flows:\n"
        + lines((f.line for f in flows), "(none)"),
        expected=expected,
        see=SEE,
    )


@check("ovsfw_stateful")
def ovsfw_stateful(facts: Facts) -> Outcome:
    """Conntrack for the port: INVALID dropped, established/related traffic let through."""
    found = _ofport(facts)
    if isinstance(found, Outcome):
        return found
    _, ofport = found
    expected = "ct_state=+inv+trk -> drop (table 93); ct_state=+est-rel-rpl -> output"
    flows = port_flows(facts.flows, ofport) + table_wide(facts.flows)
    invalid = [f for f in flows if "+inv" in (f.get("ct_state") or "") and not _accepts(f)]
    established = [f for f in flows if "+est" in (f.get("ct_state") or "") and _accepts(f)]
    missing = [n for n, got in (("INVALID drop", invalid), ("ESTABLISHED", established)) if not got]
    see = "sudo ovs-ofctl dump-flows br-int | grep ct_state"
    if missing:
        return failed(f"missing: {', '.join(missing)}", expected=expected, see=see)
    return passed(lines(f.line for f in [*invalid, *established]), see=see, expected=expected)
