"""The Neutron backends labgrade tells apart: one table, BACKENDS, one line per backend.

Each line says the backend's id (the name reports and exercises.yaml `backends:` use), the name
the simulated lab builds it under (`labgrade lab up --backend NAME`, labsim/releases.py), how a
host is recognised as running it (done by grader/facts/backend.py, in the table's order) and what
a student on it is told (None for the lab's own backend).

Which checks grade a host is said in one place, exercises.yaml `backends:` (on an exercise, or
on a check inside its exercise's list; none: every backend), and the engine decides from it
(grader/rubric.py picks the set, grader/engine.py turns what cannot apply into `error`):
- The host's backend chooses the set: the checks whose `backends:` include it. A backend that
  has no variant of its own (no list names it without also naming the lab's own backend:
  Linux bridge, unknown) is graded with the lab's own backend's set (DEFAULT).
- A check of that set (or named with `--only`) whose `backends:` leave out the host's backend
  is `error`, with cannot_apply's reason, never a `fail`; except on UNKNOWN (no Neutron found):
  the host truly lacks what the lab asks for, so there what is missing is a plain `fail`.
- Where what tells the backends apart was not gathered (a cut or refused gather), a check
  with `backends:` is `error` with that reason.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def cannot_apply(backend: str, made_for: Iterable[str], explained: bool) -> str:
    """Why a check made for MADE_FOR (ids) is `error` on a host running BACKEND. Short: when
    EXPLAINED, the report's header already says what is wrong with the backend (its problem)."""
    named = [b for b in KNOWN if b in made_for and b != UNKNOWN]
    note = "; see the note on the backend at the top of the report" if explained else ""
    return f"cannot apply to this host's backend ({backend}), only to {' / '.join(named)}{note}"
