"""devices.*: the instance's tap, the hybrid plug (tap-qbr-qvb=qvo-br-int), the OVS bridges."""

from __future__ import annotations

from shlex import quote

from checks._common import gateway_view, lines, no_instance
from checks._registry import check
from grader.facts import NATIVE, Facts
from grader.outcome import CannotGrade, Outcome, failed, passed
from grader.parsers.ip_link import Link, parse_peer_ifindex


@check("instance_tap")
def instance_tap(facts: Facts) -> Outcome:
    """The graded instance's tap device exists in the root namespace."""
    instance = facts.instance
    expected = "a tap device named tap + 11 characters of the instance's port id"
    if instance is None or instance.tap is None:
        return failed(no_instance(facts), expected=expected, see="ip a")
    link = facts.root.link(instance.tap)
    evidence = link.line if link else instance.tap
    if facts.other_instances:
        others = ", ".join(i.tap or i.port for i in facts.other_instances)
        evidence += f"\n(graded: {instance.tap}; other instances: {others})"
    return passed(evidence, see=f"ip link show {quote(instance.tap)}", expected=expected)


@check("hybrid_plug")
def hybrid_plug(facts: Facts) -> Outcome:
    """tap and qvb on one qbr bridge; qvb/qvo a veth pair; qvo a port of br-int."""
    instance = facts.instance
    expected = (
        "tapX and qvbX with `master qbrX`; qvbX@qvoX; qvoX among `ovs-vsctl list-ports br-int`"
    )
    if instance is None or instance.tap is None:
        return failed(no_instance(facts), expected=expected, see="ip a")
    port = instance.tap[3:]
    names = {kind: f"{kind}{port}" for kind in ("qbr", "qvb", "qvo")}
    root = facts.root
    tap, qvb, qvo = root.link(instance.tap), root.link(names["qvb"]), root.link(names["qvo"])
    problems = []
    if tap is None or tap.master != names["qbr"]:
        problems.append(f"{instance.tap} is not on bridge {names['qbr']}")
    if qvb is None:
        problems.append(f"no device {names['qvb']}")
    elif qvb.master != names["qbr"]:
        problems.append(f"{names['qvb']} is not on bridge {names['qbr']}")
    if qvo is None:
        problems.append(f"no device {names['qvo']}")
    paired = _peers(facts, qvb, qvo) if qvb and qvo else None
    if paired is False:
        problems.append(f"{names['qvb']} and {names['qvo']} are not a veth pair")
    if facts.ovs_bridges is None:
        raise CannotGrade(f"could not list Open vSwitch ports: {facts.ovs_error}")
    if names["qvo"] not in facts.ovs_ports("br-int"):
        problems.append(f"{names['qvo']} is not a port of br-int")
    found = lines(link.line for link in (tap, qvb, qvo) if link is not None)
    see = f"ip -o link | grep -- {quote(port)}; sudo ovs-vsctl list-ports br-int"
    if problems:
        return failed("; ".join(problems) + "\nfound:\n" + found, expected=expected, see=see)
    evidence = found + f"\nbr-int port: {names['qvo']}"
    if paired is None:
        evidence += (
            "\n(`ip -o link` names no veth peers here, as Linux before 4.1 does, and no "
            "`ethtool -S` peer_ifindex was gathered: the pair is taken from the names "
            f"{names['qvb']}/{names['qvo']}, {names['qvb']} on {names['qbr']} and "
            f"{names['qvo']} on br-int)"
        )
    return passed(evidence, see=see, expected=expected)


def _peers(facts: Facts, qvb: Link, qvo: Link) -> bool | None:
    """qvb@qvo / qvo@qvb, or @ifN naming the other's index (veths seen from one namespace).
    Before Linux 4.1 `ip -o link` names no peer: then `ethtool -S qvb` (peer_ifindex) decides
    where it was gathered; None when nothing can tell (the check falls back on the names and
    bridge memberships, as Nova plugs them)."""
    if qvb.peer or qvo.peer:
        return qvb.peer in (qvo.name, f"if{qvo.index}") or qvo.peer in (
            qvb.name,
            f"if{qvb.index}",
        )
    record = facts.snapshot.root("ethtool_stats", qvb.name)
    peer = parse_peer_ifindex(record.out) if record is not None and record.ok else None
    return None if peer is None else peer == qvo.index


