"""dhcp.*: the tap inside the qdhcp namespace and the dnsmasq that serves on it."""

from __future__ import annotations

from checks._common import lines, view_or_error
from checks._registry import check
from grader.facts import Dhcp, Dnsmasq, Facts
from grader.outcome import Outcome, failed, passed

PS = "ps ww `pgrep dnsmasq`"


def _dhcp(facts: Facts) -> Dhcp | None:
    if facts.dhcp is not None:
        view_or_error(facts.dhcp.view, "link", "addr")
    return facts.dhcp


@check("dhcp_tap")
def dhcp_tap(facts: Facts) -> Outcome:
    """A device with an IPv4 address inside the qdhcp namespace (the DHCP server's port)."""
    dhcp = _dhcp(facts)
    expected = "a tap device with the DHCP server's address in qdhcp-<network id>"
    if dhcp is None:
        return failed("no qdhcp namespace", expected=expected, see="sudo ip netns list")
    see = dhcp.view.run("ip a")
    if not dhcp.taps:
        found = lines((link.line for link in dhcp.view.links), "(no devices)")
        return failed(
            f"no device with an IPv4 address in {dhcp.ns}; devices:\n{found}",
            expected=expected,
            see=see,
        )
    return passed(lines(a.line for a in dhcp.addresses), see=see, expected=expected)


@check("dnsmasq")
def dnsmasq(facts: Facts) -> Outcome:
    """dnsmasq serves on the qdhcp tap: `--interface=<tap>` where given, otherwise the process
    runs in the qdhcp namespace (Stein+ dnsmasq has no --interface)."""
    dhcp = _dhcp(facts)
    expected = (
        "dnsmasq --interface=<the qdhcp tap>, or (Stein+) dnsmasq running in the qdhcp namespace"
    )
    if dhcp is None or not dhcp.taps:
        return failed(
            "no qdhcp namespace with an addressed tap to serve on", expected=expected, see=PS
        )
    if not facts.processes:
        return failed("no process list was gathered (`ps` failed)", expected=expected, see=PS)
    serving, others = [], []
    for server in facts.dnsmasq:
        if server.interfaces:
            ok = any(i in dhcp.taps for i in server.interfaces) and server.netns in (None, dhcp.ns)
        else:
            ok = server.netns == dhcp.ns
        (serving if ok else others).append(server)
    if serving:
        server = serving[0]
        how = (
            f"--interface={','.join(server.interfaces)}"
            if server.interfaces
            else f"runs in {dhcp.ns} (ip netns identify {server.process.pid})"
        )
        return passed(
            f"{server.process.pid} {server.process.args}\n({how})", see=PS, expected=expected
        )
    if not facts.dnsmasq:
        return failed("no dnsmasq process is running", expected=expected, see=PS)
    described = [f"{s.process.pid} {s.process.args}\n  (namespace: {_where(s)})" for s in others]
    return failed(
        f"no dnsmasq serves {', '.join(dhcp.taps)} in {dhcp.ns}; found:\n" + lines(described),
        expected=expected,
        see=PS,
    )


def _where(server: Dnsmasq) -> str:
    if server.netns is None:
        return "unknown"
    return server.netns or "root"
