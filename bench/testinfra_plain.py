"""A plain pytest-testinfra suite for the lab, as one would write it without labgrade: one
test per check, each running its own command on the host through testinfra (one ssh command
per test). bench/batch_bench.py runs it with pytest-xdist on the same hosts as `labgrade batch`
to compare (the hosts and ssh config come from LABGRADE_BENCH_HOSTS and LABGRADE_BENCH_SSH).

    LABGRADE_BENCH_HOSTS=a,b LABGRADE_BENCH_SSH=cfg pytest -n 8 -p no:cacheprovider \\
        bench/testinfra_plain.py
"""

from __future__ import annotations

import os

import pytest
import testinfra

HOSTS = [h for h in os.environ.get("LABGRADE_BENCH_HOSTS", "").split(",") if h]
SSH = os.environ.get("LABGRADE_BENCH_SSH", "")


def each_ns(command: str) -> str:
    return f"for n in $(ip netns list | cut -d' ' -f1); do ip netns exec $n {command}; done"


# (check, command): what each of the rubric's checks (exercises.yaml) would run for itself
COMMANDS = [
    ("devices.instance-tap", "ip -o link"),
    ("devices.hybrid-plug", "ip -o link"),
    ("devices.ovs-bridges", "ovs-vsctl --timeout=10 list-br"),
    ("devices.ovs-ports", "ovs-vsctl --timeout=10 list-ports br-int"),
    ("namespaces.qdhcp", "ip netns list"),
    ("namespaces.qrouter", "ip netns list"),
    ("sg.chain", "iptables-save"),
    ("sg.wiring", "iptables-save"),
    ("sg.ssh", "iptables-save"),
    ("sg.icmp", "iptables-save"),
    ("sg.stateful", "iptables-save"),
    ("dhcp.tap", each_ns("ip -o addr")),
    ("dhcp.dnsmasq", "ps -eo pid,args"),
    ("routing.interfaces", each_ns("ip -o addr")),
    ("routing.default-route", each_ns("ip route")),
    ("routing.floating-ip", each_ns("ip -o addr")),
    ("nat.dnat", each_ns("iptables-save")),
    ("nat.snat", each_ns("iptables-save")),
    ("nat.pair", each_ns("iptables-save")),
    ("nat.metadata-redirect", each_ns("iptables-save")),
    ("nat.metadata-proxy", each_ns("ss -ltnp")),
]


@pytest.mark.parametrize("name", HOSTS)
@pytest.mark.parametrize(("check", "command"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_check(name: str, check: str, command: str) -> None:
    host = testinfra.get_host(f"ssh://{name}", ssh_config=SSH or None)
    assert host.run(command).rc == 0, check
