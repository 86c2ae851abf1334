"""The DHCP agent: qdhcp namespace, its tap, and the dnsmasq processes."""

from __future__ import annotations

from grader.facts.namespace import NamespaceView
from grader.facts.types import Dhcp, Dnsmasq
from grader.parsers.processes import Process


def build_dhcp(view: NamespaceView) -> Dhcp:
    assert view.name is not None
    addresses = tuple(a for a in view.addresses if a.family == "inet" and a.ifname != "lo")
    taps = tuple(dict.fromkeys(a.ifname for a in addresses))
    dhcp = Dhcp(ns=view.name, view=view, taps=taps, addresses=addresses)
    for name in ("taps", "addresses"):
        dhcp.refuse(name, view.problem("addresses"))
    return dhcp


def find_dnsmasq(processes: list[Process], pid_netns: dict[int, str]) -> list[Dnsmasq]:
    found = []
    for process in processes:
        if process.program != "dnsmasq":
            continue
        interfaces = tuple(v for v in process.options().get("--interface", []) if v)
        found.append(Dnsmasq(process, pid_netns.get(process.pid), interfaces))
    return found
