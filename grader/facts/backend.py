"""Which Neutron backend the host runs, in the order of the table grader/backends.py (which
also holds what a student on each is told)."""

from __future__ import annotations

from grader.backends import BACKENDS, HYBRID, LINUXBRIDGE, NATIVE, OVN, UNKNOWN
from grader.facts.types import Facts
from grader.parsers.ovs import parse_external_ids


def recognise(facts: Facts) -> tuple[str, str | None]:
    """(backend, what to tell the student) from facts already built: root rules and links,
    namespaces, processes, OVS bridges and br-int's flows."""
    chains = facts.root.rules.chains("filter")
    links = [link.name for link in facts.root.links]
    names = facts.namespace_names
    programs = {process.program for process in facts.processes}
    if any(c.startswith("neutron-openvswi-") for c in chains) or any(
        name.startswith("qbr") for name in links
    ):
        return HYBRID, None
    if _ovn(facts, names, programs):
        return OVN, BACKENDS[OVN].problem
    if _native(facts):
        return NATIVE, BACKENDS[NATIVE].problem
    if any(c.startswith("neutron-linuxbri-") for c in chains) or any(
        name.startswith("brq") for name in links
    ):
        return LINUXBRIDGE, BACKENDS[LINUXBRIDGE].problem
    if any(n.startswith(("qrouter-", "qdhcp-")) for n in names) or (
        "neutron-openvswitch-agent" in programs
    ):
        return HYBRID, None
    return UNKNOWN, BACKENDS[UNKNOWN].problem


# the records recognise() reads: a gather cut before one of them may hide the real backend
RECOGNITION_RECORDS = (
    "link",
    "iptables_save",
    "processes",
    "ovs_list_br",
    "ovs_external_ids",
    "ovs_flows_br_int",
    "ovn_nb_show",
    "netns_list",
)


def by_its_own_marks(facts: Facts) -> bool:
    """Whether facts.backend was recognised by what only that backend makes (hybrid: its
    chains or qbr bridges; OVN, native, Linux bridge: their marks), not by elimination."""
    if facts.backend == HYBRID:
        chains = facts.root.rules.chains("filter")
        return any(c.startswith("neutron-openvswi-") for c in chains) or any(
            link.name.startswith("qbr") for link in facts.root.links
        )
    return facts.backend != UNKNOWN


def _ovn(facts: Facts, names: list[str], programs: set[str]) -> bool:
    if any(n.startswith("ovnmeta-") for n in names):
        return True
    if programs & {"ovn-controller", "ovn-northd", "neutron-ovn-metadata-agent"}:
        return True
    ids = facts.snapshot.root("ovs_external_ids")
    if ids is not None and ids.ok and "ovn-remote" in parse_external_ids(ids.out):
        return True
    show = facts.snapshot.root("ovn_nb_show")
    return show is not None and show.ok and "router" in show.out


def _native(facts: Facts) -> bool:
    """Firewall flows on br-int (facts.flows, parsed once by build_facts), or a tap on br-int."""
    if {flow.table for flow in facts.flows} & {71, 72, 81, 82}:
        return True
    links = {link.name for link in facts.root.links}  # a set: br-int may list 100 000 ports
    return any(port.startswith("tap") and port in links for port in facts.ovs_ports("br-int"))
