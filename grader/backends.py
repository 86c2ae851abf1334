"""The Neutron backends labgrade tells apart: one table, BACKENDS, one line per backend.

Each line says the backend's id (the name reports and exercises.yaml `backends:` use), the name
the simulated lab builds it under (`labgrade lab up --backend NAME`, labsim/releases.py), how a
host is recognised as running it (done by grader/facts/backend.py, in the table's order) and what
a student on it is told (None for the lab's own backend).

An exercise or check may declare `backends: [...]` (exercises.yaml): it is graded only on hosts
running one of them. Hosts whose backend no check names (Linux bridge, unknown) are graded with
the lab's own backend's checks: on Linux bridge those that cannot apply are `error` with the
reason; on a host with no Neutron at all (unknown) what is missing is a plain `fail`.
"""

from __future__ import annotations

from dataclasses import dataclass

HYBRID = "ml2-ovs-iptables-hybrid"  # the lab as written: OVS agent, iptables_hybrid firewall
NATIVE = "ml2-ovs-native-firewall"  # OVS agent with the native (openvswitch) firewall
OVN = "ml2-ovn"
LINUXBRIDGE = "ml2-linuxbridge"
UNKNOWN = "unknown"
DEFAULT = HYBRID

SETUP = (
    "To do this lab, set DevStack up with the Open vSwitch agent and the iptables_hybrid "
    "firewall: in local.conf put Q_AGENT=openvswitch and Q_ML2_PLUGIN_MECHANISM_DRIVERS="
    "openvswitch, enable q-svc q-agt q-dhcp q-l3 q-meta (disable the ovn-* services), and add "
    "[[post-config|/$Q_PLUGIN_CONF_FILE]] [securitygroup] firewall_driver = iptables_hybrid; "
    "then run ./unstack.sh and ./stack.sh again."
)


@dataclass(frozen=True)
class Backend:
    id: str
    lab_name: str | None  # `labgrade lab up --backend NAME`; None: the lab does not build it
    recognised_by: str  # what on the host shows it (grader/facts/backend.py checks it)
    problem: str | None  # what a student on it is told; None: the lab's own backend


BACKENDS: dict[str, Backend] = {
    backend.id: backend
    for backend in (
        Backend(
            HYBRID, "hybrid", "neutron-openvswi- chains in the filter table, or qbr bridges", None
        ),
        Backend(
            OVN,
            "ovn",
            "an ovnmeta- namespace, ovn-controller/ovn-northd running, ovn-remote in Open_vSwitch "
            "external_ids, or routers in the northbound database",
            "This host runs ML2/OVN: routers, DHCP and security groups live in OVN "
            "(no qrouter-/qdhcp- namespaces, no iptables security-group chains), so the lab "
            "is graded where OVN keeps it (the ovn.* checks). " + SETUP,
        ),
        Backend(
            NATIVE,
            "ovs-firewall",
            "firewall flows (tables 71, 72, 81, 82) on br-int, or a tap port on br-int",
            "This host runs the Open vSwitch agent with the native (openvswitch) firewall: "
            "security groups are OpenFlow rules on br-int and the instance's tap sits directly "
            "on br-int (no qbr/qvb/qvo, no iptables chains), so security groups are graded "
            "on the flows (the ovsfw.* checks). " + SETUP,
        ),
        Backend(
            LINUXBRIDGE,
            None,
            "neutron-linuxbri- chains, or brq bridges",
            "This host runs the Linux bridge agent (brq bridges, no Open vSwitch ports). " + SETUP,
        ),
        Backend(
            UNKNOWN,
            None,
            "none of the above (qrouter-/qdhcp- namespaces or the OVS agent alone mean hybrid)",
            "No Neutron networking found on this host: no qrouter-/qdhcp- namespaces, no "
            "neutron iptables chains, no Open vSwitch agent. Is DevStack running, and is "
            "labgrade run as root? " + SETUP,
        ),
    )
}
KNOWN = (HYBRID, NATIVE, OVN, LINUXBRIDGE, UNKNOWN)
LAB_NAMES = {b.lab_name: b.id for b in BACKENDS.values() if b.lab_name}  # lab name -> id
