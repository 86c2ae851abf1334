"""The Neutron backends labgrade tells apart, by the names reports and exercises.yaml use.

An exercise or check may declare `backends: [...]` (exercises.yaml): it is graded only on hosts
running one of them. Hosts whose backend no check names (Linux bridge, unknown) are graded with
the lab's own backend's checks: on Linux bridge those that cannot apply are `error` with the
reason; on a host with no Neutron at all (unknown) what is missing is a plain `fail`.
"""

from __future__ import annotations

HYBRID = "ml2-ovs-iptables-hybrid"  # the lab as written: OVS agent, iptables_hybrid firewall
NATIVE = "ml2-ovs-native-firewall"  # OVS agent with the native (openvswitch) firewall
OVN = "ml2-ovn"
LINUXBRIDGE = "ml2-linuxbridge"
UNKNOWN = "unknown"
KNOWN = (HYBRID, NATIVE, OVN, LINUXBRIDGE, UNKNOWN)
DEFAULT = HYBRID
