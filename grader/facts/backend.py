"""Which Neutron backend the host runs, and what to tell a student when it is not this lab's."""

from __future__ import annotations

from grader.backends import HYBRID, LINUXBRIDGE, NATIVE, OVN, UNKNOWN
from grader.facts.types import Facts
from grader.parsers.ovs import parse_external_ids

SETUP = (
    "To do this lab, set DevStack up with the Open vSwitch agent and the iptables_hybrid "
    "firewall: in local.conf put Q_AGENT=openvswitch and Q_ML2_PLUGIN_MECHANISM_DRIVERS="
    "openvswitch, enable q-svc q-agt q-dhcp q-l3 q-meta (disable the ovn-* services), and add "
    "[[post-config|/$Q_PLUGIN_CONF_FILE]] [securitygroup] firewall_driver = iptables_hybrid; "
    "then run ./unstack.sh and ./stack.sh again."
)


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
        return OVN, (
            "This host runs ML2/OVN: routers, DHCP and security groups live in OVN "
            "(no qrouter-/qdhcp- namespaces, no iptables security-group chains), so the lab "
            "is graded where OVN keeps it (the ovn.* checks). " + SETUP
        )
    if _native(facts):
        return NATIVE, (
            "This host runs the Open vSwitch agent with the native (openvswitch) firewall: "
            "security groups are OpenFlow rules on br-int and the instance's tap sits directly "
            "on br-int (no qbr/qvb/qvo, no iptables chains), so security groups are graded "
            "on the flows (the ovsfw.* checks). " + SETUP
        )
    if any(c.startswith("neutron-linuxbri-") for c in chains) or any(
        name.startswith("brq") for name in links
    ):
        return LINUXBRIDGE, (
            "This host runs the Linux bridge agent (brq bridges, no Open vSwitch ports). " + SETUP
        )
    if any(n.startswith(("qrouter-", "qdhcp-")) for n in names) or (
        "neutron-openvswitch-agent" in programs
    ):
        return HYBRID, None
    return UNKNOWN, (
        "No Neutron networking found on this host: no qrouter-/qdhcp- namespaces, no "
        "neutron iptables chains, no Open vSwitch agent. Is DevStack running, and is "
        "labgrade run as root? " + SETUP
    )


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