@check("ovs_bridges")
def ovs_bridges(facts: Facts, *, bridges: list[str] | None = None) -> Outcome:
    """Open vSwitch has BRIDGES (default br-int and br-ex)."""
    wanted = bridges or ["br-int", "br-ex"]
    see = "sudo ovs-vsctl list-br"
    if facts.ovs_bridges is None:
        raise CannotGrade(f"could not list Open vSwitch bridges: {facts.ovs_error}", see)
    missing = [b for b in wanted if b not in facts.ovs_bridges]
    evidence = "ovs-vsctl list-br: " + (", ".join(facts.ovs_bridges) or "(none)")
    expected = "bridges " + ", ".join(wanted)
    if missing:
        return failed(f"{evidence}\nmissing: {', '.join(missing)}", expected=expected, see=see)
    return passed(evidence, see=see, expected=expected)


@check("ovs_ports")
def ovs_ports(facts: Facts) -> Outcome:
    """br-int carries the instance's qvo (native firewall: its tap), the router's qr- and the
    DHCP tap; the router's qg- is on br-int or br-ex."""
    see = "sudo ovs-vsctl list-ports br-int; sudo ovs-vsctl list-ports br-ex"
    if facts.ovs_bridges is None:
        raise CannotGrade(f"could not list Open vSwitch ports: {facts.ovs_error}", see)
    br_int = facts.ovs_ports("br-int")
    expected = "on br-int: qvo<port>, qr-<port>, the DHCP tap; qg-<port> on br-int or br-ex"
    wanted: list[tuple[str, tuple[str, ...]]] = []  # (port, bridges it may sit on)
    problems = []
    instance = facts.instance
    if instance is None or instance.tap is None:
        problems.append("no instance port (" + no_instance(facts) + ")")
    else:
        port = instance.tap if facts.backend == NATIVE else "qvo" + instance.tap[3:]
        wanted.append((port, ("br-int",)))
    router = facts.router
    if router is None:
        problems.append("no qrouter namespace")
    else:
        gateway_view(router)  # DVR: qg- lives in snat-<router id> (error without it)
        wanted += [(qr, ("br-int",)) for qr in router.qr_devices]
        wanted += [(qg, ("br-int", "br-ex")) for qg in router.qg_devices]
        if not router.qr_devices or not router.qg_devices:
            where = router.ns + (" / its snat- namespace" if router.dvr else "")
            problems.append(f"{where} lacks a qr- or qg- device")
    dhcp = facts.dhcp
    if dhcp is None or not dhcp.taps:
        problems.append("no DHCP tap (no qdhcp namespace with an addressed device)")
    else:
        wanted += [(tap, ("br-int",)) for tap in dhcp.taps]
    found = []
    for port, bridges in wanted:
        bridge = facts.bridge_of_port(port)
        if bridge in bridges:
            found.append(f"{port} on {bridge}")
        else:
            problems.append(f"{port} is not on {' or '.join(bridges)}")
    listing = "br-int ports: " + (", ".join(br_int) or "(none)")
    if problems:
        return failed("; ".join(problems) + "\n" + listing, expected=expected, see=see)
    return passed("; ".join(found) + "\n" + listing, see=see, expected=expected)


@check("tap_on_br_int")
def tap_on_br_int(facts: Facts) -> Outcome:
    """Native firewall / OVN: the instance's tap is itself a port of br-int, on no Linux bridge."""
    instance = facts.instance
    expected = "tapX among `ovs-vsctl list-ports br-int`, with no `master qbrX`"
    see = "sudo ovs-vsctl list-ports br-int"
    if instance is None or instance.tap is None:
        return failed(no_instance(facts), expected=expected, see="ip a")
    if facts.ovs_bridges is None:
        raise CannotGrade(f"could not list Open vSwitch ports: {facts.ovs_error}", see)
    link = facts.root.link(instance.tap)
    if instance.tap not in facts.ovs_ports("br-int"):
        ports = ", ".join(facts.ovs_ports("br-int")) or "(none)"
        return failed(
            f"{instance.tap} is not a port of br-int (ports: {ports})", expected=expected, see=see
        )
    if link is not None and link.master and link.master.startswith("qbr"):
        return failed(f"{link.line}\n(plugged into a Linux bridge)", expected=expected, see=see)
    return passed(
        (link.line if link else instance.tap) + "\nbr-int port: " + instance.tap,
        see=see,
        expected=expected,
    )
