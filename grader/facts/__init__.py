"""Facts: what the checks look at, discovered from a snapshot (never configured).

facts = build_facts(snapshot)
facts.backend, facts.instance.chain_in, facts.router.floating, facts.discovered
"""

from grader.backends import HYBRID, LINUXBRIDGE, NATIVE, OVN, UNKNOWN
from grader.facts.build import build_facts
from grader.facts.namespace import NamespaceView
from grader.facts.types import (
    Dhcp,
    Dnsmasq,
    Facts,
    Instance,
    NatRule,
    Router,
)

__all__ = [
    "HYBRID",
    "LINUXBRIDGE",
    "NATIVE",
    "OVN",
    "UNKNOWN",
    "Dhcp",
    "Dnsmasq",
    "Facts",
    "Instance",
    "NamespaceView",
    "NatRule",
    "Router",
    "build_facts",
]
